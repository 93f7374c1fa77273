package server_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/gen/stagecraft/v1/stagecraftv1connect"
	"github.com/stagecraft/stagecraft/server/internal/loadgen"
)

// BenchmarkLean is BenchmarkCheck's and BenchmarkIngest's calls (HTTP/1.1,
// a connection per request in flight) made by a lean client instead of
// connect-go's: server/internal/loadgen, requests encoded before the
// clock starts, written whole and answered through a bufio.Reader, every
// answer decoded and checked (Check ok; Ingest applied, not a duplicate).
// The client costs ~20 µs a call where connect-go's and net/http's cost
// 60–100, so cpu-us/call (client and server in this process) is mostly
// the server's: the benchmark to profile the server under load with,
//
//	flock /tmp/stagecraft-bench.lock go test ./server -run '^$' -bench Lean -benchtime 20000x -cpuprofile cpu.out
//
// server/e2e's TestLoadLean measures the same against the binary in a
// process of its own.
func BenchmarkLean(b *testing.B) {
	b.Run("Check", benchCheckLean)
	b.Run("Ingest", benchIngestLean)
}

func benchCheckLean(b *testing.B) {
	url, key := serve(b)
	wasm, err := os.ReadFile("../examples/actions/wat/rabat.wasm")
	if err != nil {
		b.Fatal(err)
	}
	host := strings.TrimPrefix(url, "http://")
	check := &v1.CheckRequest{Files: exampleFiles(b), Modules: []*v1.ModuleFile{{Path: "examples/actions/wat/rabat.wasm", Data: wasm}}}
	runLean(b, host, 200, func(_ string, n int) ([][]byte, error) { return loadgen.Checks(host, key, check, n) }, loadgen.CheckOK)
}

func benchIngestLean(b *testing.B) {
	url, key := serve(b)
	item := ingestSetUp(b, url, key)
	host := strings.TrimPrefix(url, "http://")
	runLean(b, host, 64, func(prefix string, n int) ([][]byte, error) {
		return loadgen.Ingests(host, key, item, "email opened", prefix, n)
	}, loadgen.IngestApplied)
}

// ingestSetUp deploys BenchmarkIngest's rules and creates its deal.
func ingestSetUp(b *testing.B, url, key string) string {
	rules := stagecraftv1connect.NewRulesServiceClient(conn(), url, bearer(key))
	crm := stagecraftv1connect.NewCrmServiceClient(conn(), url, bearer(key))
	src := `pipeline deal P {
    stage A
    stage B
}
move to stage B when email opened
`
	ctx := context.Background()
	if _, err := rules.Deploy(ctx, connect.NewRequest(&v1.DeployRequest{Files: []*v1.SourceFile{{Path: "a.rules", Content: src}}})); err != nil {
		b.Fatal(err)
	}
	it, err := crm.CreateItem(ctx, connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
		"title": {Kind: &v1.Value_Text{Text: "x"}}}}))
	if err != nil {
		b.Fatal(err)
	}
	return it.Msg.Item.Id
}

// runLean opens conns connections, sends as many requests as
// connections (unmeasured), then b.N, each made by reqs with an event ID
// prefix of its own, and reports as runConcurrent does.
func runLean(b *testing.B, host string, conns int, reqs func(prefix string, n int) ([][]byte, error), check loadgen.Check) {
	warm, err := reqs("warm", conns)
	if err != nil {
		b.Fatal(err)
	}
	measured, err := reqs(fmt.Sprint(time.Now().UnixNano()), b.N)
	if err != nil {
		b.Fatal(err)
	}
	p, err := loadgen.Dial(host, conns)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Run(warm, check); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0, gc0 := cpuTime(), gcTime()
	res, err := p.Run(measured, check)
	cpu, gc := cpuTime()-cpu0, gcTime()-gc0
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(res.Quantile(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(res.Quantile(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(res.Rate(), "calls/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/call")
	b.ReportMetric(float64(gc.Microseconds())/float64(b.N), "gc-cpu-us/call")
}
