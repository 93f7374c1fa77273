package wasm

import (
	"context"
	"io"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// callState is what the host functions of one call share with Invoke.
type callState struct {
	ctx         context.Context
	log         []byte
	maxLog      int
	logExceeded bool
	discard     bool // making an instance ready: what it logs is dropped, with no limit (spec/wasm.md, A call)
}

// write appends to the log, refusing what would pass the limit.
func (s *callState) write(p []byte) bool {
	if s.discard {
		return true
	}
	if len(s.log)+len(p) > s.maxLog {
		s.logExceeded = true
		return false
	}
	s.log = append(s.log, p...)
	return true
}

type stateKey struct{}

// logLimitPanic stops a module that writes more log than the limit.
type logLimitPanic struct{}

func (logLimitPanic) Error() string { return "log limit exceeded" }

// instantiateHost builds the two host modules a module may import from.
// The WASI functions are wazero's, with two overridden so that nothing a
// call does to them outlives the call: fd_close and fd_fdstat_set_flags
// succeed without closing or changing anything. fd_seek is the host's
// own too: wasi-libc's stdio links it into every C module that formats
// text (snprintf included), and a stub that never moves anything and
// writes no memory keeps the module deterministic and its calls' marks
// cheap (track.go); wazero's would answer from its file table.
func instantiateHost(ctx context.Context, rt wazero.Runtime) (map[string]map[string]api.FunctionDefinition, error) {
	logFn := api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
		s, _ := ctx.Value(stateKey{}).(*callState)
		if s == nil {
			return
		}
		if err := s.ctx.Err(); err != nil { // honour the deadline: a host call ends with it
			panic(err)
		}
		p, ok := m.Memory().Read(api.DecodeU32(stack[0]), api.DecodeU32(stack[1]))
		if !ok {
			panic("stagecraft.log: message out of bounds")
		}
		if !s.write(p) || !s.write([]byte{'\n'}) {
			panic(logLimitPanic{})
		}
	})
	host, err := rt.NewHostModuleBuilder(hostModule).NewFunctionBuilder().
		WithGoModuleFunction(logFn, []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, nil).
		WithParameterNames("ptr", "len").Export("log").Instantiate(ctx)
	if err != nil {
		return nil, err
	}
	b := rt.NewHostModuleBuilder(wasiModule)
	wasi_snapshot_preview1.NewFunctionExporter().ExportFunctions(b)
	succeed := api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) { stack[0] = 0 })
	b.NewFunctionBuilder().WithGoModuleFunction(succeed, []api.ValueType{api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).Export("fd_close")
	b.NewFunctionBuilder().WithGoModuleFunction(succeed, []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).Export("fd_fdstat_set_flags")
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(fdSeek),
		[]api.ValueType{api.ValueTypeI32, api.ValueTypeI64, api.ValueTypeI32, api.ValueTypeI32}, []api.ValueType{api.ValueTypeI32}).
		WithParameterNames("fd", "offset", "whence", "result.newoffset").Export("fd_seek")
	wasi, err := b.Instantiate(ctx)
	if err != nil {
		return nil, err
	}
	defs := map[string]map[string]api.FunctionDefinition{}
	for _, m := range []api.Module{host, wasi} {
		defs[m.Name()] = m.ExportedFunctionDefinitions()
	}
	return defs, nil
}

// WASI's error numbers the host's own functions return.
const (
	wasiEBADF  = 8
	wasiESPIPE = 70
)

// fdSeek is WASI's fd_seek, which never seeks: stdin, stdout and stderr
// are streams (stdout and stderr are the call's log), so ESPIPE, as
// lseek on a pipe says; no other descriptor exists (no files), so
// EBADF. It writes no result, whatever the descriptor.
func fdSeek(_ context.Context, _ api.Module, stack []uint64) {
	if fd := api.DecodeU32(stack[0]); fd <= 2 {
		stack[0] = wasiESPIPE
	} else {
		stack[0] = wasiEBADF
	}
}

// sandbox is the deterministic world of one instance: a fake clock and a
// fixed-seed random stream, and the log that stdout and stderr write to.
// Initialisation starts both from zero; every call starts them again from
// where initialisation left them (init), so that a runtime inside the
// module (Go's) never sees its clock go back, and every call sees the same.
type sandbox struct {
	ticks int64  // clock readings so far
	rng   uint64 // splitmix64 state
	init  [2]uint64
	state *callState
}

