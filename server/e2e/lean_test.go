package e2e

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/gen/stagecraft/v1/stagecraftv1connect"
	"github.com/stagecraft/stagecraft/server/internal/loadgen"
)

var (
	loadLeanN       = flag.Int("load.lean", 20000, "with -load, the calls of each of TestLoadLean's runs (without -load: 300)")
	loadLeanProfile = flag.String("load.profile", "", "with -load, TestLoadLean writes the server's CPU profile of the first 2 seconds of each run to `PREFIX`-RUN.pprof")
)

// TestLoadLean measures the server binary, in a process of its own, under
// Check of the examples (200 connections, a request in flight each, the
// same files each time) and Ingest (64 connections, each event its own ID,
// a synced commit acknowledged once durable; on a deal of the examples,
// and, IngestOneRule, of BenchmarkIngest's rule set of one rule in a
// tenant of its own), over HTTP/1.1 from two clients in turn: the lean one of server/internal/loadgen (requests
// encoded beforehand, answers read through a bufio.Reader and decoded),
// and connect-go's over net/http's transport. For each it logs calls/s,
// p50 and p99, and the CPU per call of the server's process (from
// /proc/PID/stat) apart from the client's (this process):
//
//	flock /tmp/stagecraft-bench.lock go test ./server/e2e -run TestLoadLean -load -v
//
// Without -load it makes 300 calls of each (600 Checks: as many a
// connection as Ingest's), to keep the harness working.
func TestLoadLean(t *testing.T) {
	n := 300
	if *load {
		n = *loadLeanN
	}
	data := t.TempDir()
	key := newKey(t, data, "acme")
	keyOne := newKey(t, data, "one") // BenchmarkIngest's tenant: one rule
	flags := []string{"--rate-limit", "0"}
	debug := ""
	if *load && *loadLeanProfile != "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		debug = ln.Addr().String()
		ln.Close()
		flags = append(flags, "--debug-addr", debug)
	}
	s := start(t, data, flags...)
	item := deal(t, s.client(key))
	itemOne := oneRule(t, s.client(keyOne))
	host := s.addr

	check := &v1.CheckRequest{Files: examples(t), Modules: rabat(t, "examples/")}
	// reqs are n requests made by mk, or the test's end.
	reqs := func(mk func() ([][]byte, error)) [][]byte {
		out, err := mk()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	checkReqs := func(n int) [][]byte {
		return reqs(func() ([][]byte, error) { return loadgen.Checks(host, key, check, n) })
	}
	// ingestReqs are n events on item in key's tenant, each ID its own.
	ingestReqs := func(item, key, prefix string, n int) [][]byte {
		return reqs(func() ([][]byte, error) { return loadgen.Ingests(host, key, item, "email opened", prefix, n) })
	}
	ingest := func(prefix string, i int) *v1.IngestRequest {
		return &v1.IngestRequest{EventId: fmt.Sprintf("%s-%d", prefix, i), Item: item, Event: "email opened"}
	}
	nCheck := n
	if !*load {
		nCheck = 2 * n // as many per connection as Ingest's
	}
	checkClients := stagecraftv1connect.NewRulesServiceClient(http1(200), s.url, bearer(key))
	ingestClients := stagecraftv1connect.NewEventServiceClient(http1(64), s.url, bearer(key))
	stamp := fmt.Sprint(time.Now().UnixNano())
	t.Run("Check/lean", func(t *testing.T) {
		measureLoad(t, s, debug, 200, func() (func() (loadgen.Result, error), func()) {
			return leanRun(t, host, 200, checkReqs(200), checkReqs(nCheck), loadgen.CheckOK)
		})
	})
	t.Run("Check/connect-go", func(t *testing.T) {
		measureLoad(t, s, debug, 200, func() (func() (loadgen.Result, error), func()) {
			return connectRun(t, 200, nCheck, func(int) error {
				res, err := checkClients.Check(context.Background(), connect.NewRequest(check))
				if err == nil && !res.Msg.Ok {
					err = fmt.Errorf("the examples do not check: %v", res.Msg.Diagnostics)
				}
				return err
			})
		})
	})
	t.Run("Ingest/lean", func(t *testing.T) {
		measureLoad(t, s, debug, 64, func() (func() (loadgen.Result, error), func()) {
			return leanRun(t, host, 64, ingestReqs(item, key, "warm-lean", 64), ingestReqs(item, key, "lean"+stamp, n), loadgen.IngestApplied)
		})
	})
	t.Run("IngestOneRule/lean", func(t *testing.T) {
		measureLoad(t, s, debug, 64, func() (func() (loadgen.Result, error), func()) {
			return leanRun(t, host, 64, ingestReqs(itemOne, keyOne, "warm-lean", 64), ingestReqs(itemOne, keyOne, "lean"+stamp, n), loadgen.IngestApplied)
		})
	})
	t.Run("Ingest/connect-go", func(t *testing.T) {
		measureLoad(t, s, debug, 64, func() (func() (loadgen.Result, error), func()) {
			return connectRun(t, 64, n, func(i int) error {
				res, err := ingestClients.Ingest(context.Background(), connect.NewRequest(ingest("connect"+stamp, i)))
				if err == nil && (res.Msg.Duplicate || res.Msg.Seq <= 0) {
					err = fmt.Errorf("an event not applied: seq %d, duplicate %v", res.Msg.Seq, res.Msg.Duplicate)
				}
				return err
			})
		})
	})
}

