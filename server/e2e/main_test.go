package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/gen/stagecraft/v1/stagecraftv1connect"
)

// bin is the stagecraft binary built for these tests.
var bin string

var (
	race   = flag.Bool("e2e.race", false, "build the server with the race detector; a race it reports fails the test")
	binArg = flag.String("e2e.bin", "", "run this stagecraft `binary` instead of building one (to compare the server as it was with as it is)")
)

func TestMain(m *testing.M) {
	flag.Parse()
	if *binArg != "" {
		bin = *binArg
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "stagecraft-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bin = filepath.Join(dir, "stagecraft")
	args := []string{"build", "-o", bin}
	if *race {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "github.com/stagecraft/stagecraft/cmd/stagecraft")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building stagecraft:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newKey runs `stagecraft keys create` and returns the key, its last line.
func newKey(t *testing.T, data, tenant string) string {
	t.Helper()
	out, err := exec.Command(bin, "keys", "create", "--data", data, "--tenant", tenant).Output()
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// server is a running `stagecraft serve`.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	url  string
	data string
	logs *logBuf
	done chan struct{}
}

// logBuf keeps the server's log lines.
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// start starts the server on a free port of the loopback and waits until
// it listens; it is killed at the end of the test if still running.
func start(t *testing.T, data string, flags ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--log-format", "json"}, flags...)
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, data: data, logs: &logBuf{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.logs.add(line)
			var rec struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				addr <- rec.Addr
			}
		}
		cmd.Wait()
		close(s.done)
	}()
	select {
	case s.addr = <-addr:
	case <-s.done:
		t.Fatalf("the server stopped before listening:\n%s", s.logs)
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the server did not listen within a minute:\n%s", s.logs)
	}
	s.url = "http://" + s.addr
	t.Cleanup(func() {
		if s.running() {
			s.cmd.Process.Kill()
			<-s.done
		}
		if strings.Contains(s.logs.String(), "WARNING: DATA RACE") {
			t.Errorf("the server reported a data race")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs)
		}
	})
	return s
}

func (s *server) running() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// kill kills the server with SIGKILL: no shutdown, no flush.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop stops it gracefully (SIGTERM) and waits.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		s.t.Errorf("the server did not stop within a minute of SIGTERM")
		s.kill()
	}
}

// h2c is an HTTP client speaking HTTP/2 without TLS, as gRPC needs.
func h2c() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p, MaxIdleConnsPerHost: 100}}
}

// bearer is a client option sending the key.
func bearer(key string) connect.ClientOption {
	return connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if key != "" {
				req.Header().Set("Authorization", "Bearer "+key)
			}
			return next(ctx, req)
		}
	}))
}

// clients are the four services' clients for one key and protocol.
type clients struct {
	rules  stagecraftv1connect.RulesServiceClient
	crm    stagecraftv1connect.CrmServiceClient
	events stagecraftv1connect.EventServiceClient
	outbox stagecraftv1connect.OutboxServiceClient
}

// client makes clients; opts pick the protocol (Connect by default).
func (s *server) client(key string, opts ...connect.ClientOption) clients {
	hc := h2c()
	opts = append([]connect.ClientOption{bearer(key)}, opts...)
	return clients{
		rules:  stagecraftv1connect.NewRulesServiceClient(hc, s.url, opts...),
		crm:    stagecraftv1connect.NewCrmServiceClient(hc, s.url, opts...),
		events: stagecraftv1connect.NewEventServiceClient(hc, s.url, opts...),
		outbox: stagecraftv1connect.NewOutboxServiceClient(hc, s.url, opts...),
	}
}

// examples reads the examples folder as a rule set.
func examples(t *testing.T) []*v1.SourceFile {
	t.Helper()
	names, err := filepath.Glob("../../examples/*.rules")
	if err != nil || len(names) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	sort.Strings(names)
	var out []*v1.SourceFile
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &v1.SourceFile{Path: "examples/" + filepath.Base(n), Content: string(b)})
	}
	return out
}

// rabat is the WebAssembly module of the examples' custom action
// (examples/actions/wat), as a request carries it: its path is the one
// the checker resolves from a workspace.rules whose path starts with
// prefix ("examples/" for examples(t), "" for a workspace.rules at the
// top).
func rabat(t *testing.T, prefix string) []*v1.ModuleFile {
	t.Helper()
	b, err := os.ReadFile("../../examples/actions/wat/rabat.wasm")
	if err != nil {
		t.Fatal(err)
	}
	return []*v1.ModuleFile{{Path: prefix + "actions/wat/rabat.wasm", Data: b}}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func text(s string) *v1.Value { return &v1.Value{Kind: &v1.Value_Text{Text: s}} }

func number(n float64) *v1.Value { return &v1.Value{Kind: &v1.Value_Number{Number: n}} }

func address(typ, v string) *v1.Value {
	return &v1.Value{Kind: &v1.Value_Address{Address: &v1.Address{Type: typ, Value: v}}}
}

func list(vs ...*v1.Value) *v1.Value {
	return &v1.Value{Kind: &v1.Value_List{List: &v1.ValueList{Values: vs}}}
}

func code(err error) connect.Code { return connect.CodeOf(err) }

// readAll drains a body, for raw HTTP checks.
func readAll(r io.Reader) string {
	b, _ := io.ReadAll(r)
	return string(b)
}
