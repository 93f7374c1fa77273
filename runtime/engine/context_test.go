package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

// A context done before an input commits refuses it whole; one done during
// a drain stops it between chunks, and the next drain goes on from there.
func TestContextCancels(t *testing.T) {
	p := programFile(t, "input_fuzz.rules")
	st := openMem(t)
	e, err := engine.Open(st, stdlib.Runtime(), engine.Options{TimersPerTick: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deploy(p, t0); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
			"delivery_date": {K: value.DateTime, N: float64(t0 + 60*int64(i+1))},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := dump(t, st)
	if _, err := e.ApplyContext(ctx, engine.Input{Time: t0, Kind: "create", Entity: "deal"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled input: %v", err)
	}
	if dump(t, st) != before {
		t.Fatal("a cancelled input changed the store")
	}

	ctx, cancel = context.WithCancel(context.Background())
	fired := 0
	err = e.AdvanceContext(ctx, t0+3600, func(r *engine.Result) {
		fired += r.Fired
		cancel() // after the first chunk is durable; those computed meanwhile still sync
	})
	if !errors.Is(err, context.Canceled) || fired == 0 || fired == 20 {
		t.Fatalf("a cancelled drain: fired %d, %v", fired, err)
	}
	if err := e.Advance(t0+3600, func(r *engine.Result) { fired += r.Fired }); err != nil || fired != 20 {
		t.Fatalf("the next drain: fired %d in all, %v", fired, err)
	}
}
