package engine_test

import (
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

// A damaged record parks its timer instead of stopping the clock: the
// first deal's item is gone, the second deal's timer does not decode (nor
// is it UTF-8), the third deal's item record does not decode; the fourth
// deal's timer still fires, the three others are kept aside byte for byte
// with why, and later ticks and deploys go on.
func TestDamagedTimersAreParked(t *testing.T) {
	p := programFile(t, "input_fuzz.rules")
	st := openMem(t)
	e, err := engine.New(st, p, stdlib.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 4 {
		r, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
			"title":         value.TextOf("D"),
			"delivery_date": {K: value.DateTime, N: float64(t0 + 3600*int64(i+1))},
		}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Created[0])
	}
	var timerKeys []string
	if err := st.Scan([]byte("2/timer/"), func(k, _ []byte) bool {
		timerKeys = append(timerKeys, string(k))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if len(timerKeys) != 4 {
		t.Fatalf("want a timer per deal, have %q", timerKeys)
	}
	b := st.NewBatch()
	b.Delete([]byte("2/item/" + ids[0]))
	b.Set([]byte(timerKeys[1]), []byte("\xff{"))
	b.Set([]byte("2/item/"+ids[2]), []byte("\xff{"))
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}

	e, err = engine.Open(st, stdlib.Runtime(), engine.Options{}) // no cached items
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Apply(engine.Input{Time: t0 + 5*3600, Kind: "tick"})
	if err != nil {
		t.Fatalf("the tick failed, so every item's clock stops: %v", err)
	}
	if len(r.Parked) != 3 || !strings.Contains(r.Parked[0].Reason, ids[0]) || !strings.Contains(r.Parked[1].Reason, "does not decode") ||
		!strings.Contains(r.Parked[2].Reason, "stored damaged") {
		t.Fatalf("parked %+v", r.Parked)
	}
	tl, err := e.Timeline(ids[3])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(entries(tl), "Dostawa") {
		t.Errorf("the intact deal's rule did not run:\n%s", entries(tl))
	}
	parked, err := engine.ParkedTimers(st)
	if err != nil || len(parked) != 3 || parked[0].Key != timerKeys[0] || string(parked[1].Timer) != "\xff{" {
		t.Fatalf("ParkedTimers = %+v, %v", parked, err)
	}
	if r, err := e.Apply(engine.Input{Time: t0 + 6*3600, Kind: "tick"}); err != nil || len(r.Parked) != 0 {
		t.Fatalf("the next tick: %+v, %v", r, err)
	}
	if _, err := e.Deploy(p, t0+6*3600); err != nil {
		t.Fatalf("a deploy after parking: %v", err)
	}
}

func entries(tl []engine.Entry) string {
	var b strings.Builder
	for _, e := range tl {
		b.WriteString(e.Text + "\n")
	}
	return b.String()
}
