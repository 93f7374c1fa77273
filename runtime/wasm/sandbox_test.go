package wasm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

func TestInfiniteLoopStopsAtDeadline(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, wat(t, "loop"))
	start := time.Now()
	_, err := m.Call(context.Background(), "run", nil)
	took := time.Since(start)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitTime {
		t.Fatalf("err = %v, want a time limit", err)
	}
	if took > DefaultCallTimeout+50*time.Millisecond {
		t.Errorf("stopped after %v, want within %v", took, DefaultCallTimeout+50*time.Millisecond)
	}
	t.Logf("%v after %v", err, took)
}

func TestCallerCancelIsNotALimit(t *testing.T) {
	h := newHost(t, Options{CallTimeout: time.Second})
	m := load(t, h, wat(t, "loop"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := m.Call(ctx, "run", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's context.DeadlineExceeded", err)
	}
}

func TestMemoryGrowRefused(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, wat(t, "grow"))
	_, err := m.Call(context.Background(), "run", nil)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitMemory || le.Max != 16<<20 {
		t.Fatalf("err = %v, want a 16 MiB memory limit", err)
	}
	t.Log(err)
}

// TestMemoryGrowSteps: a module that grows 1 MiB at a time until it is
// refused, as a C allocator does, meets the memory limit, whether it then
// traps or says so itself, never the time limit: a grow costs no copy of
// the memory so far (linearMemory), and each new page reads zero. Its
// instance is not kept; the next call starts from the snapshot.
func TestMemoryGrowSteps(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, wat(t, "growstep"))
	inst, err := m.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if inst.mem.mapped || len(inst.mem.buf) != 1<<16 {
		t.Errorf("an instance that never grew: mapped %v, %d bytes; want its one page in the Go heap", inst.mem.mapped, len(inst.mem.buf))
	}
	m.release(inst, true)
	for range 3 {
		for _, action := range []string{"trap", "say"} {
			_, err := m.Call(context.Background(), action, nil)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != LimitMemory || le.Max != 16<<20 {
				t.Fatalf("%s: err = %v, want a 16 MiB memory limit", action, err)
			}
			if action == "say" && !strings.Contains(err.Error(), "the host refused the module memory, and the call then failed with its own error: out of memory") {
				t.Errorf("say: %v, want the module's own words", err)
			}
		}
	}
}

// TestTableLimit: a table is limited as memory is: one that starts past
// maxTableElements is refused at load, and a grow past it returns -1
// (WebAssembly's refusal) instead of having the host allocate 8 bytes an
// element, 16 GiB for a grow by 2^31, which ended the process.
func TestTableLimit(t *testing.T) {
	h := newHost(t, Options{})
	var me *ModuleError
	if _, err := h.Load(context.Background(), wat(t, "bigtable")); !errors.As(err, &me) || !strings.Contains(me.Reason, "a table of 16777216 elements: a table has at most 1048576") {
		t.Fatalf("a table of 2^24 elements: %v, want a refusal at load", err)
	}
	// Limits other than a minimum, or a minimum and a maximum (shared,
	// 64-bit), are refused, not turned into ones wazero would take.
	grow := wat(t, "tablegrow")
	secs, err := manifest.Sections(grow)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range secs {
		if sec.ID != 4 {
			continue
		}
		for _, flags := range []byte{2, 3, 4, 5} {
			body := append([]byte(nil), sec.Body...) // 1 table: its type, flags, limits
			body[2] = flags
			if flags&1 != 0 {
				body = append(body[:4], append([]byte{1}, body[4:]...)...) // a maximum after the minimum
			}
			if _, err := h.Load(context.Background(), replaceSection(t, grow, 4, body)); !errors.As(err, &me) || !strings.Contains(me.Reason, fmt.Sprintf("table limits flags 0x%02x", flags)) {
				t.Errorf("table limits flags %d: %v, want a refusal", flags, err)
			}
		}
	}
	m := load(t, h, grow)
	for _, action := range []string{"huge", "limit"} {
		out, err := m.Call(context.Background(), action, nil)
		if err != nil || !value.Equal(out["n"], value.NumberOf(-1)) {
			t.Errorf("%s: %v, %v; want the grow refused (n -1)", action, out, err)
		}
	}
}

