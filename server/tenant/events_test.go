package tenant

import (
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/stdlib"
)

// The event table's mark moves under steady load, when some event is in
// flight at every flush: to the sequence number read at an earlier flush,
// once the calls then in flight have ended; never past an event whose
// outcome the table does not hold yet. A tenant opened again finds every
// event ID, from the table or from the log after the mark.
func TestEventMarkUnderLoad(t *testing.T) {
	p, err := compile.Program([]compile.Source{{Name: "ws.rules", Src: []byte("pipeline deal S {\n    stage A\n    stage B\n}\nmove to stage B when email opened\n")}})
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := NewRegistry(data, stdlib.Runtime(), Options{}, log)
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ten.Deploy(func(at int64) (*engine.Result, error) { return ten.Engine.Deploy(p, at) }); err != nil {
		t.Fatal(err)
	}
	res, err := ten.Apply(engine.Input{Kind: "create", Entity: "deal"})
	if err != nil {
		t.Fatal(err)
	}
	item := res.Created[0]
	ev := ten.events
	// The flushes are the test's own: the background flusher stops until
	// the tenant closes.
	close(ev.stop)
	<-ev.done
	resume := func() {
		ev.stop, ev.done = make(chan struct{}), make(chan struct{})
		go ev.flusher()
	}
	ingest := func(id string) int64 {
		t.Helper()
		out, dup, err := ten.Ingest(id, engine.Input{Item: item, Event: "email opened"})
		if err != nil || dup {
			t.Fatalf("event %s: %v, duplicate %v", id, err, dup)
		}
		return out.Seq
	}
	mark := func() int64 {
		t.Helper()
		raw, ok, err := ten.side.Get(keyEvtMark)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return 0
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	flush := func() {
		t.Helper()
		if err := ev.flush(); err != nil {
			t.Fatal(err)
		}
	}
	// An event in flight (claimed, not yet applied) at every flush below.
	inFlight := func(id string) func() {
		ev.mu.Lock()
		c := &call{done: make(chan struct{})}
		ev.inflight[id] = c
		ev.mu.Unlock()
		return func() {
			ev.mu.Lock()
			delete(ev.inflight, id)
			ev.mu.Unlock()
			close(c.done)
		}
	}

	end1 := inFlight("slow-1")
	s1 := ingest("e1")
	flush() // the candidate: s1, and slow-1 in flight
	before := mark()
	if before >= s1 {
		t.Fatalf("the mark moved to %d past e1 (%d) with an event in flight from before it", before, s1)
	}
	ingest("e2")
	flush() // slow-1 has not ended: the mark stays
	if m := mark(); m != before {
		t.Fatalf("the mark moved to %d with the candidate's call in flight", m)
	}
	end2 := inFlight("slow-2")
	end1()
	s3 := ingest("e3")
	flush() // slow-1 ended: the mark moves to the candidate's s1, and slow-2 is the new candidate's
	if m := mark(); m != s1 {
		t.Fatalf("after the candidate's calls ended the mark is %d, want %d", m, s1)
	}
	ingest("e4")
	end2()
	end3 := inFlight("slow-3")
	flush()
	if m := mark(); m != s3 {
		t.Fatalf("the mark is %d, want the second candidate's %d", m, s3)
	}
	end3()
	resume()
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}

	reg = NewRegistry(data, stdlib.Runtime(), Options{}, log)
	defer reg.Close()
	ten, err = reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"e1", "e2", "e3", "e4"} {
		if _, dup, err := ten.Ingest(id, engine.Input{Item: item, Event: "email opened"}); err != nil || !dup {
			t.Errorf("event %s after reopening: %v, duplicate %v; want its first answer", id, err, dup)
		}
	}
}
