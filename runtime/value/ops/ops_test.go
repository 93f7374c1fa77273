package ops_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
)

func date(s string) value.Value     { v, _ := value.ParseDate(s); return v }
func datetime(s string) value.Value { v, _ := value.ParseDateTime(s); return v }
func clock(s string) value.Value    { v, _ := value.ParseClock(s); return v }
func dur(secs float64) value.Value  { return value.Value{K: value.Duration, N: secs} }

// TestImplementations runs overloads on chosen values: what each computes,
// and that a result out of its type's range is null, never NaN, ±Inf or a
// time past year 9999.
func TestImplementations(t *testing.T) {
	day := dur(86400)
	maxDur := dur(float64(value.MaxDuration))
	for _, c := range []struct {
		id   string
		a, b value.Value
		want string // as a template prints it; "" with kind Null for null
		kind value.Kind
	}{
		{"add_number_number", value.NumberOf(1), value.NumberOf(2), "3", value.Number},
		{"div_money_number", value.MoneyOf(12300), value.NumberOf(1.23), "10000", value.Money},
		{"div_money_money", value.MoneyOf(10), value.MoneyOf(4), "2.5", value.Number},
		{"mul_number_money", value.NumberOf(3), value.MoneyOf(1.1), "3.3", value.Money},
		{"add_money_money", value.MoneyOf(1.01), value.NumberOf(2), "3.01", value.Money}, // a literal adapted to money
		{"add_text_text", value.TextOf("a"), value.TextOf("b"), "ab", value.Text},
		{"add_text_enum", value.TextOf("a"), value.TextOf("B"), "aB", value.Text},
		{"add_date_duration", date("2026-11-23"), day, "2026-11-24", value.Date},
		{"add_date_duration", date("2026-11-23"), dur(36 * 3600), "2026-11-24", value.Date},
		{"add_date_duration", date("2026-11-23"), dur(3600), "2026-11-23", value.Date},
		{"sub_date_duration", date("2026-11-23"), dur(7200), "2026-11-22", value.Date}, // 22:00 the evening before
		{"sub_date_duration", date("2026-11-23"), day, "2026-11-22", value.Date},
		{"sub_datetime_duration", datetime("2026-11-23T09:00"), day, "2026-11-22T09:00", value.DateTime},
		{"add_date_time", date("2026-11-23"), clock("14:00"), "2026-11-23T14:00", value.DateTime},
		{"sub_datetime_datetime", datetime("2026-11-23T09:00"), datetime("2026-11-23T07:00"), "2h", value.Duration},
		{"sub_date_date", date("2026-11-23"), date("2026-11-20"), "3d", value.Duration},
		{"mul_number_duration", value.NumberOf(2), day, "2d", value.Duration}, // 2 * 1d: was null
		{"mul_duration_number", day, value.NumberOf(2), "2d", value.Duration},
		{"mul_duration_number", dur(1), value.NumberOf(0.4), "0s", value.Duration}, // whole seconds
		{"div_duration_number", day, value.NumberOf(4), "6h", value.Duration},
		{"mod_number_number", value.NumberOf(-7), value.NumberOf(3), "-1", value.Number},
		{"add_number_number", value.Value{}, value.NumberOf(1), "", value.Null},
		{"add_text_text", value.TextOf("a"), value.Value{}, "", value.Null},

		// Out of range: null.
		{"div_number_number", value.NumberOf(1), value.NumberOf(0), "", value.Null},
		{"div_number_number", value.NumberOf(0), value.NumberOf(0), "", value.Null},
		{"div_number_number", value.NumberOf(1e300), value.NumberOf(1e-300), "", value.Null},
		{"mod_number_number", value.NumberOf(1), value.NumberOf(0), "", value.Null},
		{"mul_number_number", value.NumberOf(1e200), value.NumberOf(1e200), "", value.Null}, // deal.n * deal.n
		{"mul_number_number", value.NumberOf(-1e200), value.NumberOf(1e200), "", value.Null},
		{"add_number_number", value.NumberOf(math.MaxFloat64), value.NumberOf(math.MaxFloat64), "", value.Null},
		{"mul_money_number", value.MoneyOf(1e300), value.NumberOf(1e8), "", value.Null},
		{"add_money_money", value.MoneyOf(1.7e306), value.MoneyOf(1e306), "", value.Null}, // finite, but not in cents
		{"div_money_money", value.MoneyOf(1), value.MoneyOf(0), "", value.Null},
		{"div_money_number", value.MoneyOf(1), value.NumberOf(0), "", value.Null},
		{"div_duration_number", day, value.NumberOf(0), "", value.Null},
		{"mul_number_duration", value.NumberOf(200000000000000), day, "", value.Null}, // overflows int64 seconds
		{"mul_duration_number", maxDur, value.NumberOf(2), "", value.Null},
		{"add_duration_duration", maxDur, dur(1), "", value.Null},
		{"sub_date_duration", date("2026-11-23"), maxDur, "", value.Null}, // before 0001-01-01
		{"add_datetime_duration", value.Value{K: value.DateTime, N: float64(value.MaxTime)}, dur(1), "", value.Null},
		{"add_date_time", date("9999-12-31"), clock("23:59"), "9999-12-31T23:59", value.DateTime},
		{"add_text_text", value.TextOf(strings.Repeat("x", ops.MaxTextBytes)), value.TextOf("y"), "", value.Null},

		// At the edges, still values.
		{"mul_number_number", value.NumberOf(1e154), value.NumberOf(1e154), "1e+308", value.Number},
		{"sub_datetime_datetime", value.Value{K: value.DateTime, N: float64(value.MaxTime)}, value.Value{K: value.DateTime, N: float64(value.MinTime)},
			"315537897599s", value.Duration},
	} {
		ov := ops.Lookup(c.id)
		if ov == nil {
			t.Fatalf("no overload %s", c.id)
		}
		got := ov.Binary(c.a, c.b)
		if got.K != c.kind || c.kind != value.Null && got.String() != c.want {
			t.Errorf("%s(%#v, %#v) = %#v (%s), want %s of kind %d", c.id, c.a, c.b, got, got, c.want, c.kind)
		}
	}
	if got := ops.Lookup("neg_duration").Unary(maxDur); got.K != value.Duration || got.N != -float64(value.MaxDuration) {
		t.Errorf("-MaxDuration = %#v", got)
	}
	if got := ops.Lookup("neg_number").Unary(value.NumberOf(math.NaN())); !got.IsNull() {
		t.Errorf("-NaN = %#v", got)
	}
	if got := ops.Lookup("not_bool").Unary(value.Value{}); !value.Truth(got) {
		t.Errorf("not null = %#v", got)
	}
}

