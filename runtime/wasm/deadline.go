package wasm

import (
	"context"
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
// straight-line code: instrument.go); a module that could not be instrumented
// runs under WithCloseOnContextDone, and wazero closes it when Done is
// closed, as with any context.
//
// Done is closed at most once: by the timer (DeadlineExceeded) or when the
// caller's context is done (its error). A callContext that was closed, or
// whose timer or caller's callback may still run, is never armed again
// (finish says so, and the instance makes a new one), so that nothing of
// one call's deadline reaches another call.
type callContext struct {
	parent   context.Context
	deadline time.Time
	state    *callState
	timer    *time.Timer
	unwatch  func() bool // unregisters the callback on the caller's context
	done     chan struct{}

	mu   sync.Mutex
	err  error
	stop api.MutableGlobal // the instance's stop global while a call runs; nil otherwise
}

func newCallContext() *callContext {
	c := &callContext{done: make(chan struct{})}
	c.timer = time.AfterFunc(time.Hour, func() { c.cancel(context.DeadlineExceeded) })
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
	c.mu.Lock()
	c.stop = stop
	c.mu.Unlock()
	c.deadline = time.Now().Add(limit)
	if d, ok := parent.Deadline(); ok && d.Before(c.deadline) {
		c.deadline = d
	}
	c.timer.Reset(limit)
	if parent.Done() != nil {
		c.unwatch = context.AfterFunc(parent, func() { c.cancel(parent.Err()) })
	}
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
// A timer or a caller's callback that was already running when it was
// stopped finds the stop global gone: it never stops the instance's next
// call.
func (c *callContext) finish() bool {
	ok := c.timer.Stop()
	if c.unwatch != nil && !c.unwatch() {
		ok = false
	}
	c.mu.Lock()
	c.stop = nil
	ok = ok && c.err == nil
	c.mu.Unlock()
	c.parent, c.state, c.unwatch = nil, nil, nil
	return ok
}

func (c *callContext) cancel(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
		if c.stop != nil {
			c.stop.Set(1)
		}
	}
}

func (c *callContext) Deadline() (time.Time, bool) { return c.deadline, true }
func (c *callContext) Done() <-chan struct{}       { return c.done }

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
