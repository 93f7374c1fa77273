package wasm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// Every module of the tests and the examples is instrumented (none falls
// back to wazero's deadline), and still does what it did.
func TestModulesAreInstrumented(t *testing.T) {
	h := newHost(t, Options{})
	files, err := filepath.Glob("testdata/*.wat")
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/*.wat: %d files, %v", len(files), err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".wat")
		bin := wat(t, name)
		// Compiled by wazero, even those the host refuses afterwards (an
		// imported global, say, which takes the first global index);
		// ownstop, which exports stagecraft.stop itself, is declined.
		rw, err := instrument(bin)
		switch {
		case name == "ownstop":
			if err == nil {
				t.Errorf("ownstop: instrumented, want it declined")
			}
		case err != nil:
			t.Errorf("%s: %v", name, err)
		default:
			c, err := h.rt.CompileModule(context.Background(), rw.bin)
			if err != nil {
				t.Errorf("%s: the instrumented module does not compile: %v", name, err)
				break
			}
			c.Close(context.Background())
		}
		m, err := h.Load(context.Background(), bin)
		if err != nil {
			continue // the modules the host refuses at load
		}
		if want := name != "ownstop"; m.stops != want {
			t.Errorf("%s: instrumented %v, want %v", name, m.stops, want)
		}
	}
	for _, dir := range []string{"wat", "assemblyscript", "go"} {
		if m := load(t, h, example(t, dir)); !m.stops {
			t.Errorf("example %s: not instrumented", dir)
		}
	}
}

// A recursion without a loop runs until the deadline too: the test at
// every function's start stops it.
func TestRecursionStopsAtDeadline(t *testing.T) {
	m := load(t, newHost(t, Options{CallTimeout: 20 * time.Millisecond}), wat(t, "recurse"))
	var le *LimitError
	if _, err := m.Call(context.Background(), "run", nil); !errors.As(err, &le) || le.Limit != LimitTime {
		t.Fatalf("err = %v, want a time limit", err)
	}
}

// A module that loops for long does not hold up the Go runtime's
// collections (which wait for every goroutine to stop, and compiled code
// cannot be stopped): with no visit to Go now and then, this test hangs,
// the collection waiting for the loop and the loop for its deadline's
// timer, which cannot run while the world stops. The loop of nothing and
// the loop with a body of 60,000 instructions both visit Go (how often is
// measured by BenchmarkStop, not asserted here).
func TestCollectionsDuringALongCall(t *testing.T) {
	big, _ := bigLoopModule(t, 15000, 0)
	for name, bin := range map[string][]byte{"loop": wat(t, "loop"), "big loop": big} {
		m := load(t, newHost(t, Options{CallTimeout: 300 * time.Millisecond}), bin)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < 20; i++ {
				runtime.GC()
				time.Sleep(5 * time.Millisecond)
			}
		}()
		var le *LimitError
		if _, err := m.Call(context.Background(), "run", nil); !errors.As(err, &le) || le.Limit != LimitTime {
			t.Fatalf("%s: err = %v, want a time limit", name, err)
		}
		<-done
	}
}

// A start section and an _initialize that never return are stopped by the
// initialisation's limit, the first as the second (the start section is
// called by the host, no longer run by wazero's instantiation).
func TestInitialisationStopsAtDeadline(t *testing.T) {
	for _, name := range []string{"startloop", "initloop"} {
		m := load(t, newHost(t, Options{InitTimeout: 20 * time.Millisecond}), wat(t, name))
		var le *LimitError
		if _, err := m.Call(context.Background(), "run", nil); !errors.As(err, &le) || le.Limit != LimitTime {
			t.Errorf("%s: err = %v, want a time limit", name, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		m = load(t, newHost(t, Options{InitTimeout: time.Minute}), wat(t, name))
		if _, err := m.Call(ctx, "run", nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s under a caller's 20 ms: err = %v, want the caller's context error", name, err)
		}
		cancel()
	}
}

// The start section runs once, before _initialize, and its effects are in
// the snapshot: every call, on a new instance or a reset one, sees them.
func TestStartSection(t *testing.T) {
	m := load(t, newHost(t, Options{}), wat(t, "start"))
	if !m.scan.resettable || len(m.start) != 2 {
		t.Fatalf("resettable %v (%s), start functions %v", m.scan.resettable, m.scan.why, m.start)
	}
	for i := 0; i < 3; i++ {
		out, err := m.Call(context.Background(), "run", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := out["n"]; !value.Equal(got, value.NumberOf(5)) {
			t.Fatalf("call %d: n = %v, want 5 (start, then _initialize, then this call alone)", i+1, got)
		}
	}
}

// Loops with parameters and results, left to outer labels, work as
// written once instrumented.
func TestInstrumentedLoops(t *testing.T) {
	m := load(t, newHost(t, Options{}), wat(t, "loops"))
	out, err := m.Call(context.Background(), "sum", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := out["n"]; !value.Equal(got, value.NumberOf(55)) {
		t.Fatalf("n = %v, want 55", got)
	}
}

// A module the host cannot make stop itself is refused at load, naming
// why: wazero's own deadline, checked only at loops, would let a
// recursion without a loop run for ever and hold up every collection of
// the process. An export named as the host's own is such a reason.
func TestUninstrumentableRefused(t *testing.T) {
	h := newHost(t, Options{})
	_, err := h.Load(context.Background(), wat(t, "ownstop"))
	var me *ModuleError
	if !errors.As(err, &me) || !strings.Contains(me.Reason, `it exports "stagecraft.stop", and export names starting with "stagecraft." are the host's: rename it`) {
		t.Fatalf("ownstop: %v, want a refusal naming its export", err)
	}
	// A module's own stagecraft.global.N would collide with the export
	// the host adds for its global N.
	if _, err := h.Load(context.Background(), wat(t, "ownglobal")); !errors.As(err, &me) || !strings.Contains(me.Reason, `it exports "stagecraft.global.0"`) {
		t.Fatalf("a module exporting stagecraft.global.0: %v, want a refusal naming it", err)
	}
}

// A host told not to instrument (tests) runs modules under wazero's
// deadline: an infinite loop stops at the call's limit or when the
// caller gives up, and the examples run as well that way.
func TestWazeroDeadline(t *testing.T) {
	h := newHost(t, Options{CallTimeout: 20 * time.Millisecond})
	h.noInstrument = true
	m := load(t, h, wat(t, "loop"))
	if m.stops {
		t.Fatal("instrumented although the host says not to")
	}
	var le *LimitError
	if _, err := m.Call(context.Background(), "run", nil); !errors.As(err, &le) || le.Limit != LimitTime {
		t.Fatalf("err = %v, want a time limit", err)
	}
	h = newHost(t, Options{CallTimeout: time.Minute})
	h.noInstrument = true
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(5*time.Millisecond, cancel)
	if _, err := load(t, h, wat(t, "loop")).Call(ctx, "run", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}

	h = newHost(t, Options{})
	h.noInstrument = true
	m = load(t, h, wat(t, "counter"))
	for i := 0; i < 3; i++ {
		out, err := m.Call(context.Background(), "count", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !value.Equal(out["global"], value.NumberOf(1)) || !value.Equal(out["memory"], value.NumberOf(1)) {
			t.Fatalf("call %d: %v, want 1 and 1", i+1, out)
		}
	}
	m = load(t, h, example(t, "wat"))
	if m.stops {
		t.Fatal("instrumented although the host says not to")
	}
	if _, err := m.Call(context.Background(), "rabat", map[string]value.Value{"amount": value.MoneyOf(12300), "category": value.TextOf("Kuchnie")}); err != nil {
		t.Fatal(err)
	}
}

// The instrumented module is valid for every module of the tests (wazero
// compiles it), and a cache folder of its own keeps its code apart from
// code compiled with wazero's exit checks.
func TestCacheFolders(t *testing.T) {
	dir := t.TempDir()
	h := newHost(t, Options{CacheDir: dir, CallTimeout: 20 * time.Millisecond})
	load(t, h, wat(t, "loop"))
	h = newHost(t, Options{CacheDir: dir, CallTimeout: 20 * time.Millisecond})
	h.noInstrument = true
	load(t, h, wat(t, "counter"))
	for _, sub := range []string{cacheInstrumented, cacheCloseOnDone} {
		if entries, err := os.ReadDir(filepath.Join(dir, sub)); err != nil || len(entries) == 0 {
			t.Errorf("cache folder %s: %v, %d entries", sub, err, len(entries))
		}
	}
}

// TestInitialisationTimeoutKept: an initialisation out of time is kept as
// the module's refusal after initRefusalStrikes in a row, not after one
// (a busy machine can cause one); a replay still tries, under its own
// limit.
func TestInitialisationTimeoutKept(t *testing.T) {
	m := load(t, newHost(t, Options{InitTimeout: 20 * time.Millisecond, ReplayTimeout: 30 * time.Millisecond}), wat(t, "initloop"))
	var le *LimitError
	var seen []error
	for i := range initRefusalStrikes {
		_, err := m.Call(context.Background(), "run", nil)
		if !errors.As(err, &le) || le.Limit != LimitTime {
			t.Fatalf("call %d: err = %v, want a time limit", i+1, err)
		}
		for _, e := range seen {
			if e == err {
				t.Fatalf("call %d answered with an earlier call's error: a refusal kept after %d time-outs", i+1, i)
			}
		}
		seen = append(seen, err)
	}
	last := seen[len(seen)-1]
	if _, err := m.Call(context.Background(), "run", nil); err != last {
		t.Errorf("after %d time-outs: err = %v (%p), want the last one's %p, kept", initRefusalStrikes, err, err, last)
	}
	_, err := m.Call(action.Replaying(context.Background()), "run", nil)
	if !errors.As(err, &le) || le.Limit != LimitTime || le.Max != 30 || err == last {
		t.Errorf("replay: err = %v, want a time limit of its own, 30 ms", err)
	}
}

// The rewrite adds $yield (and a () -> () type when the module has none)
// to modules of every shape: with no function, type or code section, with
// imported functions before its own, with a () -> () type it takes (the
// last two); and
// does not panic on a section given twice, which wazero refuses.
func TestInstrumentAddsYield(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, Options{})
	for _, c := range []struct {
		name, text string
		types      uint32 // the type section's count once rewritten
	}{
		{"no function", `(module (memory (export "memory") 1))`, 1},
		{"no () -> ()", `(module (memory (export "memory") 1)
			(func (export "f") (param i32) (result i32) (local.get 0)))`, 2},
		{"a () -> ()", `(module (memory (export "memory") 1)
			(func (export "f") (param i32) (result i32) (local.get 0)) (func))`, 2},
		{"imports", `(module (import "stagecraft" "log" (func (param i32 i32)))
			(memory (export "memory") 1)
			(func (export "f") (call 0 (i32.const 0) (i32.const 0))))`, 2},
	} {
		bin := watText(t, bigManifest, c.text)
		ins, err := instrument(bin)
		ibin := ins.bin
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		compiled, err := h.rt.CompileModule(ctx, ibin)
		if err != nil {
			t.Fatalf("%s: wazero refuses the rewrite: %v", c.name, err)
		}
		compiled.Close(ctx)
		checkWeights(t, c.name, bin, ibin)
		secs, _ := manifest.Sections(ibin)
		for _, s := range secs {
			if s.ID == 1 {
				if n := (&reader{b: s.Body}).leb(); n != c.types {
					t.Errorf("%s: %d types, want %d", c.name, n, c.types)
				}
			}
		}
	}
	bin := watText(t, bigManifest, `(module (memory (export "memory") 1) (func (export "f")))`)
	secs, _ := manifest.Sections(bin)
	for _, s := range secs {
		if s.ID == 1 || s.ID == 3 || s.ID == 6 || s.ID == 10 {
			twice := append(append(append([]byte(nil), bin[:s.End]...), bin[s.Offset:s.End]...), bin[s.End:]...)
			if _, err := instrument(twice); err == nil {
				if _, err := h.rt.CompileModule(ctx, twice); err == nil {
					t.Errorf("section %d twice: wazero takes it", s.ID)
				}
			}
		}
	}
}

// TestCodeCannotReachTheHostsGlobals: code that names a global or a local
// its module does not have is refused at load, as wazero refuses it,
// although the rewrite adds globals ($stop, $budget, $dirty, $shift) and
// locals (the marks') that would give those indexes a meaning: a module
// that could clear $stop would never stop, one that could clear $dirty
// would keep what it writes from one call to the next.
func TestCodeCannotReachTheHostsGlobals(t *testing.T) {
	const man = `{"abi":1,"name":"reach","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}`
	// Three globals of the module's own, taken out of the binary after
	// wat2wasm: global.set 0 then names $stop, global.set 2 $dirty.
	for _, g := range []string{"$a", "$c"} {
		bin := watText(t, man, `(module
  (memory (export "memory") 1)
  (global $a (mut i32) (i32.const 0))
  (global $b (mut i32) (i32.const 0))
  (global $c (mut i64) (i64.const 0))
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64)
    (i32.store (local.get 0) (i32.add (local.get 1) (i32.const 1)))
    (global.set `+g+` (global.get `+g+`))
    (i64.const 0)))`)
		out := replaceSection(t, bin, 6, []byte{0}) // no globals
		if _, err := newHost(t, Options{}).Load(context.Background(), out); err == nil {
			t.Errorf("global %s, taken out: the module was loaded", g)
		}
	}
	// A local of the action's own, its declaration taken out: index 2 then
	// names the first local the marks of its store add.
	bin := watText(t, man, `(module
  (memory (export "memory") 1)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64) (local i32)
    (local.set 2 (i32.const 7))
    (i32.store (local.get 0) (i32.add (local.get 2) (i32.const 1)))
    (i64.const 0)))`)
	secs, err := manifest.Sections(bin)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	for _, s := range secs {
		if s.ID != 10 {
			continue
		}
		r := &reader{b: s.Body}
		body = binary.AppendUvarint(nil, uint64(r.leb()))
		for r.err == nil && len(r.b) > 0 {
			fn := r.b[:r.leb()]
			r.b = r.b[len(fn):]
			if decl := []byte{1, 1, 0x7F}; bytes.HasPrefix(fn, decl) {
				fn = append([]byte{0}, fn[len(decl):]...)
			}
			body = append(binary.AppendUvarint(body, uint64(len(fn))), fn...)
		}
	}
	out := replaceSection(t, bin, 10, body)
	if _, err := newHost(t, Options{}).Load(context.Background(), out); err == nil {
		t.Error("local 2, its declaration taken out: the module was loaded")
	}
}