// oneRule deploys BenchmarkIngest's rule set, a pipeline and a rule that
// "email opened" moves a deal, and creates a deal.
func oneRule(t *testing.T, c clients) string {
	t.Helper()
	src := "pipeline deal P {\n    stage A\n    stage B\n}\nmove to stage B when email opened\n"
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: []*v1.SourceFile{{Path: "a.rules", Content: src}}})); err != nil {
		t.Fatal(err)
	}
	it, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{"title": text("x")}}))
	if err != nil {
		t.Fatal(err)
	}
	return it.Msg.Item.Id
}

// http1 is connect-go's default transport, HTTP/1.1, with a connection
// for each of n requests in flight.
func http1(n int) *http.Client {
	var p http.Protocols
	p.SetHTTP1(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p, MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
}

// measureLoad prepares a run (its connections open, warmed up), then
// runs it and logs its figures: calls/s, latency, and the CPU per call of
// the server's process and of this one, the client's. With debug (the
// server's --debug-addr), it takes the server's CPU profile meanwhile.
func measureLoad(t *testing.T, s *server, debug string, inFlight int, prepare func() (run func() (loadgen.Result, error), done func())) {
	run, done := prepare()
	defer done()
	if debug != "" {
		// The profile of the run's first 2 seconds, taken alongside it.
		name := fmt.Sprintf("%s-%s.pprof", *loadLeanProfile, strings.ReplaceAll(t.Name(), "/", "-"))
		got := make(chan error, 1)
		go func() { got <- fetchProfile("http://"+debug+"/debug/pprof/profile?seconds=2", name) }()
		defer func() {
			if err := <-got; err != nil {
				t.Errorf("the profile: %v", err)
			}
		}()
		time.Sleep(10 * time.Millisecond)
	}
	pid := s.cmd.Process.Pid
	srv0, err := loadgen.ProcessCPU(pid)
	if err != nil {
		t.Skipf("the server's CPU time: %v", err)
	}
	cli0 := selfCPU()
	res, err := run()
	srv1, _ := loadgen.ProcessCPU(pid)
	cli1 := selfCPU()
	if err != nil {
		t.Fatal(err)
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(res.Calls) }
	t.Logf("%s: %d calls, %d in flight: %.0f calls/s, p50 %.1f ms, p99 %.1f ms; CPU a call: server %.0f µs, client %.0f µs",
		strings.TrimPrefix(t.Name(), "TestLoadLean/"), res.Calls, inFlight, res.Rate(), ms(res.Quantile(0.5)), ms(res.Quantile(0.99)), per(srv1-srv0), per(cli1-cli0))
}

func fetchProfile(url, name string) error {
	res, err := http.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("%s: %s", url, res.Status)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(name, b, 0o644)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// leanRun is a run of the lean client: conns connections, warm sent
// before the run, reqs in it.
func leanRun(t *testing.T, host string, conns int, warm, reqs [][]byte, ok loadgen.Check) (func() (loadgen.Result, error), func()) {
	p, err := loadgen.Dial(host, conns)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(warm, ok); err != nil {
		p.Close()
		t.Fatal(err)
	}
	return func() (loadgen.Result, error) { return p.Run(reqs, ok) }, p.Close
}

// connectRun is a run of n calls of connect-go's client, inFlight at a
// time, after as many at once unmeasured (every connection open), those
// numbered from n on.
func connectRun(t *testing.T, inFlight, n int, call func(i int) error) (func() (loadgen.Result, error), func()) {
	errs := make(chan error, inFlight)
	for i := range inFlight {
		go func() { errs <- call(n + i) }()
	}
	for range inFlight {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return func() (loadgen.Result, error) {
		lat := make([]time.Duration, n)
		next := make(chan int, n)
		for i := range n {
			next <- i
		}
		close(next)
		begin := time.Now()
		for range inFlight {
			go func() {
				for i := range next {
					t0 := time.Now()
					if err := call(i); err != nil {
						errs <- err
						for range next { // the others stop soon
						}
						return
					}
					lat[i] = time.Since(t0)
				}
				errs <- nil
			}()
		}
		var first error
		for range inFlight {
			if err := <-errs; err != nil && first == nil {
				first = err
			}
		}
		took := time.Since(begin)
		slices.Sort(lat)
		return loadgen.Result{Calls: n, Took: took, Latency: lat}, first
	}, func() {}
}

// selfCPU is the CPU time this process has used, user and system.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