func TestMemoryAboveLimitAtLoad(t *testing.T) {
	h := newHost(t, Options{})
	_, err := h.Load(context.Background(), wat(t, "bigmem"))
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitMemory {
		t.Fatalf("err = %v, want a memory limit", err)
	}
	// The same module loads under a larger limit.
	load(t, newHost(t, Options{MemoryPages: 1024}), wat(t, "bigmem"))
}

func TestOversizedOutput(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, wat(t, "bigout"))
	_, err := m.Call(context.Background(), "run", nil)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitOutput {
		t.Fatalf("err = %v, want an output limit", err)
	}
	m = load(t, h, wat(t, "oob"))
	_, err = m.Call(context.Background(), "run", nil)
	var oe *OutputError
	if !errors.As(err, &oe) || !strings.Contains(oe.Reason, "out of the memory's bounds") {
		t.Fatalf("err = %v, want a reply out of bounds", err)
	}
	// A pointer alone reads as a reply larger than the limit, and than the
	// memory: told as the packing it is, not as a limit to raise.
	m = load(t, h, wat(t, "ptronly"))
	_, err = m.Call(context.Background(), "run", nil)
	if !errors.As(err, &oe) || !strings.Contains(oe.Reason, "ptr<<32 | len") {
		t.Fatalf("err = %v, want a reply out of bounds, with how a reply is packed", err)
	}
}

func TestOversizedInput(t *testing.T) {
	h := newHost(t, Options{MaxInput: 100})
	m := load(t, h, example(t, "wat"))
	_, err := m.Call(context.Background(), "rabat", map[string]value.Value{
		"amount": value.MoneyOf(10), "category": value.TextOf(strings.Repeat("x", 200))})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitInput {
		t.Fatalf("err = %v, want an input limit", err)
	}
}

func TestLogLimit(t *testing.T) {
	h := newHost(t, Options{MaxLog: 1000})
	m := load(t, h, wat(t, "logspam"))
	res, err := m.Invoke(context.Background(), "run", nil)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitLog {
		t.Fatalf("err = %v, want a log limit", err)
	}
	if len(res.Log) > 1000 || !strings.HasPrefix(res.Log, "spam") {
		t.Errorf("log = %d bytes %.20q, want at most 1000 of spam", len(res.Log), res.Log)
	}
}

func TestTrap(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, wat(t, "trap"))
	_, err := m.Call(context.Background(), "run", nil)
	var te *TrapError
	if !errors.As(err, &te) || !strings.Contains(te.Reason, "unreachable") {
		t.Fatalf("err = %v, want a trap naming unreachable", err)
	}
	// The module is still usable after a trap.
	if _, err := m.Call(context.Background(), "run", nil); !errors.As(err, &te) {
		t.Fatalf("second call: %v", err)
	}
}

func TestForbiddenImports(t *testing.T) {
	h := newHost(t, Options{})
	for _, c := range []struct{ name, mod, field, kind string }{
		{"clock", "env", "clock", "func"},
		{"files", "wasi_snapshot_preview1", "path_open", "func"},
		{"global", "env", "seed", "global"},
		{"badlog", "stagecraft", "log", "func"},
	} {
		_, err := h.Load(context.Background(), wat(t, c.name))
		var ie *ImportError
		if !errors.As(err, &ie) || ie.Module != c.mod || ie.Name != c.field || ie.Kind != c.kind {
			t.Errorf("%s: err = %v, want a forbidden import %s %s.%s", c.name, err, c.kind, c.mod, c.field)
			continue
		}
		t.Logf("%s: %v", c.name, err)
	}
}

