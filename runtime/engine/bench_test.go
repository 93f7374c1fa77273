package engine_test

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

var (
	drainDeals = flag.Int("drain.deals", 200000, "deals in BenchmarkDrain's store (the issue's figure: -drain.deals=1000000)")
	drainDue   = flag.Int("drain.due", 100000, "of them, how many are due when BenchmarkDrain ticks")
)

// BenchmarkDrain: a store of -drain.deals deals each waiting 180 days, of
// which -drain.due are due; the clock jumps past them and the backlog
// drains while another client keeps applying inputs. It reports timers/s,
// the p99 wait of the other client's inputs, and the growth of the peak
// RSS during the drain. Run it once: -benchtime=1x.
func BenchmarkDrain(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := openDrain(b, b.TempDir())
		seedDeals(b, e, *drainDue)
		if rest := *drainDeals - *drainDue; rest > 0 {
			ins := make([]engine.Input, rest)
			for j := range ins {
				ins[j] = engine.Input{Time: t0 + 100*86400, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
					"title": value.TextOf("later"), "responsible": value.RefOf("user", "anna")}}
			}
			if err := engine.ApplyBatched(e, ins, 2000); err != nil {
				b.Fatal(err)
			}
		}
		other, err := e.Apply(engine.Input{Time: t0 + 100*86400, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
			"title": value.TextOf("other"), "responsible": value.RefOf("user", "anna")}})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets the peak RSS, where Linux allows
		rss0 := procStatus("VmRSS")
		now := t0 + 181*86400
		stop := make(chan struct{})
		waits := make(chan []time.Duration)
		go func() { // another client, every 2 ms
			var ws []time.Duration
			for j := 0; ; j++ {
				select {
				case <-stop:
					waits <- ws
					return
				case <-time.After(2 * time.Millisecond):
				}
				start := time.Now()
				if _, err := e.Apply(engine.Input{Time: now, Kind: "update", Item: other.Created[0], Fields: map[string]value.Value{
					"title": value.TextOf(fmt.Sprint(j))}}); err != nil {
					b.Error(err)
				}
				ws = append(ws, time.Since(start))
			}
		}()
		fired := 0
		b.StartTimer()
		start := time.Now()
		if err := e.Advance(now, func(r *engine.Result) { fired += r.Fired }); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		close(stop)
		ws := <-waits
		if fired != *drainDue {
			b.Fatalf("fired %d, want %d", fired, *drainDue)
		}
		sort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })
		b.ReportMetric(float64(fired)/elapsed.Seconds(), "timers/s")
		if len(ws) > 0 {
			b.ReportMetric(float64(ws[len(ws)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(len(ws)), "other-inputs")
		}
		b.ReportMetric(float64(procStatus("VmHWM")-rss0)/1024, "peak-rss-growth-MiB")
	}
}

// procStatus reads a size in KiB from /proc/self/status; 0 if it cannot.
func procStatus(field string) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// BenchmarkOpen: opening an engine over a store with 1,000 deployed
// versions reads only the last one.
func BenchmarkOpen(b *testing.B) {
	st, err := store.Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	e, err := engine.Open(st, stdlib.Runtime(), engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for v := 0; v < 1000; v++ {
		if _, err := e.Deploy(program(b, sms("nudge", "A", fmt.Sprintf("%dd", v+1), "hi")), t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e, err := engine.Open(st, stdlib.Runtime(), engine.Options{})
		if err != nil || e.Version() != 1000 {
			b.Fatal(e.Version(), err)
		}
	}
}
