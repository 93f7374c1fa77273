package wasm

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"runtime"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/stagecraft/stagecraft/runtime/action"
)

// Instances. A call never runs on an instance in a state another call
// left: either the instance is new, or it has been reset to the state
// right after initialisation, its memory copied back byte for byte from a
// snapshot and every mutable global set back to its value. Reset is used
// only when scan found nothing else a call could change (tables,
// segments); otherwise every call gets a new instance. An instance whose
// call failed (a trap, a limit) or whose memory grew is closed, never
// reset. Of a module that marks what its calls write (track.go), reset
// copies back only the chunks of memory marked, and the whole memory at
// an instance's first reset (wazero wrote its data segments, unmarked).

// snapshot is a module's state right after initialisation.
type snapshot struct {
	mem     []byte
	globals []uint64
	box     [2]uint64 // the sandbox's clock and random stream
	in      inputBuffer
	shift   uint64 // the memory's chunks are 2^shift bytes (track.go)
}

// inputBuffer is a buffer stagecraft_alloc returned while the snapshot was
// taken: it is part of the snapshot's memory, so after every reset it is
// allocated again and free for the next call's inputs, and a call whose
// inputs fit needs one export call (the action) instead of two. Every
// export call under WithCloseOnContextDone costs wazero a goroutine, more
// than a small module's whole action. cap 0: none.
type inputBuffer struct{ ptr, cap uint32 }

// inputReserve is the size of the buffer asked for with the snapshot. It
// is a constant, not a fraction of Options.MaxInput: the state a call
// starts from must not depend on the host's settings, so that a replay
// elsewhere calls the module in the same state.
const inputReserve = 4096

type pool struct {
	mu   sync.Mutex
	snap *snapshot
	idle []*instance
}

// maxIdle bounds the instances a module keeps ready.
var maxIdle = 2 * runtime.GOMAXPROCS(0)

// instantiateModule is wazero's InstantiateModule, with a panic of
// wazero's turned into a *ModuleError, as compileModule does.
func instantiateModule(ctx context.Context, rt wazero.Runtime, c wazero.CompiledModule, cfg wazero.ModuleConfig) (mod api.Module, err error) {
	defer func() {
		if p := recover(); p != nil {
			mod, err = nil, &ModuleError{Reason: fmt.Sprintf("wazero failed instantiating the module: %v", p)}
		}
	}()
	return rt.InstantiateModule(ctx, c, cfg)
}

