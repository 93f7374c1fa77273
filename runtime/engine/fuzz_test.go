package engine_test

import (
	"math"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

// FuzzInput applies inputs with values at the edges of the domain (NaN,
// ±Inf, huge numbers, invalid UTF-8, long texts, wrong kinds): each is
// refused whole or stored so that the log, the item and a replay all read
// back (go test ./runtime/engine -fuzz FuzzInput). It runs on a small
// workspace: each execution deploys twice (the engine and its replay), and
// the examples' program made that most of the time of an execution.
func FuzzInput(f *testing.F) {
	f.Add("title", "Sofa", 1.0, uint8(value.Text), "update")
	f.Add("title", "Sofa \xff", 1.0, uint8(value.Text), "update")
	f.Add("net", "", math.NaN(), uint8(value.Money), "update")
	f.Add("note", "dostarcz", 0.0, uint8(value.Text), "event")
	f.Add("amount", "", math.Inf(1), uint8(value.Number), "create")
	f.Add("amount", "", 1e308, uint8(value.Money), "create")
	f.Add("delivery_date", "", -1e18, uint8(value.DateTime), "update")
	f.Add("text", "\xed\xa0\x80", 0.0, uint8(value.Text), "event")
	p := programFile(f, "input_fuzz.rules")
	f.Fuzz(func(t *testing.T, field, text string, n float64, kind uint8, op string) {
		st := openMem(t)
		e, err := engine.New(st, p, stdlib.Runtime())
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("D")}})
		if err != nil {
			t.Fatal(err)
		}
		v := value.Value{K: value.Kind(kind % 12), N: n, S: text}
		if len(text) > 1000 {
			v.S = strings.Repeat(text, 100) // long texts too
		}
		in := engine.Input{Time: t0, Kind: "update", Item: d.Created[0], Fields: map[string]value.Value{field: v}}
		switch op {
		case "create":
			in = engine.Input{Time: t0, Kind: "create", Entity: "deal", Fields: map[string]value.Value{field: v}}
		case "event":
			in = engine.Input{Time: t0, Kind: "event", Item: d.Created[0], Event: "chat message", Fields: map[string]value.Value{field: v}}
		}
		before := dump(t, st)
		if _, err := e.Apply(in); err != nil {
			if dump(t, st) != before {
				t.Fatalf("refused (%v) but the store changed", err)
			}
			return
		}
		log, err := e.Log()
		if err != nil {
			t.Fatalf("accepted, but the log does not read back: %v", err)
		}
		if _, _, err := e.Item(d.Created[0]); err != nil {
			t.Fatalf("accepted, but the item does not read back: %v", err)
		}
		if got, want := replay(t, p, log), dump(t, st); got != want {
			t.Fatal("accepted, but a replay differs")
		}
	})
}
