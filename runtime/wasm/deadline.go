package wasm

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// callContext is the context a call runs under: the caller's, with the
// call's time limit and its callState; and the call's watchdog, which
// sets the instance's stop global (instrument.go) when Done is closed. An
// instance keeps one from call to call and arms it again: a
// context.WithTimeout and a WithValue per call cost six allocations and a
// new runtime timer, about a tenth of a small module's whole call. An
// instrumented module stops itself at its next check once the global is
// set (a function's or loop's start, after a call, or within long
// straight-line code: instrument.go); a test's host (noInstrument) runs
// modules under WithCloseOnContextDone, and wazero closes one when Done
// is closed, as with any context.
//
// The timer is not stopped when a call ends nor reset when the next one
// starts: resetting and stopping a runtime timer for every call was a
// tenth of a small call. It stays set for the deadline of the call that
// set it, which is never later than the next call's (the same limit,
// later), and when it fires it looks at the call running then, under mu:
// none, and it stops; one whose deadline has not come, and it is set
// again for that deadline; otherwise it stops that call. So a call is
// stopped when its own deadline passes, as late as a timer fires, and a
// timer set for another call never stops it. A call whose limit is
// shorter than the one the timer was set with (a replay's, or a host's
// other limits) sets the timer again.
//
// Done is closed at most once: by the timer (DeadlineExceeded) or when the
// caller's context is done (its error). A callContext that was closed, or
// whose caller's callback may still run, is never armed again (finish
// says so, and the instance makes a new one), so that nothing of one
// call's deadline reaches another call.
type callContext struct {
	parent  context.Context
	state   *callState
	timer   *time.Timer
	unwatch func() bool // unregisters the callback on the caller's context
	done    chan struct{}

	mu      sync.Mutex
	err     error
	stop    api.MutableGlobal // the instance's stop global while a call runs; nil otherwise
	running bool              // a call is armed and not finished
	due     time.Duration     // the running call's deadline, on the clock of since
	fires   time.Duration     // when the timer is set to fire, on the same clock; 0: not set
}

// epoch is where the deadlines' clock starts: time.Since(epoch) reads the
// monotonic clock alone, where time.Now also reads the wall clock.
var epoch = time.Now()

func since() time.Duration { return time.Since(epoch) }

func newCallContext() *callContext {
	c := &callContext{done: make(chan struct{})}
	c.timer = time.AfterFunc(time.Hour, c.expire)
	c.timer.Stop()
	return c
}

// arm starts a call of at most limit under parent, on an instance whose
// stop global is stop (nil: not instrumented). The global is cleared
// here: no other call's watchdog can reach it any more (finish).
func (c *callContext) arm(parent context.Context, limit time.Duration, st *callState, stop api.MutableGlobal) {
	c.parent, c.state = parent, st
	if stop != nil {
		stop.Set(0)
	}
	// The caller's own deadline is its context's to enforce (below), as
	// for its cancellation: the error is then the caller's.
	now := since()
	due := now + limit
	if limit > math.MaxInt64-now {
		// A limit meant as none (math.MaxInt64, a replay's): the sum
		// would wrap to a deadline already past, and the timer, set for
		// it as far off as it can be, would then never be set again
		// for a later call's shorter one.
		due = math.MaxInt64
	}
	c.mu.Lock()
	c.stop, c.running, c.due = stop, true, due
	if c.fires == 0 || c.fires > due {
		c.fires = due
		c.timer.Reset(due - now)
	}
	c.mu.Unlock()
	if parent.Done() != nil {
		c.unwatch = context.AfterFunc(parent, func() { c.cancel(parent.Err()) })
	}
}

// expire is the timer's: it stops the running call if its deadline has
// passed, and is set again for it if not.
func (c *callContext) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fires = 0
	if !c.running || c.err != nil {
		return
	}
	if now := since(); now < c.due {
		c.fires = c.due
		c.timer.Reset(c.due - now)
		return
	}
	c.cancelLocked(context.DeadlineExceeded)
}

// watch sets the stop global that cancel sets: for an instance whose
// global exists only once it is instantiated, under a context armed
// before.
func (c *callContext) watch(stop api.MutableGlobal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stop = stop
	if c.err != nil {
		stop.Set(1)
	}
}

// finish ends a call; false when the context cannot serve another one.
// A timer or a caller's callback that was already running when it ended
// finds the stop global gone: it never stops the instance's next call.
func (c *callContext) finish() bool {
	ok := true
	if c.unwatch != nil && !c.unwatch() {
		ok = false
	}
	c.mu.Lock()
	c.stop, c.running = nil, false
	ok = ok && c.err == nil
	c.mu.Unlock()
	c.parent, c.state, c.unwatch = nil, nil, nil
	return ok
}

// close finishes a context that serves no other call, and stops its
// timer.
func (c *callContext) close() {
	c.finish()
	c.timer.Stop()
}

func (c *callContext) cancel(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelLocked(err)
}

func (c *callContext) cancelLocked(err error) {
	if c.err == nil {
		c.err = err
		close(c.done)
		if c.stop != nil {
			c.stop.Set(1)
		}
	}
}

func (c *callContext) Deadline() (time.Time, bool) {
	c.mu.Lock()
	d := epoch.Add(c.due)
	c.mu.Unlock()
	if c.parent != nil {
		if pd, ok := c.parent.Deadline(); ok && pd.Before(d) {
			d = pd
		}
	}
	return d, true
}

func (c *callContext) Done() <-chan struct{} { return c.done }

func (c *callContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *callContext) Value(key any) any {
	if key == (stateKey{}) {
		return c.state
	}
	if c.parent == nil {
		return nil
	}
	return c.parent.Value(key)
}
