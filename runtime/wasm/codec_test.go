package wasm

import (
	"fmt"
	"testing"
	"unicode/utf8"

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
