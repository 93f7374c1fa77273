package wasm

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// Run with (spec/wasm.md, Performance):
//
//	go test ./runtime/wasm -run '^$' -bench '^(BenchmarkCall|BenchmarkRaw|BenchmarkRawDeadline|BenchmarkRawFresh|BenchmarkReset)$' -benchtime 3000x
//	go test ./runtime/wasm -run '^$' -bench BenchmarkFirstCallGo -benchtime 3x -count 2
//	go test ./runtime/wasm -run '^$' -bench BenchmarkRawFirstCallGo -benchtime 3x -count 2

var benchCases = []struct {
	dir, action string
	in          func() map[string]value.Value
}{
	{"wat", "rabat", func() map[string]value.Value {
		return map[string]value.Value{"amount": value.MoneyOf(12300), "category": value.TextOf("Kuchnie")}
	}},
	{"assemblyscript", "lead_score", func() map[string]value.Value {
		return map[string]value.Value{"amount": value.MoneyOf(12000), "source": value.TextOf("web")}
	}},
	{"go", "e164", func() map[string]value.Value {
		return map[string]value.Value{"number": value.TextOf("602 000 111")}
	}},
}

// BenchmarkCall is the whole of Call: inputs checked and encoded, a clean
// instance, the call under its limits, the reply decoded and checked.
func BenchmarkCall(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.dir, func(b *testing.B) {
			m := load(b, newHost(b, Options{}), example(b, c.dir))
			in := c.in()
			defer cpuPerOp(b)()
			for b.Loop() {
				if _, err := m.Call(context.Background(), c.action, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCallCancelable is Call under a context that can be canceled,
// as the engine's calls are (a server's request): the caller's
// cancellation is watched for each call.
func BenchmarkCallCancelable(b *testing.B) {
	for _, c := range benchCases[:2] {
		b.Run(c.dir, func(b *testing.B) {
			m := load(b, newHost(b, Options{}), example(b, c.dir))
			in := c.in()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			defer cpuPerOp(b)()
			for b.Loop() {
				if _, err := m.Call(ctx, c.action, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRaw is the same module called with wazero alone, on one
// instance kept from call to call: the input's bytes written into a buffer
// allocated once, the action called, the reply's bytes read; no checks, no
// isolation.
func BenchmarkRaw(b *testing.B) { benchRaw(b, false) }

// BenchmarkRawDeadline is Raw with wazero's own deadline: a runtime that
// closes a module when its context is done (WithCloseOnContextDone, which
// costs a goroutine per call of an export and a trip to Go per loop
// iteration) and a context with a timeout for each call: what a deadline
// costs on wazero without the host's instrumentation (instrument.go).
func BenchmarkRawDeadline(b *testing.B) { benchRaw(b, true) }

func benchRaw(b *testing.B, deadline bool) {
	for _, c := range benchCases {
		b.Run(c.dir, func(b *testing.B) {
			ctx := context.Background()
			rt, compiled := rawRuntime(b, example(b, c.dir), deadline)
			defer rt.Close(ctx)
			mod, err := rt.InstantiateModule(ctx, compiled, rawConfig(compiled))
			if err != nil {
				b.Fatal(err)
			}
			h := newHost(b, Options{})
			a := load(b, h, example(b, c.dir)).Manifest().Action(c.action)
			in, _ := encodeInputs(nil, a, c.in())
			// One buffer for every call, as Call does with the buffer it
			// reserves in the snapshot: one export call per action.
			r, err := mod.ExportedFunction("stagecraft_alloc").Call(ctx, uint64(len(in)))
			if err != nil {
				b.Fatal(err)
			}
			ptr, fn := uint32(r[0]), mod.ExportedFunction(a.Export())
			defer cpuPerOp(b)()
			for b.Loop() {
				if deadline {
					// 10 s, not the default: the cost does not depend on the
					// length, and on a loaded machine a collection in the
					// never-reset Go guest can pass 100 ms.
					cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					rawAction(b, cctx, mod, fn, ptr, in)
					cancel()
				} else {
					rawAction(b, ctx, mod, fn, ptr, in)
				}
			}
		})
	}
}

// BenchmarkRawFresh is Raw with a new instance for every call: the cost
// of isolation by instantiation alone.
func BenchmarkRawFresh(b *testing.B) {
	for _, c := range benchCases {
		b.Run(c.dir, func(b *testing.B) {
			ctx := context.Background()
			rt, compiled := rawRuntime(b, example(b, c.dir), false)
			defer rt.Close(ctx)
			a := load(b, newHost(b, Options{}), example(b, c.dir)).Manifest().Action(c.action)
			in, _ := encodeInputs(nil, a, c.in())
			cfg := rawConfig(compiled)
			defer cpuPerOp(b)()
			for b.Loop() {
				mod, err := rt.InstantiateModule(ctx, compiled, cfg)
				if err != nil {
					b.Fatal(err)
				}
				rawCall(b, ctx, mod, mod.ExportedFunction("stagecraft_alloc"), mod.ExportedFunction(a.Export()), in)
				mod.Close(ctx)
			}
		})
	}
}

func rawRuntime(b *testing.B, bin []byte, deadline bool) (wazero.Runtime, wazero.CompiledModule) {
	ctx := context.Background()
	// wazero's cache key leaves WithCloseOnContextDone out: code compiled
	// without its exit checks, cached where the hosts look, would give
	// them loops that no deadline stops. Raw compiles into its own.
	dir := cacheDir()
	if !deadline {
		dir = filepath.Join(dir, "raw")
	}
	rt, _ := rawRuntimeIn(b, dir, deadline)
	compiled, err := rt.CompileModule(ctx, bin)
	if err != nil {
		b.Fatal(err)
	}
	return rt, compiled
}

// rawRuntimeIn is a wazero runtime with its compilation cache in dir and
// the host modules a module imports from (stagecraft.log doing nothing).
func rawRuntimeIn(b *testing.B, dir string, deadline bool) (wazero.Runtime, wazero.CompilationCache) {
	ctx := context.Background()
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCompilationCache(cache).WithCloseOnContextDone(deadline))
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	_, err = rt.NewHostModuleBuilder("stagecraft").NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(context.Context, api.Module, []uint64) {}), []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, nil).
		Export("log").Instantiate(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return rt, cache
}

func rawConfig(c wazero.CompiledModule) wazero.ModuleConfig {
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions()
	if _, ok := c.ExportedFunctions()["_initialize"]; ok {
		cfg = cfg.WithStartFunctions("_initialize")
	}
	return cfg
}

func rawCall(b *testing.B, ctx context.Context, mod api.Module, alloc, fn api.Function, in []byte) {
	r, err := alloc.Call(ctx, uint64(len(in)))
	if err != nil {
		b.Fatal(err)
	}
	rawAction(b, ctx, mod, fn, uint32(r[0]), in)
}

// rawAction writes the inputs at ptr, calls the action and reads the reply.
func rawAction(b *testing.B, ctx context.Context, mod api.Module, fn api.Function, ptr uint32, in []byte) {
	mod.Memory().Write(ptr, in)
	r, err := fn.Call(ctx, uint64(ptr), uint64(len(in)))
	if err != nil {
		b.Fatal(err)
	}
	out, ok := mod.Memory().Read(uint32(r[0]>>32), uint32(r[0]))
	if !ok || len(out) == 0 {
		b.Fatal("no reply")
	}
}

// BenchmarkFirstCallGo is a new host's Load and first Call of the Go
// example: compiled from scratch (an empty cache directory each time), or
// read from a compilation cache on disk that an earlier host filled.
func BenchmarkFirstCallGo(b *testing.B) {
	bin := example(b, "go")
	in := map[string]value.Value{"number": value.TextOf("602 000 111")}
	first := func(b *testing.B, dir string) {
		ctx := context.Background()
		h, err := New(ctx, Options{CacheDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close(ctx)
		m, err := h.Load(ctx, bin)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Call(ctx, "e164", in); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("nocache", func(b *testing.B) {
		defer cpuPerOp(b)()
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			b.StartTimer()
			first(b, dir)
			b.StopTimer()
			os.RemoveAll(dir)
			b.StartTimer()
		}
	})
	b.Run("cache", func(b *testing.B) {
		dir := b.TempDir()
		first(b, dir) // fills the cache
		defer cpuPerOp(b)()
		for b.Loop() {
			first(b, dir)
		}
	})
}

// BenchmarkRawFirstCallGo is FirstCallGo/cache with wazero alone: a new
// runtime whose compilation cache an earlier one filled compiles the Go
// example as it is, instantiates it (_initialize) and calls e164 once; no
// rewrite, no checks, no snapshot. The floor of FirstCallGo/cache.
func BenchmarkRawFirstCallGo(b *testing.B) {
	bin := example(b, "go")
	ctx := context.Background()
	man, err := manifest.Read(bin)
	if err != nil {
		b.Fatal(err)
	}
	a := man.Action("e164")
	in, _ := encodeInputs(nil, a, map[string]value.Value{"number": value.TextOf("602 000 111")})
	dir := b.TempDir()
	first := func() {
		rt, cache := rawRuntimeIn(b, dir, false)
		defer cache.Close(ctx)
		defer rt.Close(ctx)
		compiled, err := rt.CompileModule(ctx, bin)
		if err != nil {
			b.Fatal(err)
		}
		mod, err := rt.InstantiateModule(ctx, compiled, rawConfig(compiled))
		if err != nil {
			b.Fatal(err)
		}
		rawCall(b, ctx, mod, mod.ExportedFunction("stagecraft_alloc"), mod.ExportedFunction(a.Export()), in)
	}
	first() // fills the cache
	defer cpuPerOp(b)()
	for b.Loop() {
		first()
	}
}

// cpuPerOp reports the process's CPU time per call (cpu-µs/op), user and
// system, every thread: on 2 cores shared with other work, ns/op counts
// the waits for a core too, and varies several times from run to run.
// Call it before b.Loop and defer what it returns.
func cpuPerOp(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReset is the reset alone, memory and globals set back to the
// snapshot: "whole" copies the whole memory (a new instance's first reset,
// and every reset of a module that is not tracked); "call" copies the
// chunks that one call of the benchmark's action marked (track.go), what
// Call's reset costs. snapshot-bytes is the memory's size, copied-bytes
// what the reset copies.
func BenchmarkReset(b *testing.B) {
	for _, c := range benchCases {
		for _, whole := range []bool{true, false} {
			name := c.dir + "/call"
			if whole {
				name = c.dir + "/whole"
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				m := load(b, newHost(b, Options{}), example(b, c.dir))
				inst, err := m.acquire(ctx)
				if err != nil {
					b.Fatal(err)
				}
				defer m.release(inst, false)
				a := m.man.Action(c.action)
				in, _ := encodeInputs(nil, a, c.in())
				if _, err := inst.run(ctx, a, in, m.host.limits(ctx)); err != nil {
					b.Fatal(err)
				}
				if !m.tracks {
					b.Fatal("not tracked")
				}
				snap := m.pool.snap
				marked := inst.dirty.Get() | inst.hostDirty
				copied := uint64(len(snap.mem))
				if !whole {
					copied = 0
					for k := uint64(0); k < chunks; k++ {
						if marked&(1<<k) != 0 {
							copied += min(1<<snap.shift+chunkSlack, uint64(len(snap.mem))-k<<snap.shift)
						}
					}
				}
				report := cpuPerOp(b)
				for b.Loop() {
					inst.whole = whole
					inst.dirty.Set(marked)
					if err := inst.restore(snap, m.scan.globals); err != nil {
						b.Fatal(err)
					}
				}
				report()
				b.ReportMetric(float64(len(snap.mem)), "snapshot-bytes")
				b.ReportMetric(float64(copied), "copied-bytes")
			})
		}
	}
}

// BenchmarkGrowSteps is a call that grows its memory 1 MiB at a time to
// the 16 MiB limit, writing a byte of each new MiB, and fails with its
// own error (testdata/growstep.wat, as a C allocator meets the limit):
// what the grows cost, its instance closed and the next made from the
// snapshot included.
func BenchmarkGrowSteps(b *testing.B) {
	m := load(b, newHost(b, Options{}), wat(b, "growstep"))
	defer cpuPerOp(b)()
	for b.Loop() {
		if _, err := m.Call(context.Background(), "say", nil); err == nil {
			b.Fatal("no memory limit")
		}
	}
}