// acquire returns a ready instance: an idle one, or a new one.
func (m *Module) acquire(ctx context.Context) (*instance, error) {
	if !m.scan.resettable {
		return m.instantiate(ctx, m.start)
	}
	m.pool.mu.Lock()
	if n := len(m.pool.idle); n > 0 {
		inst := m.pool.idle[n-1]
		m.pool.idle = m.pool.idle[:n-1]
		m.pool.mu.Unlock()
		return inst, nil
	}
	snap := m.pool.snap
	m.pool.mu.Unlock()
	if snap == nil {
		// The first instance is initialised as usual, asked for the input
		// buffer, and its state is the snapshot. A module that cannot
		// give a buffer that large is initialised again without one: its
		// calls ask for one each, as without a snapshot.
		inst, err := m.instantiate(ctx, m.start)
		if err != nil {
			return nil, err
		}
		if err := inst.reserveInput(ctx, m.host.limits(ctx)); err != nil {
			inst.mod.Close(context.Background())
			if inst, err = m.instantiate(ctx, m.start); err != nil {
				return nil, err
			}
		}
		s, err := inst.snapshot(m.scan.globals)
		if err != nil {
			inst.mod.Close(context.Background())
			return nil, err
		}
		m.pool.mu.Lock()
		if m.pool.snap == nil {
			m.pool.snap = s
		} else if inst.dirty != nil {
			// Another first call's snapshot was kept, not this one's:
			// its marks count from a memory that is not the snapshot
			// (its initialisation may have written other bytes), so
			// its first reset copies all of it back.
			inst.whole = true
		}
		m.pool.mu.Unlock()
		return inst, nil
	}
	// Later ones skip _initialize: the snapshot is its result.
	inst, err := m.instantiate(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err := inst.restore(snap, m.scan.globals); err != nil {
		inst.mod.Close(context.Background())
		return nil, err
	}
	return inst, nil
}

// release resets an instance after a successful call and keeps it, or
// closes it.
func (m *Module) release(inst *instance, ok bool) {
	if ok && m.scan.resettable {
		m.pool.mu.Lock()
		snap, keep := m.pool.snap, len(m.pool.idle) < maxIdle
		m.pool.mu.Unlock()
		if snap != nil && keep && inst.restore(snap, m.scan.globals) == nil {
			m.pool.mu.Lock()
			m.pool.idle = append(m.pool.idle, inst)
			m.pool.mu.Unlock()
			return
		}
	}
	if inst.cctx != nil {
		inst.cctx.timer.Stop() // left set from call to call (deadline.go)
	}
	inst.mod.Close(context.Background())
}

func (inst *instance) snapshot(globals []uint32) (*snapshot, error) {
	mem := inst.mod.Memory()
	b, ok := mem.Read(0, mem.Size())
	if !ok {
		return nil, fmt.Errorf("snapshot: memory unreadable")
	}
	s := &snapshot{mem: append([]byte(nil), b...), box: inst.box.init, in: inst.in, shift: chunkShift(uint64(len(b)))}
	if inst.dirty != nil {
		// The memory is the snapshot's: nothing to copy back yet.
		inst.shift.Set(s.shift)
		inst.dirty.Set(0)
		inst.whole = false
	}
	for _, g := range globals {
		x := inst.mod.ExportedGlobal(globalExport(g))
		if x == nil {
			return nil, fmt.Errorf("snapshot: global %d not exported", g)
		}
		s.globals = append(s.globals, x.Get())
	}
	return s, nil
}

// restore sets memory and globals back to the snapshot. A memory larger
// than the snapshot's cannot shrink: restore refuses, and the instance is
// closed.
func (inst *instance) restore(s *snapshot, globals []uint32) error {
	mem := inst.mod.Memory()
	size := uint32(len(s.mem))
	if mem.Size() < size {
		if _, ok := mem.Grow((size - mem.Size()) >> 16); !ok {
			return fmt.Errorf("restore: cannot grow memory to %d bytes", size)
		}
	}
	if mem.Size() != size {
		return fmt.Errorf("restore: memory grew to %d bytes", mem.Size())
	}
	inst.box.init, inst.in = s.box, s.in
	buf, ok := mem.Read(0, size)
	if !ok {
		return fmt.Errorf("restore: memory unreadable")
	}
	if inst.dirty == nil || inst.whole {
		copy(buf, s.mem)
		if inst.dirty != nil {
			inst.shift.Set(s.shift)
			inst.whole = false
		}
	} else {
		restoreChunks(buf, s.mem, inst.dirty.Get()|inst.hostDirty, s.shift)
	}
	if inst.dirty != nil {
		inst.dirty.Set(0)
		inst.hostDirty = 0
	}
	if inst.globals == nil {
		// Looked up once per instance: the names are built with Sprintf
		// and found in a map, a cost per global per call otherwise.
		inst.globals = make([]api.MutableGlobal, len(globals))
		for i, g := range globals {
			x, ok := inst.mod.ExportedGlobal(globalExport(g)).(api.MutableGlobal)
			if !ok {
				return fmt.Errorf("restore: global %d not mutable", g)
			}
			inst.globals[i] = x
		}
	}
	for i, x := range inst.globals {
		x.Set(s.globals[i])
	}
	return nil
}

// restoreChunks copies back from snap into mem the chunks of 2^shift
// bytes whose bits dirty has, each with the chunkSlack bytes after it
// that a write marked in it may reach; neighbouring chunks in one copy.
func restoreChunks(mem, snap []byte, dirty, shift uint64) {
	for dirty != 0 {
		lo := uint64(bits.TrailingZeros64(dirty))
		n := uint64(bits.TrailingZeros64(^(dirty >> lo))) // the run of chunks from lo
		if lo+n >= chunks {
			dirty = 0
		} else {
			dirty &^= (1<<n - 1) << lo
		}
		from, to := lo<<shift, min((lo+n)<<shift+chunkSlack, uint64(len(snap)))
		if from < to {
			copy(mem[from:to], snap[from:to])
		}
	}
}

// reserveInput asks a new instance for the input buffer, under
// Options.InitTimeout: it is part of making the instance ready.
func (inst *instance) reserveInput(ctx context.Context, opts *Options) error {
	st := &callState{discard: true} // what it logs is discarded, unlimited: InitTimeout bounds it
	cctx := newCallContext()
	cctx.arm(ctx, opts.InitTimeout, st, inst.stop)
	defer cctx.close()
	st.ctx = cctx
	inst.box.state = st // the clock and random stream go on from _initialize
	r, err := inst.alloc.Call(cctx, inputReserve)
	inst.box.state = nil
	if err != nil {
		return err
	}
	ptr := api.DecodeU32(r[0])
	if reason := allocFailed(ptr, inputReserve, inst.mod.Memory()); reason != "" {
		return errors.New(reason)
	}
	inst.in = inputBuffer{ptr: ptr, cap: inputReserve}
	inst.box.initialised()
	return nil
}

// instantiate makes a new instance, running the start functions given,
// within Options.InitTimeout. An instrumented module is instantiated
// without running anything (its start section is an export): the start
// functions are called once its stop global can be reached.
func (m *Module) instantiate(ctx context.Context, start []string) (*instance, error) {
	opts := m.host.limits(ctx)
	initialises := len(start) > 0 && !action.IsReplaying(ctx)
	if initialises {
		if err := m.initRefusal.kept(); err != nil {
			return nil, err
		}
	}
	inst := &instance{mem: &linearMemory{limit: uint64(opts.MemoryPages) << 16}, box: &sandbox{}}
	st := &callState{discard: true} // what it logs is discarded, unlimited: InitTimeout bounds it
	cctx := newCallContext()
	cctx.arm(ctx, opts.InitTimeout, st, nil)
	defer cctx.close()
	st.ctx = cctx
	inst.box.start(st)
	fail := func(err error) (*instance, error) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = m.classify("_initialize", err, cctx, st, inst.mem, opts.InitTimeout)
		if le, ok := err.(*LimitError); ok && le.Limit == LimitTime && initialises {
			m.initRefusal.timedOut(err)
		}
		return nil, err
	}
	wazeroStart := start
	if m.stops {
		wazeroStart = nil
	}
	mod, err := instantiateModule(experimental.WithMemoryAllocator(cctx, inst.mem), m.rt, m.compiled, inst.box.config(wazeroStart))
	if me, ok := err.(*ModuleError); ok {
		return nil, me
	}
	if err != nil {
		return fail(err)
	}
	if m.stops {
		stop, ok := mod.ExportedGlobal(stopExport).(api.MutableGlobal)
		if !ok {
			mod.Close(context.Background())
			return nil, &ModuleError{Reason: "the host's stop global is missing"}
		}
		inst.stop = stop
		cctx.watch(stop)
		for _, name := range start {
			if _, err := mod.ExportedFunction(name).Call(cctx); err != nil {
				mod.Close(context.Background())
				return fail(err)
			}
		}
	}
	inst.box.initialised()
	if initialises {
		m.initRefusal.initialised()
	}
	inst.mod = mod
	if m.tracks {
		dirty, ok1 := mod.ExportedGlobal(dirtyExport).(api.MutableGlobal)
		shift, ok2 := mod.ExportedGlobal(shiftExport).(api.MutableGlobal)
		if !ok1 || !ok2 {
			mod.Close(context.Background())
			return nil, &ModuleError{Reason: "the host's tracking globals are missing"}
		}
		inst.dirty, inst.shift, inst.whole = dirty, shift, true
	}
	inst.alloc = mod.ExportedFunction(allocExport)
	inst.actions = make(map[string]api.Function, len(m.man.Actions))
	for _, a := range m.man.Actions {
		inst.actions[a.Name] = mod.ExportedFunction(a.Export())
	}
	return inst, nil
}

