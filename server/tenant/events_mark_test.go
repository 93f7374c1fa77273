package tenant

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/stdlib"
)

// TestEventMarkInvariant: under concurrent Ingest calls (eight goroutines,
// event IDs repeated at random) and flushes, every event input at or
// before the table's mark has its ID in the table, each time a flush
// ends: what a tenant opened after a crash relies on (recover reads the
// log after the mark only). A mark moved to the engine's sequence number
// with events in flight fails it at once.
func TestEventMarkInvariant(t *testing.T) {
	p, err := compile.Program([]compile.Source{{Name: "ws.rules", Src: []byte("pipeline deal S {\n    stage A\n    stage B\n}\nmove to stage B when email opened\n")}})
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := NewRegistry(data, stdlib.Runtime(), Options{}, log)
	defer reg.Close()
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
	close(ev.stop)
	<-ev.done
	defer func() {
		ev.stop, ev.done = make(chan struct{}), make(chan struct{})
		go ev.flusher()
	}()
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
