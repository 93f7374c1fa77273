package value

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

var nan, inf = math.NaN(), math.Inf(1)

// TestValid: every way out of the domain is refused with a message saying
// what, and where in a list or record.
func TestValid(t *testing.T) {
	date, _ := ParseDate("2026-11-23")
	for _, v := range []Value{
		{}, TextOf("ż"), NumberOf(-1e308), MoneyOf(12.5), BoolOf(false), date, {K: DateTime, N: float64(MaxTime)},
		{K: Date, N: float64(MinTime)}, {K: Time, N: 86399}, {K: Duration, N: -float64(MaxDuration)},
		ListOf(TypedText("work", "a@b"), Value{}), RefOf("deal", "12"), RecordOf([]string{"status", "body"}, []Value{NumberOf(200), {}}),
		RecordOf(nil, nil),
	} {
		if err := Valid(v); err != nil {
			t.Errorf("Valid(%#v): %v", v, err)
		}
	}
	for _, c := range []struct {
		v    Value
		want string
	}{
		{NumberOf(nan), "number is NaN"},
		{NumberOf(inf), "number is +Inf: beyond the largest number"},
		{MoneyOf(-inf), "amount is -Inf"},
		{Value{K: DateTime, N: nan}, "datetime is NaN"},
		{Value{K: Date, N: inf}, "date is +Inf"},
		{Value{K: DateTime, N: float64(MaxTime) + 1}, "datetime 2.534023008e+11 is out of range"},
		{Value{K: Date, N: 3600}, "date 3600 is not at midnight"},
		{Value{K: DateTime, N: 0.5}, "not a whole number of seconds"},
		{Value{K: Time, N: 86400}, "time of day 86400"},
		{Value{K: Duration, N: 1e300}, "duration 1e+300s is out of range"},
		{Value{K: Bool, N: 2}, "bool is 2"},
		{Value{K: 12}, "unknown kind 12"},
		{Value{S: "x"}, "null holds a value"},
		{TextOf("bad \xff"), "text: text is not valid UTF-8: byte 0xff at offset 4"},
		{TypedText("wo\xc3rk", "a@b"), "text's type: text is not valid UTF-8"},
		{RefOf("deal", "\xed\xa0\x80"), "reference: text is not valid UTF-8: byte 0xed at offset 0"},
		{ListOf(TypedText("work", "a@b"), TypedText("mobile", "+48 \xff")), "list element 2: text: text is not valid UTF-8"},
		{ListOf(ListOf(NumberOf(nan))), "list element 1: list element 1: number is NaN"},
		{RecordOf([]string{"status", "body"}, []Value{NumberOf(200), TextOf("\xff")}), `record field "body": text: text is not valid UTF-8`},
		{RecordOf([]string{"a"}, []Value{{}, {}}), "record has 2 values for 1 field names"},
		{Value{K: Number, N: 1, L: []Value{{}}}, "number holds a list"},
		{deep(MaxDepth + 1), "nested more than 32 deep"},
	} {
		err := Valid(c.v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Valid(%#v) = %v, want %q", c.v, err, c.want)
		}
		if b, err := c.v.EncodeJSON([]byte("x")); err == nil || string(b) != "x" {
			t.Errorf("EncodeJSON(%#v) = %s, %v: want an error and b unchanged", c.v, b, err)
		}
		if _, err := json.Marshal(map[string]Value{"f": c.v}); err == nil {
			t.Errorf("json.Marshal of %#v succeeded", c.v)
		}
	}
	if err := Valid(deep(MaxDepth)); err != nil {
		t.Errorf("%d lists deep: %v", MaxDepth, err)
	}
	if s := (Value{K: Duration, N: float64(MaxDuration)}).String(); s != "315537897599s" {
		t.Errorf("the longest duration prints as %q", s)
	}
}

// deep is a list nested n deep.
func deep(n int) Value {
	v := NumberOf(1)
	for range n {
		v = ListOf(v)
	}
	return v
}

// TestValidAllocates: validating and encoding a valid value allocate
// nothing but the output.
func TestValidAllocates(t *testing.T) {
	v := ListOf(TypedText("work", "anna@example.com"), TypedText("home", "ż@example.com"))
	r := RecordOf([]string{"status", "body"}, []Value{NumberOf(200), TextOf("ok")})
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() {
		_ = Valid(v)
		_ = Valid(r)
		buf, _ = v.EncodeJSON(buf[:0])
	}); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// TestJSONRoundTrip: what EncodeJSON writes, UnmarshalJSON reads back the
// same, also through encoding/json.
func TestJSONRoundTrip(t *testing.T) {
	dt, _ := ParseDateTime("2026-11-23T09:00")
	for _, v := range []Value{
		{}, TextOf("a \"b\" \\ <c> & \n\t\x01 ż \u2028 😀"), MoneyOf(12.5), NumberOf(-3), NumberOf(1e-9), NumberOf(1.7976931348623157e308),
		NumberOf(5e-324), BoolOf(true), dt, {K: Duration, N: -3600}, ListOf(TypedText("mobile", "+48"), Value{}), RefOf("user", "anna"),
		RecordOf([]string{"status", "body"}, []Value{NumberOf(200), ListOf(TextOf("ok"))}), deep(MaxDepth),
	} {
		b, err := v.EncodeJSON(nil)
		if err != nil {
			t.Fatalf("EncodeJSON(%#v): %v", v, err)
		}
		var got Value
		if err := got.UnmarshalJSON(b); err != nil || !reflect.DeepEqual(got, v) {
			t.Errorf("%s read back as %#v, %v", b, got, err)
		}
		var m map[string]Value
		if err := json.Unmarshal([]byte(`{"f": `+string(b)+`}`), &m); err != nil || !reflect.DeepEqual(m["f"], v) {
			t.Errorf("encoding/json read %s as %#v, %v", b, m["f"], err)
		}
	}
}

// TestUnmarshalRefuses: JSON that EncodeJSON would not write is refused,
// saying what is wrong.
func TestUnmarshalRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`{"k":2,"n":"NaN"}`:                             `n is "NaN": NaN and ±Inf are not numbers`,
		`{"k":2,"n":"+Inf"}`:                            `n is "+Inf"`,
		`{"k":2,"n":1e400}`:                             "number 1e400 is beyond the largest number",
		`{"k":2,"n":-` + strings.Repeat("9", 401) + `}`: "is beyond the largest number",
		`{"k":2,"n":NaN}`:                               "n: want a number",
		`{"k":1,"s":"bad ` + "\xff" + `"}`:              "text is not valid UTF-8: byte 0xff",
		`{"k":1,"s":"\ud800"}`:                          "an unpaired surrogate",
		`{"k":1,"s":"\udc00\ud800"}`:                    "an unpaired surrogate",
		`{"k":1,"t":"` + "\xc3" + `","s":"x"}`:          "text is not valid UTF-8",
		`{"k":12}`:                                      "unknown kind 12",
		`{"k":1.5}`:                                     "unknown kind 1.5",
		`{"k":2,"x":1}`:                                 `unknown member "x"`,
		`{"k":5,"n":3600}`:                              "date 3600 is not at midnight",
		`{"k":9,"l":[{"k":2,"n":"NaN"}]}`:               `n is "NaN"`,
		`{"k":9,"l":[{"k":1,"s":"\udfff"}]}`:            "an unpaired surrogate",
		`{"k":1,"s":"a"} x`:                             "want the end of the value",
		"{\"k\":1,\"s\":\"a\x01\"}":                     "a control character",
		`{"k":2,"n":01}`:                                "does not start with 0",
		`[]`:                                            `want '{'`,
		``:                                              `want '{'`,
		strings.Repeat(`{"k":9,"l":[`, 40) + `{}` + strings.Repeat(`]}`, 40): "nested more than 32 deep",
	} {
		var v Value
		err := v.UnmarshalJSON([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("UnmarshalJSON(%.60q) = %#v, %v; want %q", in, v, err, want)
		}
	}
	var v Value = TextOf("x")
	if err := v.UnmarshalJSON([]byte(" null ")); err != nil || !v.IsNull() {
		t.Errorf("null: %#v, %v", v, err)
	}
	if err := v.UnmarshalJSON([]byte(` { "s" : "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00" , "k" : 1 } `)); err != nil || v.S != "a\"\\/\b\f\n\r\té😀" {
		t.Errorf("escapes: %q, %v", v.S, err)
	}
}