func TestABIViolationsAtLoad(t *testing.T) {
	h := newHost(t, Options{})
	var me *ModuleError
	if _, err := h.Load(context.Background(), wat(t, "command")); !errors.As(err, &me) {
		t.Errorf("command: err = %v, want a ModuleError", err)
	}
	var mfe *ManifestError
	if _, err := h.Load(context.Background(), wat(t, "noaction")); !errors.As(err, &mfe) || !strings.Contains(err.Error(), "action_run") {
		t.Errorf("noaction: err = %v, want a ManifestError naming action_run", err)
	}
	if _, err := h.Load(context.Background(), []byte("not wasm")); !errors.As(err, &me) {
		t.Errorf("garbage: err = %v, want a ModuleError", err)
	}
	plain := wat(t, "trap")
	if _, err := h.Load(context.Background(), plain[:len(plain)-5]); err == nil {
		t.Error("a truncated module loaded")
	}
}

func TestLyingManifest(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, wat(t, "liar"))
	for _, action := range []string{"wrong_type", "missing", "extra", "bad_date", "bad_list", "fraction_duration", "not_json", "bad_utf8", "huge"} {
		out, err := m.Call(context.Background(), action, nil)
		var oe *OutputError
		if !errors.As(err, &oe) || out != nil {
			t.Errorf("%s: outputs %v, err %v; want no outputs and an OutputError", action, out, err)
			continue
		}
		t.Logf("%s: %v", action, err)
	}
	_, err := m.Call(context.Background(), "refuses", nil)
	var ae *ActionError
	if !errors.As(err, &ae) || ae.Message != "no discount today" {
		t.Errorf("refuses: err = %v, want the module's own error", err)
	}
	out, err := m.Call(context.Background(), "optional_null", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !out["price"].IsNull() || out["slot"].String() != "2026-12-24T09:30" || out["slot"].K != value.DateTime {
		t.Errorf("optional_null: %v", out)
	}
}

func TestBadInputs(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, example(t, "wat"))
	for _, c := range []struct {
		action string
		in     map[string]value.Value
	}{
		{"nope", nil},
		{"rabat", map[string]value.Value{"amount": value.MoneyOf(1)}},
		{"rabat", map[string]value.Value{"amount": value.TextOf("1"), "category": value.TextOf("x")}},
		{"rabat", map[string]value.Value{"amount": value.MoneyOf(1), "category": value.TextOf("x"), "colour": value.TextOf("red")}},
	} {
		_, err := m.Call(context.Background(), c.action, c.in)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s %v: err = %v, want an InputError", c.action, c.in, err)
			continue
		}
		t.Log(err)
	}
}

// TestNoStateLeaksBetweenCalls calls modules that count their calls in a
// global and in memory: every call must see 1 and 1, whether its instance
// was reset (counter), closed because its memory grew (growcount), or new
// because its tables could change (tablecount).
func TestNoStateLeaksBetweenCalls(t *testing.T) {
	h := newHost(t, Options{})
	for _, c := range []struct {
		name       string
		resettable bool
	}{{"counter", true}, {"growcount", true}, {"tablecount", false}} {
		m := load(t, h, wat(t, c.name))
		if m.scan.resettable != c.resettable {
			t.Errorf("%s: resettable %v (%s), want %v", c.name, m.scan.resettable, m.scan.why, c.resettable)
		}
		for i := 0; i < 5; i++ {
			out, err := m.Call(context.Background(), "count", nil)
			if err != nil {
				t.Fatal(err)
			}
			if out["global"].N != 1 || out["memory"].N != 1 {
				t.Fatalf("%s call %d: counts %v, want 1 and 1: state leaked from an earlier call", c.name, i+1, out)
			}
		}
	}
}

// TestExamplesAreResettable: the three toolchains' modules are served by
// reset instances (the fast path), not a new instance per call.
func TestExamplesAreResettable(t *testing.T) {
	h := newHost(t, Options{})
	for _, dir := range []string{"wat", "assemblyscript", "go"} {
		m := load(t, h, example(t, dir))
		if !m.scan.resettable {
			t.Errorf("%s: not resettable: %s", dir, m.scan.why)
		}
		t.Logf("%s: %d mutable globals", dir, len(m.scan.globals))
	}
}