// TestResolve: the overloads the checker gets for operand types, number
// literals adapting to money only where nothing else applies.
func TestResolve(t *testing.T) {
	untyped := types.UntypedNum
	for _, c := range []struct {
		op     ops.Op
		args   []*types.Type
		id     string
		result string
	}{
		{ops.Add, []*types.Type{untyped, untyped}, "add_number_number", "number"},
		{ops.Mul, []*types.Type{untyped, types.DurationType}, "mul_number_duration", "duration"},
		{ops.Add, []*types.Type{types.MoneyType, untyped}, "add_money_money", "money"},
		{ops.Gt, []*types.Type{types.MoneyType, untyped}, "gt_money_money", "bool"},
		{ops.Mul, []*types.Type{types.MoneyType, untyped}, "mul_money_number", "money"},
		{ops.Div, []*types.Type{types.MoneyType, untyped}, "div_money_number", "money"},
		{ops.Add, []*types.Type{types.MoneyType, types.NumberType}, "", ""}, // a number field is not money
		{ops.Sub, []*types.Type{types.DateType, types.DurationType}, "sub_date_duration", "date"},
		{ops.Sub, []*types.Type{types.DateTimeType, types.DateType}, "", ""},
		{ops.Eq, []*types.Type{types.DateType, types.DateTimeType}, "", ""},
		{ops.Eq, []*types.Type{types.NullType, types.NullType}, "eq_null_any", "bool"},
		{ops.Eq, []*types.Type{types.TextN(60), types.EnumOf("A")}, "eq_text_enum", "bool"},
		{ops.Eq, []*types.Type{types.EntityOf("contact"), types.EntityOf("company")}, "", ""},
		{ops.Lt, []*types.Type{{Kind: types.Stage, Entity: "deal"}, {Kind: types.Stage, Entity: "deal"}}, "", ""},
		{ops.In, []*types.Type{types.TextType, types.ListOf(types.NumberType)}, "", ""},
		{ops.In, []*types.Type{types.EmailType, types.EmailsType}, "in_any_emails", "bool"},
		{ops.InRange, []*types.Type{types.MoneyType, untyped, untyped}, "in_range_money", "bool"},
		{ops.Neg, []*types.Type{untyped}, "neg_number", "number"},
		{ops.Not, []*types.Type{types.NullType}, "not_bool", "bool"},
		{ops.And, []*types.Type{types.BoolType, types.NullType}, "and_bool_bool", "bool"},
	} {
		ov, res := ops.Resolve(c.op, c.args...)
		id, result := "", ""
		if ov != nil {
			id, result = ov.ID, res.String()
		}
		if id != c.id || result != c.result {
			t.Errorf("%s %v: %s (%s), want %s (%s)", c.op, c.args, id, result, c.id, c.result)
		}
	}
	if _, res := ops.Resolve(ops.Add, untyped, untyped); !res.Untyped {
		t.Error("1 + 2 is not a literal")
	}
	if _, res := ops.Resolve(ops.Neg, untyped); !res.Untyped {
		t.Error("-1 is not a literal")
	}
}