const rngSeed = 0x5eed5eed5eed5eed

// start begins initialisation.
func (s *sandbox) start(st *callState) { s.ticks, s.rng, s.state = 0, rngSeed, st }

// initialised records the state every call starts from.
func (s *sandbox) initialised() { s.init = [2]uint64{uint64(s.ticks), s.rng} }

// reset begins a call.
func (s *sandbox) reset(st *callState) { s.ticks, s.rng, s.state = int64(s.init[0]), s.init[1], st }

// now is the fake clock: 1970-01-01T00:00:00Z on the first reading, 1 ms
// later on every next one. A module learns today's date from its inputs.
func (s *sandbox) now() int64 {
	t := s.ticks * 1e6
	s.ticks++
	return t
}

func (s *sandbox) Read(p []byte) (int, error) {
	for i := range p {
		if i%8 == 0 {
			s.rng += 0x9e3779b97f4a7c15
		}
		z := s.rng
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		p[i] = byte(z >> (8 * (i % 8)))
	}
	return len(p), nil
}

func (s *sandbox) Write(p []byte) (int, error) {
	if s.state == nil || !s.state.write(p) {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}

func (s *sandbox) config(start []string) wazero.ModuleConfig {
	return wazero.NewModuleConfig().WithName("").WithStartFunctions(start...).
		WithStdout(s).WithStderr(s).WithRandSource(s).
		WithWalltime(func() (int64, int32) { t := s.now(); return t / 1e9, int32(t % 1e9) }, 1).
		WithNanotime(s.now, 1).
		WithNanosleep(func(int64) {}).WithOsyield(func() {})
}

// linearMemory backs an instance's memory so that the host sees a grow
// refused by the memory limit (wazero's own limit only makes memory.grow
// return -1, which a module may turn into any trap).
//
// The memory starts in the Go heap, as large as the module's minimum:
// most instances never grow, and the heap's pages are often ones an
// earlier instance touched already. Its first grow past that moves it,
// once, into a mapping of the whole limit reserved from the kernel
// (reserve: pages that cost nothing until touched), so that a module
// growing a page at a time to the limit costs no copy and no zeroing per
// grow. Before, each doubling made and zeroed a new buffer and copied the
// old: a C module growing by 1 MiB to the 16 MiB limit spent 20-120 ms in
// grows alone on this virtual machine, whose page faults are slow, and met
// the time limit before it could meet the memory limit.
type linearMemory struct {
	buf     []byte
	limit   uint64
	refused bool
	mapped  bool // buf is a reserved mapping of the limit (reserve)
}

func (l *linearMemory) Reallocate(size uint64) []byte {
	if size > l.limit {
		l.refused = true
		return nil
	}
	if size <= uint64(cap(l.buf)) {
		n := len(l.buf)
		l.buf = l.buf[:size]
		if !l.mapped { // a mapping's pages past the memory were never part of it: zero
			clear(l.buf[n:])
		}
		return l.buf
	}
	if cap(l.buf) > 0 { // a grow past the start, not the start (Allocate)
		if m := l.reserve(); m != nil {
			copy(m, l.buf)
			l.buf, l.mapped = m[:size], true
			return l.buf
		}
	}
	c := max(size, min(2*uint64(cap(l.buf)), l.limit))
	nb := make([]byte, size, c)
	copy(nb, l.buf)
	l.buf = nb
	return nb
}

// Free gives a mapping's pages back to the kernel (release); the mapping
// itself goes once nothing can reach it. A guest still running in it (a
// host closed during a call) reads zeros from then on, and faults on
// nothing.
func (l *linearMemory) Free() {
	if l.mapped {
		release(l.buf[:cap(l.buf)])
	}
	l.buf, l.mapped = nil, false
}

// Allocate implements experimental.MemoryAllocator: an instance has one
// memory, and it is this one.
// The buffer is made by the first Reallocate, as large as the memory's
// minimum: the capacity wazero suggests can be the whole limit, and
// zeroing 16 MiB per instance costs more than the call.
func (l *linearMemory) Allocate(_, _ uint64) experimental.LinearMemory {
	l.buf, l.mapped = nil, false
	return l
}
