package tenant

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

// The event table's mark moves under steady load, when some event is in
// flight at every flush: to the sequence number read at an earlier flush,
// once the calls then in flight have ended; never past an event whose
// outcome the table does not hold yet. A tenant opened again finds every
// event ID, from the table or from the log after the mark.
func TestEventMarkUnderLoad(t *testing.T) {
	data := t.TempDir()
	reg, ten, item := eventTenant(t, data)
	ev := ten.events
	resume := pauseFlusher(ev)
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

	reg = NewRegistry(data, stdlib.Runtime(), Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer reg.Close()
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"e1", "e2", "e3", "e4"} {
		if _, dup, err := ten.Ingest(id, engine.Input{Item: item, Event: "email opened"}); err != nil || !dup {
			t.Errorf("event %s after reopening: %v, duplicate %v; want its first answer", id, err, dup)
		}
	}
}

// eventTenant opens tenant acme of a registry over data, deploys a rule
// that "email opened" moves a deal, and creates a deal: the tenant, its
// registry (the caller closes it) and the deal.
func eventTenant(t *testing.T, data string) (*Registry, *Tenant, string) {
	t.Helper()
	p, err := compile.Program([]compile.Source{{Name: "ws.rules", Src: []byte("pipeline deal S {\n    stage A\n    stage B\n}\nmove to stage B when email opened\n")}})
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry(data, stdlib.Runtime(), Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ten, err := reg.Get("acme")
	if err != nil {
		reg.Close()
		t.Fatal(err)
	}
	if _, err := ten.Deploy(p); err != nil {
		reg.Close()
		t.Fatal(err)
	}
	res, err := ten.Apply(engine.Input{Kind: "create", Entity: "deal"})
	if err != nil {
		reg.Close()
		t.Fatal(err)
	}
	return reg, ten, res.Created[0]
}

// pauseFlusher stops the event table's background flusher, so that a
// test's flushes are its own, until resume (before the tenant closes).
func pauseFlusher(ev *events) (resume func()) {
	close(ev.stop)
	<-ev.done
	return func() {
		ev.stop, ev.done = make(chan struct{}), make(chan struct{})
		go ev.flusher()
	}
}

// TestEventMarkInvariant: under concurrent Ingest calls (eight goroutines,
// event IDs repeated at random) and flushes, every event input at or
// before the table's mark has its ID in the table, each time a flush
// ends: what a tenant opened after a crash relies on (recover reads the
// log after the mark only). A mark moved to the engine's sequence number
// with events in flight fails it at once.
func TestEventMarkInvariant(t *testing.T) {
	reg, ten, item := eventTenant(t, t.TempDir())
	defer reg.Close()
	ev := ten.events
	defer pauseFlusher(ev)()
	var stop atomic.Bool
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(g)))
			for !stop.Load() {
				id := fmt.Sprint("e", r.Intn(20000))
				if _, _, err := ten.Ingest(id, engine.Input{Item: item, Event: "email opened"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	moved := 0
	last := int64(-1)
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); {
		time.Sleep(2 * time.Millisecond)
		if err := ev.flush(); err != nil {
			t.Fatal(err)
		}
		raw, ok, err := ten.side.Get(keyEvtMark)
		if err != nil || !ok {
			continue
		}
		m, _ := strconv.ParseInt(string(raw), 10, 64)
		if m != last {
			moved++
			last = m
		}
		ten.Engine.LogFrom(1, func(in engine.Input) bool {
			if in.Seq > m {
				return false
			}
			if in.Kind == "event" && in.Key != "" {
				if _, ok, _ := ten.side.Get(keyEvent(in.Key)); !ok {
					t.Errorf("mark %d past event %s (seq %d) not in the table", m, in.Key, in.Seq)
				}
			}
			return true
		})
		if t.Failed() {
			break
		}
	}
	stop.Store(true)
	wg.Wait()
	if moved < 2 {
		t.Errorf("the mark moved %d times under load (last %d, seq %d)", moved, last, ten.Engine.Seq())
	}
}

// TestEventIDReused: an event ID sent again with another event (another
// item, name or settings) is refused naming the first, and applies
// nothing; the same event again is a repeat. So it is whether the first
// outcome is held in memory, in the table, or rebuilt from the log.
func TestEventIDReused(t *testing.T) {
	data := t.TempDir()
	reg, ten, item := eventTenant(t, data)
	other, err := ten.Apply(engine.Input{Kind: "create", Entity: "deal"})
	if err != nil {
		t.Fatal(err)
	}
	first := engine.Input{Item: item, Event: "chat message", Fields: map[string]value.Value{"text": value.TextOf("Dzień dobry")}}
	out, dup, err := ten.Ingest("e1", first)
	if err != nil || dup {
		t.Fatalf("the first event: %v, duplicate %v", err, dup)
	}
	check := func(when string, ten *Tenant) {
		t.Helper()
		seq := ten.Engine.Seq()
		for _, in := range []engine.Input{
			{Item: other.Created[0], Event: "chat message", Fields: first.Fields},
			{Item: item, Event: "invoice paid", Fields: first.Fields},
			{Item: item, Event: "chat message", Fields: map[string]value.Value{"text": value.TextOf("Do widzenia")}},
			{Item: item, Event: "chat message"},
		} {
			_, _, err := ten.Ingest("e1", in)
			var re *ReusedError
			if !errors.As(err, &re) || re.First.Seq != out.Seq || !strings.Contains(err.Error(), `event ID "e1" was given to another event before (chat message on item `+item) {
				t.Errorf("%s: e1 again with %v: %v, want a ReusedError naming the first", when, in, err)
			}
		}
		again := first
		again.Fields = map[string]value.Value{"text": value.TextOf("Dzień dobry")}
		if got, dup, err := ten.Ingest("e1", again); err != nil || !dup || got.Seq != out.Seq {
			t.Errorf("%s: the same event again: %v, duplicate %v, %v", when, got, dup, err)
		}
		if s := ten.Engine.Seq(); s != seq {
			t.Errorf("%s: the log went from %d to %d", when, seq, s)
		}
	}
	check("held in memory", ten)
	// A repeat that finds the first call still in flight waits for its
	// outcome, then compares the same way.
	ev := ten.events
	c := &call{done: make(chan struct{})}
	ev.mu.Lock()
	ev.inflight["e9"] = c
	ev.mu.Unlock()
	waited := make(chan error, 1)
	go func() {
		_, _, err := ten.Ingest("e9", engine.Input{Item: item, Event: "chat message"})
		waited <- err
	}()
	first9 := engine.Input{Kind: "event", Key: "e9", Item: item, Event: "chat message", Fields: first.Fields}
	time.Sleep(20 * time.Millisecond) // the repeat is waiting, or will find the outcome in memory
	ev.mu.Lock()
	c.out = &Outcome{Seq: 7, Item: item, Event: "chat message", Sum: eventSum(&first9)}
	delete(ev.inflight, "e9")
	ev.unflushed["e9"], _ = json.Marshal(c.out)
	ev.mu.Unlock()
	close(c.done)
	var re *ReusedError
	if err := <-waited; !errors.As(err, &re) || re.First.Seq != 7 {
		t.Errorf("a repeat with another event, waiting for the first: %v, want a ReusedError", err)
	}
	ev.mu.Lock()
	delete(ev.unflushed, "e9")
	ev.mu.Unlock()
	if err := ten.events.flush(); err != nil {
		t.Fatal(err)
	}
	check("in the table", ten)
	// The table loses the ID and its mark, as a crash before a flush
	// would leave it: opening the tenant rebuilds the outcome from the log.
	b := ten.side.NewBatch()
	b.Delete(keyEvent("e1"))
	b.Delete(keyEvtMark)
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	reg = NewRegistry(data, stdlib.Runtime(), Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer reg.Close()
	if ten, err = reg.Get("acme"); err != nil {
		t.Fatal(err)
	}
	check("rebuilt from the log", ten)
}
