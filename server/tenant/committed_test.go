package tenant

import (
	"io"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/stdlib"
)

// Committed is called after a deploy and after an input that put a
// message in the outbox, not after one that sent nothing: a dispatcher
// woken then would find nothing new.
func TestCommittedWhenSent(t *testing.T) {
	p, err := compile.Program([]compile.Source{{Name: "ws.rules", Src: []byte(`pipeline deal S {
    stage A
    stage B
}
employee anna "Anna" { email "anna@example.com" }
on stage A: send notification to anna text "new"
`)}})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	reg := NewRegistry(t.TempDir(), stdlib.Runtime(), Options{Committed: func(*Tenant) { calls.Add(1) }},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer reg.Close()
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ten.Deploy(p); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d calls after a deploy, want 1", n)
	}
	res, err := ten.Apply(engine.Input{Kind: "create", Entity: "deal"})
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d calls after an input sending a message, want 2", n)
	}
	if _, err := ten.Apply(engine.Input{Kind: "move", Item: res.Created[0], Stage: "B"}); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls after an input sending nothing, want 2", n)
	}
}
