package value

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"
)

func TestCompareAndNull(t *testing.T) {
	if !Equal(Value{}, Value{}) || Equal(Value{}, NumberOf(0)) || Equal(TextOf(""), Value{}) {
		t.Error("null equals only null")
	}
	if _, ok := Compare(Value{}, NumberOf(1)); ok {
		t.Error("null orders")
	}
	if _, ok := Compare(TextOf("a"), NumberOf(1)); ok {
		t.Error("text orders with a number")
	}
	if c, ok := Compare(MoneyOf(5), NumberOf(7)); !ok || c >= 0 {
		t.Error("money and number order together")
	}
	if !Equal(TypedText("work", "a@b"), TextOf("a@b")) {
		t.Error("a typed address equals its text")
	}
	if Truth(Value{}) || Truth(NumberOf(1)) || !Truth(BoolOf(true)) {
		t.Error("only true is true")
	}
}

func TestLiterals(t *testing.T) {
	for raw, secs := range map[string]float64{"180d": 180 * 86400, "1h30m": 5400, "600s": 600, "6mo": 180 * 86400, "2w": 14 * 86400} {
		v, err := ParseDuration(raw)
		if err != nil || v.N != secs {
			t.Errorf("%s: %v %v, want %v", raw, v.N, err, secs)
		}
	}
	if _, err := ParseDuration("5y"); err == nil {
		t.Error("5y parsed")
	}
	if v, _ := ParseDuration("90m"); v.String() != "90m" {
		t.Errorf("90m prints as %s", v)
	}
}

func TestRecord(t *testing.T) {
	r := RecordOf([]string{"status", "body"}, []Value{NumberOf(200), TextOf("ok")})
	if r.Field("status").N != 200 || r.Field("body").S != "ok" || !r.Field("nope").IsNull() || !TextOf("x").Field("a").IsNull() {
		t.Errorf("record fields: %+v", r)
	}
}

// plain is Value without its JSON methods: what encoding/json writes by
// reflection, which the hand-written encoder must match.
type plain struct {
	K   Kind    `json:"k,omitempty"`
	N   float64 `json:"n,omitempty"`
	S   string  `json:"s,omitempty"`
	Tag string  `json:"t,omitempty"`
	L   []plain `json:"l,omitempty"`
}

func toPlain(v Value) plain {
	p := plain{K: v.K, N: v.N, S: v.S, Tag: v.Tag}
	for _, e := range v.L {
		p.L = append(p.L, toPlain(e))
	}
	return p
}

// TestAppendJSON holds the hand-written encoder to encoding/json.
func TestAppendJSON(t *testing.T) {
	for _, v := range []Value{
		{}, TextOf("a \"b\" \\ <c> & \n\t\x01 ż \u2028"), MoneyOf(12.5), NumberOf(-3), NumberOf(1e-9), NumberOf(1e22),
		BoolOf(true), TypedText("work", "a@b"), ListOf(TypedText("mobile", "+48"), Value{}), RefOf("user", "anna"),
		RecordOf([]string{"status", "body"}, []Value{NumberOf(200), TextOf("ok")}), TextOf("bad \xff utf8"),
	} {
		want, err := json.Marshal(toPlain(v))
		if err != nil {
			t.Fatal(err)
		}
		if got := v.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON(%#v) = %s, want %s", v, got, want)
		}
	}
}

// FuzzFormatNumber: a number prints in at most NumberMaxLen characters
// (the checker counts a template's length with it) and reads back as the
// same number.
func FuzzFormatNumber(f *testing.F) {
	for _, n := range []float64{0, -0.30000000000000004, 1e21, 9.999999999999999e20, -1.2345678901234567e-7,
		-1.2345678901234567e-300, 1e-6, 0.0000012345678901234567, math.MaxFloat64, math.SmallestNonzeroFloat64, 1500.5} {
		f.Add(math.Float64bits(n))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		n := math.Float64frombits(bits)
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return // not a value of the language
		}
		s := FormatNumber(n)
		if len(s) > NumberMaxLen {
			t.Errorf("%v prints as %q, %d characters", n, s, len(s))
		}
		if back, err := strconv.ParseFloat(s, 64); err != nil || back != n {
			t.Errorf("%q reads back as %v (%v)", s, back, err)
		}
	})
}
