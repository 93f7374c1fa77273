package engine_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

// openDisk opens an engine over a Pebble store on disk: the benchmarks
// measure synced commits.
func openDisk(b *testing.B) *engine.Engine {
	st, err := store.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	e, err := engine.New(st, benchProgram(b), stdlib.Runtime())
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// newDeal creates a deal with a contact, at stage A.
func newDeal(b *testing.B, e *engine.Engine) string {
	c, err := e.Apply(engine.Input{Time: 1767603600, Kind: "create", Entity: "contact", Fields: map[string]value.Value{
		"name": value.TextOf("Jan"), "phone": value.ListOf(value.TypedText("mobile", "+48 600 100 200"))}})
	if err != nil {
		b.Fatal(err)
	}
	d, err := e.Apply(engine.Input{Time: 1767603600, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
		"title": value.TextOf("Sofa"), "amount": value.MoneyOf(4200), "contact": value.RefOf("contact", c.Created[0]),
		"responsible": value.RefOf("user", "anna")}})
	if err != nil {
		b.Fatal(err)
	}
	return d.Created[0]
}

// BenchmarkMoveSync: one client moves a deal between stage A and stage B,
// whose three rules run on every entry; each input is committed with Sync.
func BenchmarkMoveSync(b *testing.B) {
	e := openDisk(b)
	id := newDeal(b, e)
	stages := [2]string{"B", "A"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Apply(engine.Input{Time: 1767603600 + int64(i), Kind: "move", Item: id, Stage: stages[i%2]}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inputs/s")
}

// BenchmarkMoveSync64 is BenchmarkMoveSync from 64 concurrent clients, each
// with its own deal: their commits share fsyncs.
func BenchmarkMoveSync64(b *testing.B) {
	e := openDisk(b)
	var next atomic.Int64
	b.SetParallelism(32) // × GOMAXPROCS 2 = 64 clients
	ids := make(chan string, 256)
	for i := 0; i < 256; i++ {
		ids <- newDeal(b, e)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := <-ids
		for i := 0; pb.Next(); i++ {
			if _, err := e.Apply(engine.Input{Time: 1767603600 + next.Add(1), Kind: "move", Item: id, Stage: [2]string{"B", "A"}[i%2]}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inputs/s")
}

// BenchmarkTickPending: a tick when none of the pending timers is due. Its
// cost must not grow with their number.
func BenchmarkTickPending(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("pending=%d", n), func(b *testing.B) {
			e := openDisk(b)
			if err := engine.SeedTimers(e, n, 1767603600+365*86400); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.Apply(engine.Input{Time: 1767603600 + int64(i), Kind: "tick"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