func TestLoadIsCachedByHash(t *testing.T) {
	h := newHost(t, Options{})
	b := wat(t, "trap")
	m1, m2 := load(t, h, b), load(t, h, append([]byte(nil), b...))
	if m1 != m2 {
		t.Error("the same bytes loaded twice")
	}
	if !strings.HasPrefix(m1.Hash(), "sha256:") || len(m1.Hash()) != 71 {
		t.Errorf("hash %q", m1.Hash())
	}
}

// TestFakeClockAndRandom: WASI's clock reads the fixed epoch (plus 1 ms a
// reading) and random_get a fixed stream, the same on every call, on a
// reset instance as on a new one in another host.
func TestFakeClockAndRandom(t *testing.T) {
	var first map[string]value.Value
	for _, h := range []*Host{newHost(t, Options{}), newHost(t, Options{})} {
		m := load(t, h, wat(t, "wasiclock"))
		for i := 0; i < 3; i++ {
			out, err := m.Call(context.Background(), "now", nil)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = out
				if ns := out["ns"].N; ns > 10e6 { // two readings from zero, 1 ms apart
					t.Errorf("the clock read %v ns since 1970", ns)
				}
			} else if !value.Equal(out["ns"], first["ns"]) || !value.Equal(out["random"], first["random"]) {
				t.Fatalf("call %d: %v, first %v", i+1, out, first)
			}
		}
	}
	t.Log(first)
}

func TestDiskCache(t *testing.T) {
	dir := t.TempDir()
	h := newHost(t, Options{CacheDir: dir})
	load(t, h, wat(t, "counter"))
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("the cache directory is empty (%v)", err)
	}
}

// TestConcurrentCallsOnResetInstances calls a counter from several
// goroutines, so that the pool makes instances from the snapshot: every
// call still sees 1 and 1.
func TestConcurrentCallsOnResetInstances(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, wat(t, "counter"))
	// Two instances at once: the second comes from the snapshot.
	a, err := m.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("one instance acquired twice")
	}
	m.release(a, true)
	m.release(b, true)
	concurrently(t, 8, func(int) error {
		for i := 0; i < 20; i++ {
			out, err := m.Call(context.Background(), "count", nil)
			if err != nil {
				return err
			}
			if out["global"].N != 1 || out["memory"].N != 1 {
				return fmt.Errorf("counts %v, want 1 and 1", out)
			}
		}
		return nil
	})
}

// TestInputBuffer: a module's first instance is asked for an input buffer
// of inputReserve bytes before its snapshot, and a call whose inputs fit
// writes them there (one export call); larger inputs ask stagecraft_alloc
// as before. A module whose allocator refuses the reserve (echosmall
// traps above 1000 bytes) is snapshotted without one and asks every call.
// Either way every call echoes its own input, whatever came before it.
func TestInputBuffer(t *testing.T) {
	h := newHost(t, Options{})
	for _, c := range []struct {
		name    string
		reserve uint32
		sizes   []int
	}{
		{"echo", inputReserve, []int{3, inputReserve - 8, inputReserve, 3 * inputReserve, 5, 40000, 2}},
		{"echosmall", 0, []int{3, 900, 2}},
	} {
		m := load(t, h, wat(t, c.name))
		for i, n := range c.sizes {
			s := strings.Repeat(string(rune('a'+i)), n)
			out, err := m.Call(context.Background(), "echo", map[string]value.Value{"s": value.TextOf(s)})
			if err != nil {
				t.Fatalf("%s, %d bytes: %v", c.name, n, err)
			}
			if out["s"].S != s {
				t.Fatalf("%s, %d bytes: echoed %d bytes %.20q…", c.name, n, len(out["s"].S), out["s"].S)
			}
		}
		if got := m.pool.snap.in.cap; got != c.reserve {
			t.Errorf("%s: input buffer of %d bytes, want %d", c.name, got, c.reserve)
		}
	}
}

