package wasm

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// replyAction has an output of every kind for the reply tests.
func replyAction(t testing.TB) *manifest.Action {
	t.Helper()
	m, err := manifest.Parse([]byte(`{"abi":1,"name":"r","version":"1","actions":[{"name":"a","inputs":[],"outputs":[
		{"name":"t","type":"text","optional":true},{"name":"n","type":"number","optional":true},
		{"name":"m","type":"money","optional":true},{"name":"b","type":"bool","optional":true},
		{"name":"d","type":"date","optional":true},{"name":"dt","type":"datetime","optional":true},
		{"name":"tm","type":"time","optional":true},{"name":"du","type":"duration","optional":true},
		{"name":"l","type":"list(date)","optional":true},{"name":"req","type":"number"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return m.Action("a")
}

var replySeeds = []string{
	`{"outputs":{"req":1}}`,
	` { "outputs" : { "req" : -0.5e+3 , "t" : "Kuchnie: 10%" } } `,
	`{"outputs":{"req":1,"t":"a\"b","b":true,"n":null}}`,
	`{"outputs":{"req":1,"t":"zażółć","b":false,"d":"2026-12-24","dt":"2026-12-24T09:30","tm":"09:00:00","du":86400}}`,
	`{"outputs":{"req":1,"du":1.5}}`, `{"outputs":{"req":1e400}}`, `{"outputs":{"req":01}}`, `{"outputs":{"req":1.}}`,
	`{"outputs":{"req":-}}`, `{"outputs":{"req":1,"x":2}}`, `{"outputs":{"req":1,"req":2}}`, `{"outputs":{}}`,
	`{"outputs":{"req":1,"l":["2026-12-24","2026-12-25"]}}`, `{"outputs":{"req":1,"l":["2026-12-24",1]}}`,
	`{"outputs":{"req":"1"}}`, `{"outputs":{"req":1,"b":"true"}}`, `{"outputs":{"req":1,"t":12}}`,
	`{"outputs":{"req":1,"t":"a` + "\x01" + `"}}`, `{"outputs":{"req":1}} x`, `{"outputs":{"req":1},"error":"x"}`,
	`{"outputs":{"req":1,}}`, `{"outputs":null}`, `{"error":"no"}`, `{"error":""}`, `[]`, ``, `{"outputs":{"req":tru}}`,
	`{"outputs":{"req":1,"d":"2026-13-01"}}`, `{"outputs":{"\u0072eq":1}}`, `{"outputs":{"req":1,"m":12.345}}`,
	"{\"outputs\":{\"req\":1,\"t\":\"\xff\"}}", `{"outputs":{"req":1,"tm":"25:00"}}`, `{"outputs":{"req":1,"t":"<&>"}}`,
	`{"outputs":{"req":1,"d":"0000-01-01"}}`, `{"outputs":{"req":1,"du":1e300}}`, `{"outputs":{"req":1,"t":"a\ud800b"}}`,
	`{"outputs":{"req":1,"x":2,"x":3}}`, `{"outputs":{"req":1,"req":2,"x":3}}`, `{"outputs":{"req":1},"outputs":{"req":2}}`,
	`{"outputs":{"req":1,"m":1.005}}`, `{"outputs":{"req":1,"m":-2.675e0}}`,
}

// sameReply says whether the fast and the slow decoder agree on raw.
func sameReply(a *manifest.Action, raw []byte) error {
	bad := func(output, reason string) error { return &OutputError{Action: a.Name, Output: output, Reason: reason} }
	if !utf8.Valid(raw) {
		return nil // refused before either decoder reads it
	}
	fv, ferr := decodeReply(a, raw)
	sv, serr := decodeReplySlow(a, raw, bad)
	if fmt.Sprint(ferr) != fmt.Sprint(serr) {
		// Two undeclared members: either may be named.
		fo, ok1 := ferr.(*OutputError)
		so, ok2 := serr.(*OutputError)
		if ok1 && ok2 && fo.Reason == so.Reason && fo.Reason == "not declared in the manifest" {
			return nil
		}
		return fmt.Errorf("%q: fast %v, slow %v", raw, ferr, serr)
	}
	if fmt.Sprint(fv) != fmt.Sprint(sv) {
		return fmt.Errorf("%q: fast %v, slow %v", raw, fv, sv)
	}
	return nil
}

// TestDecodeReplyFastPath: the one-pass scanner and encoding/json give
// the same outputs and the same errors.
func TestDecodeReplyFastPath(t *testing.T) {
	a := replyAction(t)
	for _, s := range replySeeds {
		if err := sameReply(a, []byte(s)); err != nil {
			t.Error(err)
		}
	}
	if _, ok := scanOutputs([]byte(replySeeds[1]), nil); !ok {
		t.Error("a plain reply with spaces took the slow path")
	}
}

func FuzzDecodeReply(f *testing.F) {
	a := replyAction(f)
	for _, s := range replySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := sameReply(a, raw); err != nil {
			t.Fatal(err)
		}
	})
}

// decoded is the value of output name in raw, or the error.
func decoded(t *testing.T, raw, name string) (value.Value, error) {
	t.Helper()
	out, err := decodeReply(replyAction(t), []byte(raw))
	if err2 := sameReply(replyAction(t), []byte(raw)); err2 != nil {
		t.Error(err2)
	}
	return out[name], err
}

// TestReplyOutsideTheDomain: a reply value the language has no value for
// (year 0000, a duration past ten thousand years) is the call's
// OutputError, not a value the engine then refuses with the whole input.
func TestReplyOutsideTheDomain(t *testing.T) {
	for _, c := range []struct{ out, json, want string }{
		{"d", `"0000-12-31"`, "out of range"},
		{"dt", `"0000-01-01T00:00:00"`, "out of range"},
		{"dt", `"0000-06-01T12:00"`, "out of range"},
		// Elements from 0, as a manifest's paths (actions[0].inputs[1]).
		{"l", `["2026-12-24","0000-01-01"]`, "element [1]: "},
		// The number as the module wrote it, not the float64's %v
		// (3.155378976e+11s).
		{"du", `315537897600`, "315537897600 is out of range: a duration is at most 315537897599 seconds either way"},
		{"du", `-315537897600`, "-315537897600 is out of range"},
		{"du", `1e300`, "1e300 is out of range"},
		{"du", `1.5`, "1.5 is not a whole number of seconds"},
	} {
		_, err := decoded(t, `{"outputs":{"req":1,"`+c.out+`":`+c.json+`}}`, c.out)
		var oe *OutputError
		if !errors.As(err, &oe) || oe.Output != c.out || !strings.Contains(oe.Reason, c.want) {
			t.Errorf("%s %s: err = %v, want an OutputError with %q", c.out, c.json, err, c.want)
		}
	}
	for _, c := range []struct{ out, json string }{
		{"d", `"0001-01-01"`}, {"d", `"9999-12-31"`}, {"dt", `"9999-12-31T23:59:59"`},
		{"du", strconv.FormatInt(value.MaxDuration, 10)}, {"du", "-" + strconv.FormatInt(value.MaxDuration, 10)},
	} {
		if v, err := decoded(t, `{"outputs":{"req":1,"`+c.out+`":`+c.json+`}}`, c.out); err != nil || value.Valid(v) != nil {
			t.Errorf("%s %s: %v, err %v; want the value", c.out, c.json, v, err)
		}
	}
}

// TestReplyLoneSurrogate: an escaped surrogate without its pair is not a
// character; encoding/json would make it U+FFFD.
func TestReplyLoneSurrogate(t *testing.T) {
	for _, s := range []string{`"a\ud800b"`, `"\udc00"`, `"\ud800\u0041"`, `"\ud800\ud800"`, `"x\ud83d"`, `"\\\ud800"`} {
		_, err := decoded(t, `{"outputs":{"req":1,"t":`+s+`}}`, "t")
		var oe *OutputError
		if !errors.As(err, &oe) || oe.Output != "t" || !strings.Contains(oe.Reason, "surrogate") {
			t.Errorf("%s: err = %v, want an OutputError for an unpaired surrogate", s, err)
		}
	}
	for s, want := range map[string]string{`"\ud83d\ude00!"`: "😀!", `"\\ud800"`: `\ud800`, `"\u00e9\\"`: `é\`} {
		v, err := decoded(t, `{"outputs":{"req":1,"t":`+s+`}}`, "t")
		if err != nil || v.S != want {
			t.Errorf("%s: %q, err %v; want %q", s, v.S, err, want)
		}
	}
}

// TestReplyDuplicateMember: a reply is read strictly; encoding/json would
// keep the last of two members of the same name.
func TestReplyDuplicateMember(t *testing.T) {
	for _, raw := range []string{
		`{"outputs":{"req":1,"req":2}}`, `{"outputs":{"req":1,"t":"a","t":"b"}}`,
		`{"outputs":{"req":1,"l":[],"l":["2026-12-24"]}}`, `{"outputs":{"req":1,"\u0072eq":2}}`,
		`{"outputs":{"req":1},"outputs":{"req":2}}`, `{"error":"a","error":"b"}`,
	} {
		_, err := decoded(t, raw, "req")
		var oe *OutputError
		if !errors.As(err, &oe) || !strings.Contains(oe.Reason, "given twice") {
			t.Errorf("%s: err = %v, want an OutputError for a member given twice", raw, err)
		}
	}
}

// TestReplyMoneyRounding: money is rounded to cents on the decimal the
// module wrote, half away from zero, not on the nearest float64 (1.005
// is 1.00499999999999989...).
func TestReplyMoneyRounding(t *testing.T) {
	for in, want := range map[string]float64{
		"1.005": 1.01, "2.675": 2.68, "-0.125": -0.13, "0.125": 0.13, "1.0049": 1, "0.995": 1, "-0.995": -1,
		"999.995": 1000, "12.34": 12.34, "7": 7, "0": 0, "-0": 0, "0.004": 0, "0.005": 0.01, "-0.005": -0.01,
		"1e2": 100, "1.2345E2": 123.45, "5e-3": 0.01, "4.9e-3": 0, "1e-400": 0, "0e999999999999999999999": 0,
		"10.0050e-1": 1, "100.5e-2": 1.01, "1.5e20": 1.5e20, "1e-999999999999999999999": 0,
	} {
		v, err := decoded(t, `{"outputs":{"req":1,"m":`+in+`}}`, "m")
		if err != nil || v.K != value.Money || v.N != want {
			t.Errorf("%s: %v (%v), err %v; want %v", in, v, v.N, err, want)
		}
	}
}

// TestDateIntoDatetimeInput: the checker lets a date be given where a
// datetime is expected (at midnight), so the host sends a datetime input
// a date as that midnight, not an InputError; other kinds stay refused.
func TestDateIntoDatetimeInput(t *testing.T) {
	a := &manifest.Action{Name: "a", Inputs: []manifest.Param{{Name: "at", Type: manifest.Type{Kind: manifest.DateTime}}}}
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC).Unix()
	got, err := encodeInputs(nil, a, map[string]value.Value{"at": {K: value.Date, N: float64(day)}})
	if err != nil || string(got) != `{"at":"2026-11-23T00:00:00"}` {
		t.Errorf("a date into a datetime input: %s, %v", got, err)
	}
	if _, err := encodeInputs(nil, a, map[string]value.Value{"at": {K: value.Time, N: 3600}}); err == nil {
		t.Error("a time into a datetime input was taken")
	}
}

// appendDecimal writes what strconv.AppendFloat does, whole numbers
// included.
func TestAppendDecimal(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 12300, -12300, 0.5, -0.25, 99.99, 1e15, 1<<53 - 1, 1 << 53, -(1<<53 - 1), -(1 << 53), 1e20, 1e300,
		math.Inf(1), math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64, 123456789.125, -4503599627370495.5} {
		if got, want := string(appendDecimal(nil, f)), strconv.FormatFloat(f, 'f', -1, 64); got != want {
			t.Errorf("%v: %s, want %s", f, got, want)
		}
	}
}

// numberSeeds are JSON numbers at the edges of shortNumber's form.
var numberSeeds = []string{
	"0", "-0", "0.0", "-0.00", "7", "-7", "12.5", "11070.00", "1.005", "2.675", "-0.125", "0.995", "-0.995",
	"999.995", "0.004", "-0.004", "0.005", "-0.005", "0.0049", "123456789012345", "999999999999999",
	"9999999999999.99", "9999999999999.995", "0.000000000000001", "1234567890123456", "0.1", "0.3",
	"1e2", "1.5E-3", "9007199254740993", "-12345.678901234",
}

// TestShortNumber: shortNumber takes the common numbers, and gives what
// longNumber gives.
func TestShortNumber(t *testing.T) {
	for _, s := range numberSeeds {
		if err := sameNumber([]byte(s)); err != nil {
			t.Error(err)
		}
	}
	for _, s := range []string{"0", "-7", "11070.00", "12.345", "999999999999999"} {
		if _, ok := shortNumber(manifest.Number, []byte(s)); !ok {
			t.Errorf("%s took the slow path", s)
		}
	}
}

func FuzzShortNumber(f *testing.F) {
	for _, s := range numberSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, m []byte) {
		if err := sameNumber(m); err != nil {
			t.Fatal(err)
		}
	})
}

// sameNumber reports where shortNumber and longNumber differ on m, when
// m is a JSON number (what decodeJSONValue gives them).
func sameNumber(m []byte) error {
	if len(m) == 0 || scanScalar(m, 0) != len(m) || (m[0] != '-' && (m[0] < '0' || m[0] > '9')) {
		return nil
	}
	for _, k := range []manifest.Kind{manifest.Number, manifest.Money, manifest.Duration} {
		fast, ok := shortNumber(k, m)
		if !ok {
			continue
		}
		slow, ok := longNumber(k, m)
		if !ok || math.Float64bits(fast) != math.Float64bits(slow) {
			return fmt.Errorf("%s as %v: short %v, long %v (%v)", m, k, fast, slow, ok)
		}
	}
	return nil
}

// appendString writes what value.AppendJSONString writes.
func TestAppendString(t *testing.T) {
	for _, s := range stringSeeds {
		if got, want := string(appendString([]byte("x"), s)), string(value.AppendJSONString([]byte("x"), s)); got != want {
			t.Errorf("%q: %s, want %s", s, got, want)
		}
	}
}

var stringSeeds = []string{"", "amount", "Kuchnie", "a b", `"`, `\`, "<", ">", "&", "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "\xff", "a\"b", "zażółć"}

func FuzzAppendString(f *testing.F) {
	for _, s := range stringSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendString(nil, s)), string(value.AppendJSONString(nil, s)); got != want {
			t.Fatalf("%q: %s, want %s", s, got, want)
		}
	})
}