// TestAppendJSONOutsideDomain: the encoder that cannot fail still writes
// valid JSON for NaN and ±Inf, which reading refuses.
func TestAppendJSONOutsideDomain(t *testing.T) {
	for _, v := range []Value{NumberOf(nan), MoneyOf(inf), {K: DateTime, N: -inf}, ListOf(NumberOf(nan))} {
		b := v.AppendJSON(nil)
		if !json.Valid(b) {
			t.Errorf("AppendJSON(%#v) = %s, not JSON", v, b)
		}
		var back Value
		if err := back.UnmarshalJSON(b); err == nil {
			t.Errorf("%s read back as %#v", b, back)
		}
	}
}

// TestParseRange: a literal past the domain is an error, never ±Inf.
func TestParseRange(t *testing.T) {
	huge := "1" + strings.Repeat("0", 400) // 401 digits
	if v, err := ParseNumber(huge); err == nil || !v.IsNull() || !strings.Contains(err.Error(), "beyond the largest number") {
		t.Errorf("ParseNumber(401 digits) = %#v, %v", v, err)
	}
	if v, err := ParseNumber("-1e309"); err == nil || !v.IsNull() {
		t.Errorf("ParseNumber(-1e309) = %#v, %v", v, err)
	}
	if v, err := ParseNumber("1e-400"); err != nil || v.K != Number || v.N != 0 {
		t.Errorf("ParseNumber(1e-400) = %#v, %v; want 0", v, err)
	}
	if v, err := ParseNumber("1.7976931348623157e308"); err != nil || v.N != math.MaxFloat64 {
		t.Errorf("the largest number: %#v, %v", v, err)
	}
	if v, err := ParseDate("0000-12-31"); err == nil || !v.IsNull() {
		t.Errorf("ParseDate(year 0) = %#v, %v", v, err)
	}
}

