package engine

import (
	"context"
	"testing"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/stdlib"
)

// The outbox is read only up to the last synced input: a message of an
// input committed but not yet synced (its batch waiting for the fsync it
// shares) is not handed to a dispatcher, which could send it before a
// crash takes the input, and its key, back.
func TestOutboxReadsDurableInputsOnly(t *testing.T) {
	e := memEngine(t, `pipeline deal S {
    stage A
}
employee anna "Anna" { email "anna@example.com" }
on stage A: send notification to anna text "new"
`)
	count := func() (n int) {
		if err := e.OutboxAfter("", func(Effect) bool { n++; return true }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := e.Apply(Input{Time: 1e9, Kind: "create", Entity: "deal"}); err != nil {
		t.Fatal(err)
	}
	synced := count()
	if synced == 0 {
		t.Fatal("a synced input's message is not read")
	}
	b, tx, err := e.run(context.Background(), Input{Time: 1e9, Kind: "create", Entity: "deal"}) // committed, not synced
	if err != nil {
		t.Fatal(err)
	}
	if n := count(); n != synced {
		t.Errorf("%d messages read while the second input is not synced, want %d", n, synced)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	e.mark(tx.in.Seq)
	if n := count(); n != 2*synced {
		t.Errorf("%d messages read once it is synced, want %d", n, 2*synced)
	}
}

// The inputs one fsync made durable share a mark: whoever marks writes
// the latest durable number, which covers the others, and a mark never
// goes back.
func TestMarkCoversDurable(t *testing.T) {
	e := memEngine(t, "pipeline deal S {\n    stage A\n}\n")
	marked := func() int64 {
		t.Helper()
		n, err := e.st.Marked()
		if err != nil {
			t.Fatal(err)
		}
		return int64(n)
	}
	if got, want := marked(), e.Seq(); got != want {
		t.Fatalf("marked %d after a deploy, want %d", got, want)
	}
	var seqs []int64
	var batches []*store.Batch
	for range 3 { // committed together, synced together
		b, tx, err := e.run(context.Background(), Input{Time: 1e9, Kind: "create", Entity: "deal"})
		if err != nil {
			t.Fatal(err)
		}
		batches, seqs = append(batches, b), append(seqs, tx.in.Seq)
	}
	for _, b := range batches {
		if err := b.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	// The last one's wait returned first and made its number durable;
	// the first one marks.
	e.durable.Store(seqs[2])
	e.mark(seqs[0])
	if got := marked(); got != seqs[2] {
		t.Errorf("marked %d, want the latest durable input %d", got, seqs[2])
	}
	e.mark(seqs[1])
	e.mark(seqs[2])
	if got := marked(); got != seqs[2] || e.durable.Load() != seqs[2] {
		t.Errorf("marked %d, durable %d after the others; want %d", got, e.durable.Load(), seqs[2])
	}
}

// memEngine is an engine running src over an in-memory store.
func memEngine(t *testing.T, src string) *Engine {
	t.Helper()
	p, err := compile.Program([]compile.Source{{Name: "w.rules", Src: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e, err := New(st, p, stdlib.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Result.Sent counts the messages an input put in the outbox, so that
// the server wakes a dispatcher only when there is something to send.
func TestResultSent(t *testing.T) {
	e := memEngine(t, `pipeline deal S {
    stage A
    stage B
}
employee anna "Anna" { email "anna@example.com" }
on stage A: send notification to anna text "new"
`)
	res, err := e.Apply(Input{Time: 1e9, Kind: "create", Entity: "deal"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 1 {
		t.Errorf("an input sending a notification: Sent = %d, want 1", res.Sent)
	}
	res, err = e.Apply(Input{Time: 1e9, Kind: "move", Item: res.Created[0], Stage: "B"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 0 {
		t.Errorf("an input sending nothing: Sent = %d, want 0", res.Sent)
	}
}
