package wasm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"

	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// Options are a workspace's limits for its modules; a zero field takes its
// default (spec/wasm.md, "Limits").
type Options struct {
	MemoryPages uint32        // linear memory, in 64 KiB pages; default 256 (16 MiB)
	CallTimeout time.Duration // one call; default 100 ms
	InitTimeout time.Duration // making an instance ready (_initialize), not counted in a call; default 2 s
	MaxInput    int           // the inputs' JSON, bytes; default 64 KiB
	MaxOutput   int           // the reply's JSON, bytes; default 64 KiB
	MaxLog      int           // a call's log, bytes; default 16 KiB
	// ReplayTimeout replaces CallTimeout and InitTimeout (when longer) for
	// a call made by a replay (action.Replaying): its original run
	// finished it within the limit on its machine, and a replay must not
	// decide otherwise because this machine is slower or busier; default
	// 100 times CallTimeout. A call that did hit the limit was recorded
	// and is not made again.
	ReplayTimeout time.Duration
	CacheDir      string // the compilation cache on disk (wazero's code, the host's rewritten modules: rewritecache.go); "" keeps it in memory only
}

// Defaults.
const (
	DefaultMemoryPages = 256
	DefaultCallTimeout = 100 * time.Millisecond
	DefaultInitTimeout = 2 * time.Second
	DefaultMaxInput    = 64 << 10
	DefaultMaxOutput   = 64 << 10
	DefaultMaxLog      = 16 << 10
)

