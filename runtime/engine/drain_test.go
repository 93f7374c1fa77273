package engine_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

const drainRules = `
pipeline deal P {
    stage A
    stage B
}
provider sms "SMS"
employee anna "Anna"
on stage A after 180d: send sms to contact.phone[auto] text "Hello {deal.title}"
`

const t0 = int64(1767603600) // 2026-01-05T09:00

// seedDeals makes a contact and n deals entering stage A at t0, each with
// a 180-day timer; perBatch inputs share a commit.
func seedDeals(t testing.TB, e *engine.Engine, n int) {
	t.Helper()
	c, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "contact", Fields: map[string]value.Value{
		"name": value.TextOf("Jan"), "phone": value.ListOf(value.TypedText("mobile", "+48 600 100 200"))}})
	if err != nil {
		t.Fatal(err)
	}
	ins := make([]engine.Input, n)
	for i := range ins {
		ins[i] = engine.Input{Time: t0, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
			"title": value.TextOf(fmt.Sprintf("D%d", i)), "contact": value.RefOf("contact", c.Created[0]), "responsible": value.RefOf("user", "anna")}}
	}
	if err := engine.ApplyBatched(e, ins, 2000); err != nil {
		t.Fatal(err)
	}
}

func openDrain(t testing.TB, dir string) *engine.Engine {
	t.Helper()
	p, err := compile.Program([]compile.Source{{Name: "drain.rules", Src: []byte(drainRules)}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e, err := engine.New(st, p, stdlib.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestDrain: a backlog of due timers drains in chunks: each timer fires
// exactly once, an input submitted during the drain is applied between
// its chunks, and the heap stays bounded whatever the backlog.
func TestDrain(t *testing.T) {
	for _, n := range []int{10000, 100000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			if n > 10000 && testing.Short() {
				t.Skip("-short")
			}
			e := openDrain(t, t.TempDir())
			start := time.Now()
			seedDeals(t, e, n)
			t.Logf("seeded %d deals in %v", n, time.Since(start))
			start = time.Now()
			defer func() { t.Logf("drained in %v", time.Since(start)) }()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			base, peak := ms.HeapAlloc, ms.HeapAlloc

			due := t0 + 180*86400
			var once sync.Once
			var other *engine.Result
			var otherErr error
			var wg sync.WaitGroup
			var lastSeq int64
			fired, chunks := 0, 0
			err := e.Advance(due+3600, func(r *engine.Result) {
				fired += r.Fired
				chunks++
				lastSeq = r.Seq
				if chunks%50 == 1 {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapAlloc)
				}
				once.Do(func() { // an unrelated input, while the drain goes on
					wg.Add(1)
					go func() {
						defer wg.Done()
						other, otherErr = e.Apply(engine.Input{Time: due + 3600, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
							"title": value.TextOf("between"), "responsible": value.RefOf("user", "anna")}})
					}()
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			if otherErr != nil {
				t.Fatal(otherErr)
			}
			if fired != n {
				t.Errorf("the drain fired %d timers, want %d", fired, n)
			}
			if want := (n + engine.DefaultTimersPerTick - 1) / engine.DefaultTimersPerTick; chunks < want {
				t.Errorf("%d chunks, want at least %d", chunks, want)
			}
			if other.Seq > lastSeq {
				t.Errorf("the input submitted during the drain was applied after it (seq %d > %d)", other.Seq, lastSeq)
			}
			if got := len(effectsOf(t, e, "sms")); got != n {
				t.Errorf("%d SMS sent, want %d: a timer was lost or fired twice", got, n)
			}
			res, err := e.Apply(engine.Input{Time: due + 7200, Kind: "tick"})
			if err != nil || res.Fired != 0 || res.More {
				t.Errorf("a second tick fired %d more (more %v, err %v)", res.Fired, res.More, err)
			}
			const bound = 160 << 20 // memtables and caches included; the old all-at-once tick took 550 MiB at 100,000
			if grew := int64(peak) - int64(base); grew > bound {
				t.Errorf("the heap grew by %d MiB during the drain, bound %d MiB", grew>>20, bound>>20)
			}
		})
	}
}
