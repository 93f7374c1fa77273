package wasm

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
)

// blockCompile makes wazero's compilation wait for release, counting the
// compilations started; it restores wazeroCompile when t ends.
func blockCompile(t *testing.T) (compiles *atomic.Int32, started <-chan struct{}, release func()) {
	saved := wazeroCompile
	t.Cleanup(func() { wazeroCompile = saved })
	compiles = new(atomic.Int32)
	start, gate := make(chan struct{}, 1), make(chan struct{})
	wazeroCompile = func(ctx context.Context, rt wazero.Runtime, bin []byte) (wazero.CompiledModule, error) {
		compiles.Add(1)
		select {
		case start <- struct{}{}:
		default:
		}
		<-gate
		return saved(ctx, rt, bin)
	}
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(release)
	return compiles, start, release
}

// TestLoadShared: callers loading the same bytes while a load of them is
// in progress wait for it and get its module; the module is compiled
// once, not once per caller (a server's tenants pinning one module warm
// it at the same moment of a start).
func TestLoadShared(t *testing.T) {
	bin := wat(t, "counter")
	h := newHost(t, Options{})
	compiles, started, release := blockCompile(t)

	const callers = 6
	mods := make(chan *Module, callers)
	errs := make(chan error, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			m, err := h.Load(context.Background(), bin)
			mods <- m
			errs <- err
		})
	}
	<-started
	// Every caller has found the load in progress, or will: none of them
	// can finish before release.
	time.Sleep(20 * time.Millisecond)
	release()
	wg.Wait()
	close(mods)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var first *Module
	for m := range mods {
		if first == nil {
			first = m
		}
		if m != first {
			t.Fatal("callers of one load got different modules")
		}
	}
	if n := compiles.Load(); n != 1 {
		t.Fatalf("%d callers compiled the module %d times, want once", callers, n)
	}
	if m, err := h.Load(context.Background(), bin); err != nil || m != first {
		t.Fatalf("a later Load: %v, %v; want the module loaded", m, err)
	}
}

// TestLoadWaitCancelled: a caller waiting for another's load stops when
// its own context ends, with that context's error, and the load goes on
// for the caller that started it.
func TestLoadWaitCancelled(t *testing.T) {
	bin := wat(t, "counter")
	h := newHost(t, Options{})
	compiles, started, release := blockCompile(t)

	first := make(chan error, 1)
	go func() {
		_, err := h.Load(context.Background(), bin)
		first <- err
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	waited := make(chan error, 1)
	go func() {
		_, err := h.Load(ctx, bin)
		waited <- err
	}()
	select {
	case err := <-waited:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a waiter whose context ended: %v, want its deadline", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a waiter whose context ended 10 s ago is still waiting")
	}
	release()
	if err := <-first; err != nil {
		t.Fatalf("the load the waiter gave up on: %v", err)
	}
	if n := compiles.Load(); n != 1 {
		t.Fatalf("compiled %d times, want once", n)
	}
}

// TestLoadRefusalShared: a refusal is every waiting caller's, and is not
// kept: a Load after it tries again.
func TestLoadRefusalShared(t *testing.T) {
	bin := wat(t, "counter")
	h := newHost(t, Options{})
	saved := wazeroCompile
	defer func() { wazeroCompile = saved }()
	var compiles atomic.Int32
	gate := make(chan struct{})
	wazeroCompile = func(context.Context, wazero.Runtime, []byte) (wazero.CompiledModule, error) {
		if compiles.Add(1) == 1 {
			<-gate
		}
		panic("a test's refusal")
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := h.Load(context.Background(), bin)
			errs <- err
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(gate)
	for range 2 {
		var me *ModuleError
		if err := <-errs; !errors.As(err, &me) {
			t.Fatalf("Load: %v, want the compilation's *ModuleError", err)
		}
	}
	before := compiles.Load()
	if _, err := h.Load(context.Background(), bin); err == nil {
		t.Fatal("a refused module loaded")
	}
	if compiles.Load() == before {
		t.Fatal("a Load after a refusal did not try again")
	}
}

// TestLoadPanicEnds: a load that panics (a bug of the host's or of
// wazero's outside what compileModule recovers) is a *ModuleError of
// that Load, and ends for its waiters: a later Load of the same bytes
// tries again instead of waiting for ever.
func TestLoadPanicEnds(t *testing.T) {
	bin := wat(t, "counter")
	h := newHost(t, Options{CacheDir: t.TempDir()}) // a cache without its rewrite: checkCounts runs
	saved := checkModuleCounts
	defer func() { checkModuleCounts = saved }()
	checkModuleCounts = func([]byte) error { panic("a test's panic") }
	var me *ModuleError
	if _, err := h.Load(context.Background(), bin); !errors.As(err, &me) || !strings.Contains(me.Reason, "a test's panic") {
		t.Fatalf("a load that panicked: %v, want a *ModuleError", err)
	}
	checkModuleCounts = saved
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.Load(ctx, bin); err != nil {
		t.Fatalf("the next Load: %v", err)
	}
}