func (o Options) withDefaults() Options {
	if o.MemoryPages == 0 {
		o.MemoryPages = DefaultMemoryPages
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.InitTimeout == 0 {
		o.InitTimeout = DefaultInitTimeout
	}
	if o.MaxInput == 0 {
		o.MaxInput = DefaultMaxInput
	}
	if o.MaxOutput == 0 {
		o.MaxOutput = DefaultMaxOutput
	}
	if o.MaxLog == 0 {
		o.MaxLog = DefaultMaxLog
	}
	if o.ReplayTimeout == 0 {
		o.ReplayTimeout = 100 * o.CallTimeout
		if o.ReplayTimeout/100 != o.CallTimeout { // a call limit meant as none: so is the replay's
			o.ReplayTimeout = math.MaxInt64
		}
	}
	return o
}

// Host loads modules and keeps them compiled: in memory by content hash,
// and on disk, rewritten and compiled, when Options.CacheDir is set.
// It is safe for concurrent use.
//
// It has two wazero runtimes: rt runs modules instrumented to stop
// themselves (instrument.go), compiled without wazero's exit checks; the
// other, with WithCloseOnContextDone, made when first needed, runs
// modules only for tests (noInstrument), and otherwise compiles a module
// the rewrite cannot serve to find wazero's reason for refusing it, if
// any (Module.uninstrumentable): such a module is never run.
type Host struct {
	opts     Options
	replay   Options // opts with the replay's time limits (limits)
	rt       wazero.Runtime
	cache    wazero.CompilationCache
	hostDefs map[string]map[string]api.FunctionDefinition

	mu      sync.Mutex
	modules map[string]*Module  // loaded, by hash
	loading map[string]*loading // being loaded, by hash: later callers wait for it

	closing    sync.Mutex // the wazero-deadline runtime, made at its first use
	closeRT    wazero.Runtime
	closeCache wazero.CompilationCache
	closeErr   error

	noInstrument bool // tests: every module takes wazero's deadline

	rewrites rewriteCache // rewritten modules on disk, under Options.CacheDir (rewritecache.go)

	cacheErr error // why Options.CacheDir could not be used; compiled code is then kept in memory
}

// CacheErr says why the host keeps compiled code in memory only although
// Options.CacheDir was set (a folder that cannot be made or written), or
// nil: an unusable cache costs compile time, never the actions, and the
// caller says so where its operator reads.
func (h *Host) CacheErr() error { return h.cacheErr }

// Cache folders under Options.CacheDir, one per runtime: wazero's cache
// key leaves out WithCloseOnContextDone, so code compiled without its exit
// checks (ours, instrumented, or another program's sharing the folder)
// must never be found by the runtime that relies on them.
const (
	cacheInstrumented = "stop-global"
	cacheCloseOnDone  = "close-on-context-done"
)

// New starts a host (compiler mode, calls stopped at their deadline).
func New(ctx context.Context, opts Options) (*Host, error) {
	opts = opts.withDefaults()
	if opts.MemoryPages > 65536 {
		return nil, fmt.Errorf("wasm: MemoryPages %d: at most 65536 (4 GiB)", opts.MemoryPages)
	}
	rt, cache, cacheErr := newRuntime(ctx, opts, cacheInstrumented, false)
	rewrites, err := newRewriteCache(opts.CacheDir)
	if err != nil {
		cacheErr = errors.Join(cacheErr, fmt.Errorf("wasm: rewritten modules in %s: %w", opts.CacheDir, err))
	}
	defs, err := instantiateHost(ctx, rt)
	if err != nil {
		rt.Close(ctx)
		cache.Close(ctx)
		return nil, fmt.Errorf("wasm: host modules: %w", err)
	}
	replay := opts
	replay.CallTimeout, replay.InitTimeout = opts.ReplayTimeout, max(opts.InitTimeout, opts.ReplayTimeout)
	return &Host{opts: opts, replay: replay, rt: rt, cache: cache, hostDefs: defs, modules: map[string]*Module{}, loading: map[string]*loading{}, cacheErr: cacheErr, rewrites: rewrites}, nil
}

// newRuntime is a compiler runtime with its cache, in the folder sub of
// Options.CacheDir (or in memory, with the reason when the folder cannot
// be used).
func newRuntime(ctx context.Context, opts Options, sub string, closeOnDone bool) (wazero.Runtime, wazero.CompilationCache, error) {
	var cache wazero.CompilationCache
	var cacheErr error
	if opts.CacheDir != "" {
		c, err := wazero.NewCompilationCacheWithDir(filepath.Join(opts.CacheDir, sub))
		if err != nil {
			cacheErr = fmt.Errorf("wasm: compilation cache in %s: %w", opts.CacheDir, err)
		}
		cache = c
	}
	if cache == nil {
		cache = wazero.NewCompilationCache()
	}
	cfg := wazero.NewRuntimeConfigCompiler().WithCloseOnContextDone(closeOnDone).WithCompilationCache(cache)
	if !closeOnDone {
		// The instrumented code's offsets are no longer those a module's
		// DWARF sections describe; a trap's first line, all the host
		// reports, does not use them.
		cfg = cfg.WithDebugInfoEnabled(false)
	}
	return wazero.NewRuntimeWithConfig(ctx, cfg), cache, cacheErr
}

// closeOnDoneRuntime is the runtime with wazero's own deadline (Host).
func (h *Host) closeOnDoneRuntime(ctx context.Context) (wazero.Runtime, error) {
	h.closing.Lock()
	defer h.closing.Unlock()
	if h.closeRT == nil && h.closeErr == nil {
		rt, cache, _ := newRuntime(ctx, h.opts, cacheCloseOnDone, true)
		if _, err := instantiateHost(ctx, rt); err != nil {
			rt.Close(ctx)
			cache.Close(ctx)
			h.closeErr = fmt.Errorf("wasm: host modules: %w", err)
		} else {
			h.closeRT, h.closeCache = rt, cache
		}
	}
	return h.closeRT, h.closeErr
}

// limits are the limits of a call made under ctx: a replay's time limits
// are Options.ReplayTimeout (action.Replaying).
func (h *Host) limits(ctx context.Context) *Options {
	if action.IsReplaying(ctx) {
		return &h.replay
	}
	return &h.opts
}

// Close releases every module and the compilation cache (the files of a
// disk cache stay).
func (h *Host) Close(ctx context.Context) error {
	errs := []error{h.rt.Close(ctx), h.cache.Close(ctx)}
	h.closing.Lock()
	if h.closeRT != nil {
		errs = append(errs, h.closeRT.Close(ctx), h.closeCache.Close(ctx))
	}
	h.closing.Unlock()
	return errors.Join(errs...)
}

// Options returns the host's limits, defaults filled in.
func (h *Host) Options() Options { return h.opts }

// allocExport is the export the host asks for the inputs' buffer
// (spec/wasm.md, A call).
const allocExport = "stagecraft_alloc"

// Module is a loaded module: validated, compiled, its manifest read.
type Module struct {
	host     *Host
	hash     string
	man      *manifest.Manifest
	compiled wazero.CompiledModule
	rt       wazero.Runtime // the runtime it was compiled by
	stops    bool           // instrumented: it stops itself (instrument.go)
	tracks   bool           // instrumented to mark what its calls write (track.go)
	start    []string       // what initialisation calls: the start section's function when instrumented, "_initialize" for a reactor
	scan     scanResult
	pool     pool

	initRefusal initRefusal // _initialize out of time, kept a while (pool.go)
}

// Hash is the module's identity, "sha256:" and the hex of its bytes.
func (m *Module) Hash() string { return m.hash }

// Manifest is the module's validated manifest; do not change it.
func (m *Module) Manifest() *manifest.Manifest { return m.man }

// Load validates and compiles a module, or returns the one already loaded
// with the same bytes. Errors are *ModuleError, *ImportError,
// *ManifestError or *LimitError (a memory that starts above the limit).
func (h *Host) Load(ctx context.Context, wasm []byte) (*Module, error) {
	return h.load(ctx, wasm, manifest.Hash(wasm))
}

// Prepare readies the module's first instance: instantiated, initialised
// (_initialize) and its state kept as the snapshot every later instance
// starts from, then put with the idle ones, so that the first Call pays
// none of it (for the Go example ~5 ms in a warm process, ~50 ms in a new
// one, most of it first page faults: spec/wasm.md, Performance). A server
// prepares the modules of its running program at start. A module whose
// calls each get a new instance (not resettable) has nothing to prepare.
// Its errors are those of an instance's initialisation, as Invoke's.
func (m *Module) Prepare(ctx context.Context) error {
	if !m.scan.resettable {
		return nil
	}
	inst, err := m.acquire(ctx)
	if err != nil {
		return err
	}
	m.release(inst, true)
	return nil
}

// CheckInit runs the module's initialisation once (its start section and
// _initialize), as a deploy and `stagecraft module check` do before they
// take a module: Load compiles and checks it without running any of its
// code, and a module whose initialisation traps, or does not return
// within Options.InitTimeout, would fail every call, the looping one
// after holding a core for the whole limit each time (spec/wasm.md, A
// module). Its error is a *ModuleError naming why (the cause is its
// Unwrap), or ctx's when ctx ended first. A resettable module's instance
// is kept, ready, as Prepare keeps it, so the check costs the first call
// nothing; for any other module it is closed. Load does not do this
// itself: a run loads a module at its first call, and an initialisation
// that ran out of time on a busy machine there is the call's failure,
// kept only by the rule of initRefusal, not the module's for ever.
func (m *Module) CheckInit(ctx context.Context) error {
	var err error
	if m.scan.resettable {
		err = m.Prepare(ctx)
	} else {
		var inst *instance
		if inst, err = m.instantiate(ctx, m.start); err == nil {
			m.release(inst, false)
		}
	}
	if err == nil || ctx.Err() != nil {
		return err
	}
	what := "its initialisation (_initialize)"
	if !slices.Contains(m.start, "_initialize") {
		what = "its start function"
	}
	var (
		le *LimitError
		te *TrapError
	)
	switch {
	case errors.As(err, &le) && le.Limit == LimitTime:
		return &ModuleError{Reason: fmt.Sprintf("%s did not return within %d ms (InitTimeout): every call would wait that long and fail; "+
			"make it return (a loop waiting for something that never comes?), or, on a busy machine, try again", what, le.Max), cause: err}
	case errors.As(err, &le):
		return &ModuleError{Reason: fmt.Sprintf("%s went past the %s limit (%d bytes)%s: every call would fail", what, le.Limit, le.Max, detail(le.Detail)), cause: err}
	case errors.As(err, &te):
		return &ModuleError{Reason: fmt.Sprintf("%s trapped: %s: every call would fail the same way", what, te.Reason), cause: err}
	case errors.As(err, new(*ModuleError)):
		return err
	}
	return &ModuleError{Reason: fmt.Sprintf("%s failed: %v", what, err), cause: err}
}

func detail(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// loading is a load in progress: callers of the same hash wait for done
// and take its outcome instead of compiling the module again (the Go
// example takes ~0.1 s from the cache, ~1 s without; a server's tenants
// that pin one module warm it at the same moment of a start).
type loading struct {
	done chan struct{}
	m    *Module
	err  error
}

// load is Load of bytes whose hash the caller has just computed (Runner
// hashes a file to compare it with the program's pin: hashing the 3.4 MB
// of the Go example again costs milliseconds of a first call).
//
// A caller that finds the same hash being loaded waits for that load, or
// for its own ctx. The load's outcome is the same for every caller: a
// load does not depend on its caller's ctx (a compilation runs to its
// end, compiling), and its refusals are of the bytes, which the hash
// names. A refusal is not kept, though: the next Load of the bytes
// tries again, as before.
func (h *Host) load(ctx context.Context, wasm []byte, hash string) (m *Module, err error) {
	h.mu.Lock()
	if m := h.modules[hash]; m != nil {
		h.mu.Unlock()
		return m, nil
	}
	if l := h.loading[hash]; l != nil {
		h.mu.Unlock()
		select {
		case <-l.done:
			return l.m, l.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	l := &loading{done: make(chan struct{})}
	h.loading[hash] = l
	h.mu.Unlock()

	// Whatever happens, panic included, the load ends for its waiters:
	// else every later Load of these bytes would wait for ever.
	defer func() {
		if p := recover(); p != nil {
			l.m, l.err = nil, &ModuleError{Reason: fmt.Sprintf("the host failed loading the module: %v", p)}
		}
		h.mu.Lock()
		delete(h.loading, hash)
		if l.m != nil {
			h.modules[hash] = l.m
		}
		h.mu.Unlock()
		close(l.done)
		m, err = l.m, l.err
	}()
	l.m, l.err = h.loadNew(ctx, wasm, hash)
	return l.m, l.err
}

// loadNew reads, compiles and checks a module not loaded yet, under a
// ctx that is never cancelled: its outcome is shared by every caller
// waiting for it (load).
func (h *Host) loadNew(ctx context.Context, wasm []byte, hash string) (*Module, error) {
	ctx = context.WithoutCancel(ctx)
	man, err := manifest.Read(wasm)
	if err != nil {
		if _, serr := manifest.Sections(wasm); serr != nil {
			return nil, &ModuleError{Reason: serr.Error()}
		}
		return nil, &ManifestError{Reason: err.Error()}
	}
	if err := checkImportKinds(wasm); err != nil {
		return nil, err
	}
	m := &Module{host: h, hash: hash, man: man}
	if err := m.compile(ctx, wasm); err != nil {
		return nil, err
	}
	if err := m.check(wasm); err != nil {
		m.compiled.Close(ctx)
		return nil, err
	}
	return m, nil
}

// compile compiles the module rewritten (rewrite.go), read from the
// cache on disk or made and then kept there; a module the rewrite cannot
// serve is refused (uninstrumentable). Only a test's host (noInstrument)
// compiles modules as they are, under wazero's deadline.
//
// A module whose rewrite is in the cache is not held to checkCounts
// again: the file is written only for a module that passed it (below),
// its name and contents tie it to the module's SHA-256 and to the
// version of the code that checked and rewrote it, counts.go included
// (rewriteVersion), so the walk over every function body would only say
// again what it said of these very bytes (~10-15 ms of the Go example's
// first call). A file the host's user did not write is outside what the
// host defends against (rewritecache.go, Trust); and on a hit wazero
// never reads the module's own bytes, only the rewrite.
func (m *Module) compile(ctx context.Context, wasm []byte) error {
	h := m.host
	if !h.noInstrument {
		if rw, ok := h.rewrites.get(wasm, m.hash); ok && m.compileRewrite(ctx, rw) {
			return nil
		}
	}
	if err := checkModuleCounts(wasm); err != nil {
		return &ModuleError{Reason: err.Error()}
	}
	// Not in the cache, or refused by wazero: rewritten here. (A module
	// is kept in the cache once wazero took it; it refuses one read back
	// only if the file was changed, checksum and all, or wazero was:
	// rewriting costs that host the time the cache saves, nothing else.)
	rw := newRewrite(wasm)
	if !h.noInstrument {
		if m.compileRewrite(ctx, rw) {
			h.rewrites.put(m.hash, rw)
			return nil
		}
		return m.uninstrumentable(ctx, wasm, rw)
	}
	c, rt, err := h.compileAsIs(ctx, rw)
	if err != nil {
		return err
	}
	m.compiled, m.rt = c, rt
	return nil
}

// compileAsIs compiles the module without the host's instrumentation, by
// the runtime with wazero's own deadline; its errors are the module's.
func (h *Host) compileAsIs(ctx context.Context, rw rewrite) (wazero.CompiledModule, wazero.Runtime, error) {
	rt, err := h.closeOnDoneRuntime(ctx)
	if err != nil {
		return nil, nil, err
	}
	c, err := compileModule(compiling(ctx), rt, rw.exported)
	if me, ok := err.(*ModuleError); ok {
		return nil, nil, me
	}
	if err != nil {
		return nil, nil, &ModuleError{Reason: firstLine(err.Error())}
	}
	return c, rt, nil
}

// uninstrumentable is the refusal of a module the host cannot make stop
// itself (instrument.go): wazero's own deadline, checked only at loops,
// would let a recursion without a loop run for ever and hold up the
// process's collections, so such a module is not run at all
// (spec/wasm.md, Stopping a call). When wazero refuses the module as it
// is too, or the host would refuse what wazero makes of it (an import not
// granted, no memory export: check), that reason is the module's, and
// the one said.
func (m *Module) uninstrumentable(ctx context.Context, wasm []byte, rw rewrite) error {
	if rw.reserved != "" || rw.refused {
		return &ModuleError{Reason: rw.scan.why} // said at once, nothing compiled
	}
	c, _, err := m.host.compileAsIs(ctx, rw)
	if err != nil {
		return err
	}
	m.compiled = c
	err = m.check(wasm)
	m.compiled = nil
	c.Close(ctx)
	if err != nil {
		return err
	}
	if rw.bin == nil {
		return &ModuleError{Reason: "the host cannot make it stop at its deadline: " + rw.scan.why}
	}
	return &ModuleError{Reason: "the host's rewrite of it, which makes it stop at its deadline, does not compile (a bug of the host's: please report it)"}
}

// checkModuleCounts is checkCounts (a test counts its calls).
var checkModuleCounts = checkCounts

// wazeroCompile is wazero's CompileModule (a test replaces it).
var wazeroCompile = func(ctx context.Context, rt wazero.Runtime, bin []byte) (wazero.CompiledModule, error) {
	return rt.CompileModule(ctx, bin)
}

// compileModule is wazero's CompileModule, with a panic of wazero's
// turned into a *ModuleError: no module can make the host's process die
// at Load (a typed select, 0x1C 0x01 0x63 N, made wazero 1.12's compiler
// panic where its validator had taken it; checkCounts now refuses it).
// A panic in one of wazero's compilation workers, other goroutines than
// this one, cannot be recovered here: the refusals of checkCounts, before
// wazero sees a module, are what hold those.
func compileModule(ctx context.Context, rt wazero.Runtime, bin []byte) (c wazero.CompiledModule, err error) {
	defer func() {
		if p := recover(); p != nil {
			c, err = nil, &ModuleError{Reason: fmt.Sprintf("wazero failed compiling the module: %v", p)}
		}
	}()
	return wazeroCompile(ctx, rt, bin)
}

// compiling is ctx for a compilation, which wazero spreads over every
// core the Go runtime uses: the Go example compiles from scratch in
// ~0.9 s instead of ~1.5 s of its first call on 2 cores, for the same CPU
// time. A compilation from its cache is not spread (it decodes, validates
// and reads the cached code in one goroutine). Compilations are rare, at
// a deploy or at a module's first call in a process whose cache has not
// seen it, and worth the cores for that moment. The workers stop when
// their context is done; a compilation in one goroutine never looked, and
// still does not: a caller that gives up does not throw away the code
// the next call needs, nor get its cancellation reported as the module's
// fault.
func compiling(ctx context.Context) context.Context {
	return experimental.WithCompilationWorkers(context.WithoutCancel(ctx), runtime.GOMAXPROCS(0))
}

// compileRewrite compiles a rewritten module with the host's runtime,
// which has no deadline of its own, and reports whether wazero took it.
func (m *Module) compileRewrite(ctx context.Context, rw rewrite) bool {
	m.scan = rw.scan
	if rw.bin == nil {
		return false
	}
	c, err := compileModule(compiling(ctx), m.host.rt, rw.bin)
	if err != nil {
		return false
	}
	m.compiled, m.rt, m.stops, m.tracks = c, m.host.rt, true, rw.tracks
	if rw.start {
		m.start = []string{startExport}
	}
	return true
}

// check holds a compiled module to the ABI: granted imports only; an
// exported memory that starts within the limit; stagecraft_alloc; an
// export of the right signature for every action of the manifest; a
// reactor, not a command.
func (m *Module) check(wasm []byte) error {
	if err := checkImports(wasm, m.compiled.ImportedFunctions(), m.host.hostDefs); err != nil {
		return err
	}
	mems := m.compiled.ExportedMemories()
	mem, ok := mems["memory"]
	if !ok || len(mems) != 1 {
		return &ModuleError{Reason: `the module must export its memory as "memory"`}
	}
	if mem.Min() > m.host.opts.MemoryPages {
		return &LimitError{Limit: LimitMemory, Max: int64(m.host.opts.MemoryPages) << 16,
			Detail: fmt.Sprintf("the module's memory starts at %d bytes", int64(mem.Min())<<16)}
	}
	fns := m.compiled.ExportedFunctions()
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	want := func(name string, params, results []api.ValueType) error {
		f, ok := fns[name]
		if !ok {
			return &ModuleError{Reason: fmt.Sprintf("no export %q (spec/wasm.md, A module)", name)}
		}
		if !slices.Equal(f.ParamTypes(), params) || !slices.Equal(f.ResultTypes(), results) {
			return &ModuleError{Reason: fmt.Sprintf("export %q is %s, want %s", name, signature(f), sigOf(params, results))}
		}
		return nil
	}
	if err := want(allocExport, []api.ValueType{i32}, []api.ValueType{i32}); err != nil {
		return err
	}
	for _, a := range m.man.Actions {
		if err := want(a.Export(), []api.ValueType{i32, i32}, []api.ValueType{i64}); err != nil {
			return &ManifestError{Reason: "action " + a.Name + ": " + err.(*ModuleError).Reason}
		}
	}
	if _, ok := fns["_initialize"]; ok {
		if err := want("_initialize", nil, nil); err != nil {
			return err
		}
		m.start = append(m.start, "_initialize")
	} else if _, ok := fns["_start"]; ok {
		return &ModuleError{Reason: "a command module (it exports _start): build a reactor, with no _start (for C: link with -Wl,--no-entry; for Go: -buildmode=c-shared); its _initialize, if any, runs once per instance"}
	}
	return nil
}

func sigOf(params, results []api.ValueType) string {
	s := "("
	for i, t := range params {
		if i > 0 {
			s += " "
		}
		s += api.ValueTypeName(t)
	}
	s += ") -> ("
	for i, t := range results {
		if i > 0 {
			s += " "
		}
		s += api.ValueTypeName(t)
	}
	return s + ")"
}

// Result is what a call gives back: the outputs, checked against the
// manifest, and what the module wrote to its log (stagecraft.log, stdout
// and stderr), kept even when the call fails.
type Result struct {
	Outputs map[string]value.Value
	Log     string
}

// Call runs an action and returns its outputs (see Invoke).
func (m *Module) Call(ctx context.Context, action string, inputs map[string]value.Value) (map[string]value.Value, error) {
	r, err := m.Invoke(ctx, action, inputs)
	return r.Outputs, err
}

// Invoke runs an action on an instance no other call has run on, within
// the limits. Errors: *InputError (unknown action or input, missing or
// mistyped input), *LimitError, *TrapError, *OutputError, *ActionError;
// or the caller's context error when ctx was done first.
func (m *Module) Invoke(ctx context.Context, action string, inputs map[string]value.Value) (Result, error) {
	opts := m.host.limits(ctx)
	a := m.man.Action(action)
	if a == nil {
		return Result{}, &InputError{Action: action, Reason: fmt.Sprintf("module %s has no such action", m.man.Name)}
	}
	buf := inputBuffers.Get().(*[]byte)
	defer inputBuffers.Put(buf)
	in, err := encodeInputs((*buf)[:0], a, inputs)
	if err != nil {
		return Result{}, err
	}
	if cap(in) <= maxPooledInput {
		*buf = in[:0]
	}
	if len(in) > opts.MaxInput {
		return Result{}, &LimitError{Action: action, Limit: LimitInput, Max: int64(opts.MaxInput), Detail: fmt.Sprintf("%d bytes of inputs", len(in))}
	}
	inst, err := m.acquire(ctx)
	if err != nil {
		return Result{}, err
	}
	// The reply is read where the module wrote it, before the instance is
	// reset or closed: decodeReply keeps no byte of it (every value is
	// copied out), and a copy of the reply would be one more allocation.
	out, err := inst.run(ctx, a, in, opts)
	res := Result{Log: cleanLog(inst.st.log)}
	if err == nil {
		res.Outputs, err = decodeReply(a, out)
		if ae, ok := err.(*ActionError); ok && inst.mem.refused {
			// The module met the limit and failed after it, in its own
			// words: most likely because of it, which the timeline names
			// with those words (spec/wasm.md, Limits).
			err = &LimitError{Action: a.Name, Limit: LimitMemory, Max: int64(inst.mem.limit),
				Detail: "the host refused the module memory, and the call then failed with its own error: " + ae.Message}
		}
		m.release(inst, true)
	} else {
		m.release(inst, false)
	}
	return res, err
}

// inputBuffers hold the inputs' JSON while a call encodes and passes them;
// most calls' fit in the first buffer's 256 bytes. One that grew past
// maxPooledInput is not kept.
var inputBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

const maxPooledInput = DefaultMaxInput

// instance is one instantiation of a module.
type instance struct {
	mod     api.Module
	alloc   api.Function
	mem     *linearMemory
	box     *sandbox
	actions map[string]api.Function
	in      inputBuffer         // set by reserveInput or restore
	globals []api.MutableGlobal // the exported mutable globals, for restore
	stop    api.MutableGlobal   // its stop global, set to end a call; nil when not instrumented
	cctx    *callContext        // the context of its calls, armed for each

	// What its calls wrote, when the module marks it (track.go): $dirty
	// and $shift, the chunks the host wrote (the inputs), and whether
	// its next reset copies the whole memory (a new instance's).
	dirty, shift api.MutableGlobal
	hostDirty    uint64
	whole        bool
	st           callState // what its host functions share with the call running, cleared for each
	stack        [2]uint64 // an export call's parameters and result
}

// run passes the inputs, calls the action and returns the reply, as the
// module's memory holds it: valid until the instance is released.
func (inst *instance) run(ctx context.Context, a *manifest.Action, in []byte, opts *Options) ([]byte, error) {
	st := &inst.st
	st.log, st.maxLog, st.logExceeded = st.log[:0], opts.MaxLog, false
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if inst.cctx == nil {
		inst.cctx = newCallContext()
	}
	cctx := inst.cctx
	cctx.arm(ctx, opts.CallTimeout, st, inst.stop)
	defer func() {
		if !cctx.finish() {
			cctx.timer.Stop() // left set (deadline.go); release no longer sees it
			inst.cctx = nil
		}
	}()
	st.ctx = cctx
	inst.box.reset(st)
	inst.mem.refused = false
	fail := func(err error) ([]byte, error) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, classifyCall(a.Name, err, cctx, st, inst.mem, opts)
	}
	stack := inst.stack[:]
	ptr := inst.in.ptr
	if uint64(len(in)) > uint64(inst.in.cap) {
		stack[0] = uint64(len(in))
		if err := inst.alloc.CallWithStack(cctx, stack); err != nil {
			_, err := fail(err)
			if te, ok := err.(*TrapError); ok {
				te.In = allocExport
			}
			return nil, err
		}
		ptr = api.DecodeU32(stack[0])
		if reason := allocFailed(ptr, len(in), inst.mod.Memory()); reason != "" {
			if inst.mem.refused {
				// It failed because the host refused it memory.
				return nil, &LimitError{Action: a.Name, Limit: LimitMemory, Max: int64(inst.mem.limit), Detail: reason}
			}
			return nil, &OutputError{Action: a.Name, Reason: reason, Alloc: true}
		}
	}
	if !inst.mod.Memory().Write(ptr, in) {
		return nil, &OutputError{Action: a.Name, Reason: fmt.Sprintf("stagecraft_alloc(%d) returned %d, out of the memory's bounds", len(in), ptr), Alloc: true}
	}
	if inst.dirty != nil {
		inst.hostDirty |= chunkRange(ptr, uint32(len(in)), inst.shift.Get())
	}
	stack[0], stack[1] = uint64(ptr), uint64(len(in))
	if err := inst.actions[a.Name].CallWithStack(cctx, stack); err != nil {
		return fail(err)
	}
	if st.logExceeded {
		return nil, &LimitError{Action: a.Name, Limit: LimitLog, Max: int64(opts.MaxLog)}
	}
	optr, olen := uint32(stack[0]>>32), uint32(stack[0])
	if size := inst.mod.Memory().Size(); uint64(optr)+uint64(olen) > uint64(size) {
		// Before the limit: a pointer and a length packed the wrong way
		// round, or a pointer alone, reads as a reply of megabytes, which
		// is no limit to raise but a mistake to mend.
		return nil, &OutputError{Action: a.Name, Reason: fmt.Sprintf("the reply (%d bytes at %d) is out of the memory's bounds (%d bytes): "+
			"an action returns its reply's pointer and length as one i64, ptr<<32 | len (spec/wasm.md, A module)", olen, optr, size)}
	}
	if int64(olen) > int64(opts.MaxOutput) {
		return nil, &LimitError{Action: a.Name, Limit: LimitOutput, Max: int64(opts.MaxOutput), Detail: fmt.Sprintf("a reply of %d bytes", olen)}
	}
	out, _ := inst.mod.Memory().Read(optr, olen)
	return out, nil
}

func (m *Module) classify(action string, err error, cctx context.Context, st *callState, mem *linearMemory, limit time.Duration) error {
	opts := m.host.opts
	opts.CallTimeout = limit
	return classifyCall(action, err, cctx, st, mem, &opts)
}

// classifyCall names what stopped a call: a limit, or a trap.
func classifyCall(action string, err error, cctx context.Context, st *callState, mem *linearMemory, opts *Options) error {
	var exit *sys.ExitError
	switch {
	case mem.refused:
		return &LimitError{Action: action, Limit: LimitMemory, Max: int64(mem.limit),
			Detail: "the module asked for more memory and trapped: " + firstLine(err.Error())}
	case st.logExceeded || errors.As(err, new(logLimitPanic)):
		return &LimitError{Action: action, Limit: LimitLog, Max: int64(opts.MaxLog)}
	case errors.Is(cctx.Err(), context.DeadlineExceeded):
		return &LimitError{Action: action, Limit: LimitTime, Max: opts.CallTimeout.Milliseconds()}
	case errors.As(err, &exit):
		return &TrapError{Action: action, Reason: fmt.Sprintf("exit code %d", exit.ExitCode())}
	}
	return &TrapError{Action: action, Reason: firstLine(err.Error())}
}

// allocFailed says why a buffer stagecraft_alloc(size) returned at ptr
// cannot take the inputs, or "". 0 is C's NULL, how allocators say they
// failed (spec/wasm.md, A call): writing there would overwrite the
// module's own data at address 0, and a wrong value would reach the rules.
func allocFailed(ptr uint32, size int, mem api.Memory) string {
	switch {
	case ptr == 0:
		return fmt.Sprintf("stagecraft_alloc(%d) returned 0 (NULL): the allocation failed", size)
	case uint64(ptr)+uint64(size) > uint64(mem.Size()):
		return fmt.Sprintf("stagecraft_alloc(%d) returned %d, out of the memory's bounds", size, ptr)
	}
	return ""
}
