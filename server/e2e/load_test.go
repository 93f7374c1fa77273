package e2e

import (
	"flag"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

var (
	load        = flag.Bool("load", false, "run the load measurements (TestLoadCheck, TestLoadIngest) and log their figures")
	loadCheckN  = flag.Int("load.check", 4000, "Check requests in all, 200 at a time")
	loadIngestD = flag.Duration("load.ingest", 5*time.Second, "how long 64 clients send events")
)

// TestLoadCheck measures Check's latency on the examples with 200
// requests in flight: go test ./server/e2e -run TestLoadCheck -load -v.
func TestLoadCheck(t *testing.T) {
	if !*load {
		t.Skip("-load not given")
	}
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data, "--rate-limit", "0")
	c := s.client(key)
	files := examples(t)
	req := &v1.CheckRequest{Files: files}
	for range 20 { // warm up
		if _, err := c.rules.Check(ctx(t), connect.NewRequest(req)); err != nil {
			t.Fatal(err)
		}
	}
	size := 0
	for _, f := range files {
		size += len(f.Content)
	}
	// Once with the same files every time (answered from the cache after
	// the first), once with each request's files different (a comment
	// added), so that each is checked.
	for _, distinct := range []bool{false, true} {
		lat := make([]time.Duration, *loadCheckN)
		var next atomic.Int64
		var wg sync.WaitGroup
		begin := time.Now()
		for range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= int64(len(lat)) {
						return
					}
					r := req
					if distinct {
						fs := append([]*v1.SourceFile(nil), files...)
						last := fs[len(fs)-1]
						fs[len(fs)-1] = &v1.SourceFile{Path: last.Path, Content: last.Content + fmt.Sprintf("\n# request %d\n", i)}
						r = &v1.CheckRequest{Files: fs}
					}
					t0 := time.Now()
					res, err := c.rules.Check(ctx(t), connect.NewRequest(r))
					if err != nil || !res.Msg.Ok {
						t.Error(err)
						return
					}
					lat[i] = time.Since(t0)
				}
			}()
		}
		wg.Wait()
		total := time.Since(begin)
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		q := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
		what := "the same files each time"
		if distinct {
			what = "different files each time"
		}
		t.Logf("Check of the examples (%d files, %d bytes), %s, %d requests, 200 in flight: p50 %v, p90 %v, p99 %v, max %v; %.0f requests/s",
			len(files), size, what, len(lat), q(0.5), q(0.9), q(0.99), lat[len(lat)-1], float64(len(lat))/total.Seconds())
	}
}

// TestLoadIngest measures Ingest's throughput, each event a synced
// commit, from 64 clients over loopback: go test ./server/e2e -run
// TestLoadIngest -load -v.
func TestLoadIngest(t *testing.T) {
	if !*load {
		t.Skip("-load not given")
	}
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data, "--rate-limit", "0")
	id := deal(t, s.client(key))
	var n atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(*loadIngestD)
	lat := make([][]time.Duration, 64)
	for g := range 64 {
		wg.Add(1)
		c := s.client(key) // a connection each
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				t0 := time.Now()
				_, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: fmt.Sprintf("g%d-%d", g, i), Item: id, Event: "email opened"}))
				if err != nil {
					t.Error(err)
					return
				}
				lat[g] = append(lat[g], time.Since(t0))
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	t.Logf("Ingest from 64 clients for %v: %d events, %.0f events/s; latency p50 %v, p99 %v",
		*loadIngestD, n.Load(), float64(n.Load())/loadIngestD.Seconds(), all[len(all)/2], all[len(all)*99/100])
}