// FuzzUnmarshalJSON: reading arbitrary bytes never panics; what it reads
// is in the domain, and writes back to JSON that reads the same.
func FuzzUnmarshalJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `{"k":1,"s":"ż","t":"work"}`, `{"k":2,"n":1e308}`, `{"k":2,"n":1e309}`, `{"k":2,"n":"NaN"}`,
		`{"k":3,"n":"-Inf"}`, `{"k":6,"n":253402300799}`, `{"k":9,"l":[{"k":1,"s":"\ud83d\ude00"},{}]}`,
		`{"k":11,"t":"status,body","l":[{"k":2,"n":200},{"k":1,"s":"ok"}]}`, "{\"k\":1,\"s\":\"\xff\"}",
		`{"k":1,"s":"\udc00"}`, `{"k":2,"n":-0}`, `{"k":2,"n":` + strings.Repeat("9", 401) + `}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Value
		if err := v.UnmarshalJSON(data); err != nil {
			return
		}
		if err := Valid(v); err != nil {
			t.Fatalf("%q read as %#v, outside the domain: %v", data, v, err)
		}
		b, err := v.EncodeJSON(nil)
		if err != nil {
			t.Fatalf("%#v does not encode: %v", v, err)
		}
		var back Value
		if err := back.UnmarshalJSON(b); err != nil || !Equal(back, v) || back.Tag != v.Tag || back.K != v.K {
			t.Fatalf("%s read back as %#v, %v; want %#v", b, back, err, v)
		}
	})
}

// FuzzValue: a value built from arbitrary numbers and texts (NaN, ±Inf,
// huge, invalid UTF-8) encodes exactly when Valid accepts it, and reads
// back the same. (Arithmetic's results are held to the domain by the
// operator table's tests, runtime/value/ops.)
func FuzzValue(f *testing.F) {
	f.Add(uint8(Number), 1.5, "ż", "", 2.0)
	f.Add(uint8(Number), nan, "", "", 1.0)
	f.Add(uint8(Money), inf, "", "", -inf)
	f.Add(uint8(Number), 1e200, "", "", 1e200)
	f.Add(uint8(DateTime), float64(MaxTime), "", "", 1.0)
	f.Add(uint8(Duration), float64(MaxDuration), "", "", 2.0)
	f.Add(uint8(Text), 0.0, "bad \xff", "work", 0.0)
	f.Add(uint8(Text), 0.0, "a@b", "\xc3", 0.0)
	f.Add(uint8(List), 0.0, "", "", 0.0)
	f.Add(uint8(Record), 0.0, "", "a,b", 0.0)
	f.Fuzz(func(t *testing.T, k uint8, n float64, s, tag string, m float64) {
		v := Value{K: Kind(k % 13), N: n, S: s, Tag: tag}
		if v.K == List || v.K == Record {
			v.N, v.S = 0, ""
			v.L = []Value{NumberOf(m), TextOf(s)}
		}
		err := Valid(v)
		b, encErr := v.EncodeJSON(nil)
		if (err == nil) != (encErr == nil) {
			t.Fatalf("%#v: Valid %v, EncodeJSON %v", v, err, encErr)
		}
		if !json.Valid(v.AppendJSON(nil)) {
			t.Fatalf("AppendJSON(%#v) is not JSON", v)
		}
		if err == nil {
			var back Value
			if err := back.UnmarshalJSON(b); err != nil || !reflect.DeepEqual(back, v) && !(v.N == 0 && back.N == 0) {
				t.Fatalf("%s read back as %#v, %v; want %#v", b, back, err, v)
			}
		}
	})
}