// TestNoNegativeZero: -0 never crosses the ABI. The language cannot tell
// it from 0, but a module prints it ("-0", C's "-0.00"), and so would the
// rules a reply's -0 reached: a number or money input of -0 is sent as 0,
// and a number, money or duration output written -0 is read as 0.
func TestNoNegativeZero(t *testing.T) {
	negZero := math.Copysign(0, -1)
	b, err := encodeInputs(nil, &manifest.Action{Name: "a", Inputs: []manifest.Param{
		{Name: "n", Type: manifest.Type{Kind: manifest.Number}}, {Name: "m", Type: manifest.Type{Kind: manifest.Money}},
		{Name: "l", Type: manifest.Type{Kind: manifest.List, Elem: manifest.Number}}}},
		map[string]value.Value{"n": value.NumberOf(negZero), "m": {K: value.Money, N: negZero}, "l": value.ListOf(value.NumberOf(negZero))})
	if err != nil || string(b) != `{"n":0,"m":0,"l":[0]}` {
		t.Errorf("inputs of -0: %s, %v; want 0 each", b, err)
	}
	for _, c := range []struct{ out, json string }{
		{"n", "-0"}, {"n", "-0.0"}, {"n", "-0e5"}, {"m", "-0"}, {"m", "-0.001"}, {"du", "-0"},
	} {
		v, err := decoded(t, `{"outputs":{"req":1,"`+c.out+`":`+c.json+`}}`, c.out)
		if err != nil || v.N != 0 || math.Signbit(v.N) {
			t.Errorf("%s %s: %v (sign bit %v), %v; want 0", c.out, c.json, v, math.Signbit(v.N), err)
		}
	}
}

// TestInputElementIndex: an input list's element is named by its index
// from 0, as replies' errors and the manifest's paths name them.
func TestInputElementIndex(t *testing.T) {
	a := &manifest.Action{Name: "a", Inputs: []manifest.Param{{Name: "l", Type: manifest.Type{Kind: manifest.List, Elem: manifest.Number}}}}
	_, err := encodeInputs(nil, a, map[string]value.Value{"l": value.ListOf(value.NumberOf(1), value.TextOf("x"))})
	if err == nil || !strings.Contains(err.Error(), "input l: element [1]: want number, have text") {
		t.Errorf("err = %v, want element [1] named", err)
	}
}