// initRefusal keeps an initialisation that ran out of time (its
// _initialize or start section) initRefusalStrikes times in a row, for
// initRefusalKept: every call until then fails at once with the same
// error instead of spending Options.InitTimeout of a core to fail the
// same way, since the module starts from the same state each time. One
// time-out is not kept: a busy machine (other calls, a collection) can
// cause it, and a refusal fails the actions of every call it answers,
// which are recorded as failed. After initRefusalKept the next call tries
// again. A replay tries each time: it runs under its own, longer limit.
type initRefusal struct {
	mu      sync.Mutex
	strikes int // time-outs in a row
	err     error
	until   time.Time
}

const (
	initRefusalStrikes = 3
	initRefusalKept    = time.Minute
)

func (r *initRefusal) kept() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil && time.Now().Before(r.until) {
		return r.err
	}
	r.err = nil
	return nil
}

// initialised says an initialisation finished in time.
func (r *initRefusal) initialised() {
	r.mu.Lock()
	r.strikes = 0
	r.mu.Unlock()
}

// timedOut counts an initialisation out of time, and keeps err once
// there have been initRefusalStrikes in a row.
func (r *initRefusal) timedOut(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.strikes++; r.strikes >= initRefusalStrikes {
		r.strikes = 0
		r.err, r.until = err, time.Now().Add(initRefusalKept)
	}
}