// TestCallContextReuse: an instance arms one context per call, reused
// while its calls end in time: with the caller's own context (with or
// without a Done channel), after a call the caller gave up on, and after
// time limits, every call gets its own deadline and its own answer.
func TestCallContextReuse(t *testing.T) {
	m := load(t, newHost(t, Options{CallTimeout: 5 * time.Second}), wat(t, "slow"))
	calls := func(ctx context.Context, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			if _, err := m.Call(ctx, "slow", nil); err != nil {
				t.Fatalf("call %d: %v", i+1, err)
			}
		}
	}
	calls(context.Background(), 2)
	ctx, cancel := context.WithCancel(context.Background())
	calls(ctx, 2)
	cancel()
	if _, err := m.Call(ctx, "slow", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("a call with a canceled context: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	start := time.Now()
	_, err := m.Call(ctx, "stuck", nil)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Fatalf("stuck under a caller's 20 ms: %v after %v", err, time.Since(start))
	}
	calls(context.Background(), 2)

	m = load(t, newHost(t, Options{CallTimeout: time.Millisecond}), wat(t, "slow"))
	for i := 0; i < 3; i++ {
		_, err := m.Call(context.Background(), "slow", nil)
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != LimitTime {
			t.Fatalf("call %d over 1 ms: %v, want a time limit", i+1, err)
		}
	}
}

// A cache folder that cannot be used costs compile time, never the
// actions: the host keeps compiled code in memory and says why.
func TestUnusableCacheDir(t *testing.T) {
	file := t.TempDir() + "/not-a-folder"
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHost(t, Options{CacheDir: file})
	if h.CacheErr() == nil {
		t.Error("no word of the unusable cache folder")
	}
	m := load(t, h, wat(t, "loop"))
	var le *LimitError
	if _, err := m.Call(context.Background(), "run", nil); !errors.As(err, &le) {
		t.Fatalf("a module of a host without its cache folder: %v", err)
	}
}

// TestAllocReturnsNull: stagecraft_alloc returning 0 is a failed
// allocation, both for the buffer reserved with the snapshot and for a
// call's own; the inputs are never written over the module's data at 0.
func TestAllocReturnsNull(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, wat(t, "allocnull"))
	for i := range 2 { // the first instance, then one from the snapshot
		out, err := m.Call(context.Background(), "rate", map[string]value.Value{"country": value.TextOf("PL")})
		var oe *OutputError
		if !errors.As(err, &oe) || !strings.Contains(oe.Reason, "returned 0 (NULL)") || out != nil {
			t.Fatalf("call %d: outputs %v, err %v; want an OutputError naming the failed allocation", i+1, out, err)
		}
		if want := "action rate: stagecraft_alloc(16) returned 0 (NULL): the allocation failed"; err.Error() != want {
			t.Errorf("call %d: %q, want %q: the allocator's answer, not a reply", i+1, err, want)
		}
	}
}

// TestAllocTraps: a trap in stagecraft_alloc, for a call's inputs, says
// it was there, not in the action.
func TestAllocTraps(t *testing.T) {
	m := load(t, newHost(t, Options{}), wat(t, "alloctrap"))
	if _, err := m.Call(context.Background(), "echo", map[string]value.Value{"t": value.TextOf("short")}); err != nil {
		t.Fatalf("inputs that fit the reserved buffer: %v", err)
	}
	_, err := m.Call(context.Background(), "echo", map[string]value.Value{"t": value.TextOf(strings.Repeat("x", 10000))})
	var te *TrapError
	if !errors.As(err, &te) || te.In != "stagecraft_alloc" || !strings.HasPrefix(err.Error(), "action echo: the module trapped in stagecraft_alloc: ") {
		t.Fatalf("err = %v, want a trap in stagecraft_alloc", err)
	}
}

// TestAllocNullAfterRefusedGrow: an allocator that returns NULL because
// the host refused it memory is told so: a memory limit, not a bad reply.
func TestAllocNullAfterRefusedGrow(t *testing.T) {
	m := load(t, newHost(t, Options{}), wat(t, "allocgrow"))
	_, err := m.Call(context.Background(), "run", map[string]value.Value{"t": value.TextOf("x")})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitMemory || !strings.Contains(le.Detail, "returned 0 (NULL)") {
		t.Fatalf("err = %v, want a memory limit naming the failed allocation", err)
	}
}

// concurrently runs f in n goroutines, given each one's number, and
// reports every error they return once all have ended.
func concurrently(t *testing.T, n int, f func(g int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(g); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
