package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/metrics"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/gen/stagecraft/v1/stagecraftv1connect"
	"github.com/stagecraft/stagecraft/server"
	"github.com/stagecraft/stagecraft/server/auth"
)

// The server's benchmarks run it in this process over loopback, every
// input a synced commit, each once per protocol a client may speak:
//
//	flock /tmp/stagecraft-bench.lock go test ./server -run '^$' -bench . -benchtime 20000x
//
// h2 is HTTP/2 without TLS (gRPC's transport; a Connect client given an
// HTTP/2 transport), a few connections carrying many streams; http1 is
// HTTP/1.1, what connect-go with a default http.Client, curl and browsers
// use for unary calls: a connection per request in flight. They report
// latency quantiles, throughput and the CPU the process (client and
// server, on the same cores) spent per call, cpu-us/call: the figure to
// compare on a machine shared with other work, where wall-clock figures
// move with the others' load. Each first makes as many calls at once as
// it keeps in flight, unmeasured, so that every connection is open, as in
// a client's steady state. BenchmarkFloor is the same calls without the
// server. spec/api.md ("Measured") has the figures.

// serve starts a server on a free port over a new data folder and returns
// its URL and an API key of tenant acme.
func serve(b *testing.B) (string, string) {
	b.Helper()
	data := b.TempDir()
	key, err := auth.Open(data).Create("acme")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, server.Config{Data: data, Addr: "127.0.0.1:0", RateLimit: -1,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Listening: func(a string) { addr <- a }})
	}()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	})
	select {
	case a := <-addr:
		return "http://" + a, key
	case err := <-done:
		b.Fatal(err)
	}
	return "", ""
}

// protocol is how the benchmark's clients reach the server.
type protocol struct {
	name string
	// conns makes the clients' connections for n requests in flight: the
	// calls are spread over them round robin.
	conns func(n int) []*http.Client
}

var protocols = []protocol{
	{"h2", func(n int) []*http.Client { return h2Conns(max(1, n/25)) }},
	{"http1", func(n int) []*http.Client {
		// One pool with a connection per request in flight.
		var p http.Protocols
		p.SetHTTP1(true)
		hc := &http.Client{Transport: &http.Transport{Protocols: &p, MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
		return []*http.Client{hc}
	}},
}

// h2Conns are n HTTP/2 connections without TLS, a client each.
func h2Conns(n int) []*http.Client {
	out := make([]*http.Client, n)
	for i := range out {
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		out[i] = &http.Client{Transport: &http.Transport{Protocols: &p}}
	}
	return out
}

// conn is a client connection of its own (HTTP/2 without TLS).
func conn() *http.Client { return h2Conns(1)[0] }

func bearer(key string) connect.ClientOption {
	return connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("Authorization", "Bearer "+key)
			return next(ctx, req)
		}
	}))
}

func exampleFiles(b *testing.B) []*v1.SourceFile {
	names, err := filepath.Glob("../examples/*.rules")
	if err != nil || len(names) == 0 {
		b.Fatalf("no examples: %v", err)
	}
	sort.Strings(names)
	var out []*v1.SourceFile
	for _, n := range names {
		src, err := os.ReadFile(n)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, &v1.SourceFile{Path: "examples/" + filepath.Base(n), Content: string(src)})
	}
	return out
}

// quantiles reports p50 and p99 of latencies as metrics.
func quantiles(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

// clients are a service's clients over the connections, used round robin.
func clients[T any](hcs []*http.Client, mk func(*http.Client) T) []T {
	out := make([]T, len(hcs))
	for i, hc := range hcs {
		out[i] = mk(hc)
	}
	return out
}

// BenchmarkCheck: RulesService.Check of the examples with 200 requests in
// flight (h2: over 8 connections; http1: 200), the same files each time
// (answered from the cache after the first), as an editor's keystrokes
// that do not change the rule set are.
func BenchmarkCheck(b *testing.B) {
	for _, p := range protocols {
		b.Run(p.name, func(b *testing.B) { benchCheck(b, p) })
	}
}

func benchCheck(b *testing.B, p protocol) {
	url, key := serve(b)
	cs := clients(p.conns(200), func(hc *http.Client) stagecraftv1connect.RulesServiceClient {
		return stagecraftv1connect.NewRulesServiceClient(hc, url, bearer(key))
	})
	wasm, err := os.ReadFile("../examples/actions/wat/rabat.wasm")
	if err != nil {
		b.Fatal(err)
	}
	req := &v1.CheckRequest{Files: exampleFiles(b), Modules: []*v1.ModuleFile{{Path: "examples/actions/wat/rabat.wasm", Data: wasm}}}
	res, err := cs[0].Check(context.Background(), connect.NewRequest(req)) // the cache filled
	if err != nil {
		b.Fatal(err)
	}
	if !res.Msg.Ok {
		b.Fatalf("the examples do not check: %v", res.Msg.Diagnostics)
	}
	call := func(i int) error {
		_, err := cs[i%len(cs)].Check(context.Background(), connect.NewRequest(req))
		return err
	}
	warmUp(b, 200, call)
	runConcurrent(b, 200, call)
}

// BenchmarkIngest: EventService.Ingest from 64 clients, a connection each
// (h2: 64 connections of one stream each; http1: 64 connections), each
// event a synced commit acknowledged only once durable.
func BenchmarkIngest(b *testing.B) {
	for _, p := range protocols {
		b.Run(p.name, func(b *testing.B) { benchIngest(b, p) })
	}
}

func benchIngest(b *testing.B, p protocol) {
	url, key := serve(b)
	item := ingestSetUp(b, url, key)
	ctx := context.Background()
	var hcs []*http.Client
	if p.name == "h2" {
		hcs = h2Conns(64)
	} else {
		hcs = p.conns(64)
	}
	cs := clients(hcs, func(hc *http.Client) stagecraftv1connect.EventServiceClient {
		return stagecraftv1connect.NewEventServiceClient(hc, url, bearer(key))
	})
	ingest := func(id string) func(i int) error {
		return func(i int) error {
			_, err := cs[i%len(cs)].Ingest(ctx, connect.NewRequest(&v1.IngestRequest{EventId: fmt.Sprintf("%s-%d", id, i),
				Item: item, Event: "email opened"}))
			return err
		}
	}
	warmUp(b, 64, ingest("warm"))
	runConcurrent(b, 64, ingest(fmt.Sprint(time.Now().UnixNano())))
}

// warmUp makes n calls at once, before the calls measured: every
// connection open, as in a client's steady state.
func warmUp(b *testing.B, n int, call func(i int) error) {
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- call(i) }()
	}
	for range n {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
}

// runConcurrent makes b.N calls, n at a time, and reports their latency
// quantiles, rate, and the process's CPU time per call.
func runConcurrent(b *testing.B, n int, call func(i int) error) {
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	b.ResetTimer()
	cpu0, gc0 := cpuTime(), gcTime()
	begin := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N || failed.Load() != nil {
					return
				}
				t0 := time.Now()
				if err := call(i); err != nil {
					failed.Store(&err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	took := time.Since(begin)
	cpu, gc := cpuTime()-cpu0, gcTime()-gc0
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	quantiles(b, lat)
	b.ReportMetric(float64(b.N)/took.Seconds(), "calls/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/call")
	b.ReportMetric(float64(gc.Microseconds())/float64(b.N), "gc-cpu-us/call")
}

// gcTime is the CPU time the garbage collector has used, as the runtime
// estimates it.
func gcTime() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return time.Duration(s[0].Value.Float64() * float64(time.Second))
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