// TestTable: every overload is well formed, its ID follows the scheme and
// names it, and its Test agrees with its Binary.
func TestTable(t *testing.T) {
	vals := []value.Value{{}, value.NumberOf(5), value.MoneyOf(5), value.TextOf("a"), value.BoolOf(true), date("2026-11-23"),
		value.ListOf(value.TextOf("a")), value.ListOf(value.NumberOf(1), value.NumberOf(9))}
	for _, ov := range ops.Overloads() {
		if ops.Lookup(ov.ID) != ov || !strings.HasPrefix(ov.ID, ov.Op.String()+"_") {
			t.Errorf("%s: the ID does not name the overload of %s", ov.ID, ov.Op)
		}
		if (ov.Unary == nil) == (ov.Binary == nil) || ov.Unary != nil && len(ov.Params) != 1 || ov.Result == nil {
			t.Errorf("%s: wants one implementation of its arity and a result type", ov.ID)
		}
		if ov.Test == nil {
			continue
		}
		for _, a := range vals {
			for _, b := range vals {
				if got, want := ov.Test(&a, &b), value.Truth(ov.Binary(a, b)); got != want {
					t.Errorf("%s(%v, %v): Test %v, Binary %v", ov.ID, a, b, got, want)
				}
			}
		}
	}
	for _, sym := range []string{"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"} {
		if op, ok := ops.Binary(sym); !ok || op.Symbol() != sym {
			t.Errorf("binary %q: %v %v", sym, op, ok)
		}
	}
}

// FuzzOverloads runs every overload's implementations on values built from
// arbitrary numbers and texts: none panics, and from values in the domain
// each gives a value in the domain (value.Valid), whatever their kinds: a
// result out of range is null, never NaN, ±Inf or a time past year 9999.
// Test agrees with Binary.
func FuzzOverloads(f *testing.F) {
	f.Add(uint8(value.Number), 1e200, "", uint8(value.Number), 1e200, "")
	f.Add(uint8(value.Number), 0.0, "", uint8(value.Number), 0.0, "")
	f.Add(uint8(value.Duration), float64(value.MaxDuration), "", uint8(value.Number), 2.0, "")
	f.Add(uint8(value.Date), float64(value.MaxTime-86399), "", uint8(value.Duration), 86400.0, "")
	f.Add(uint8(value.Money), 1.7e306, "", uint8(value.Money), 1.7e306, "")
	f.Add(uint8(value.Text), 0.0, "ż", uint8(value.List), 0.0, "a")
	f.Add(uint8(value.Number), -14.333333333333334, "", uint8(value.Number), 0.0, "") // a number where a datetime is expected
	f.Fuzz(func(t *testing.T, ka uint8, na float64, sa string, kb uint8, nb float64, sb string) {
		a, b := build(ka, na, sa), build(kb, nb, sb)
		if value.Valid(a) != nil || value.Valid(b) != nil {
			return
		}
		for _, ov := range ops.Overloads() {
			var r value.Value
			if ov.Unary != nil {
				r = ov.Unary(a)
			} else {
				r = ov.Binary(a, b)
				if ov.Test != nil && ov.Test(&a, &b) != value.Truth(r) {
					t.Fatalf("%s(%#v, %#v): Test and Binary differ", ov.ID, a, b)
				}
			}
			if err := value.Valid(r); err != nil {
				t.Fatalf("%s(%#v, %#v) = %#v: %v", ov.ID, a, b, r, err)
			}
		}
	})
}

// build makes a value of any kind from a number and a text.
func build(k uint8, n float64, s string) value.Value {
	v := value.Value{K: value.Kind(k % 12), N: n, S: s}
	switch v.K {
	case value.List:
		v.N, v.S, v.L = 0, "", []value.Value{value.NumberOf(n), value.TextOf(s)}
	case value.Record:
		v = value.RecordOf([]string{"a"}, []value.Value{value.NumberOf(n)})
	case value.Bool:
		v = value.BoolOf(n != 0)
	case value.Ref:
		v.Tag = "contact"
	}
	return v
}
