package wasm

import (
	"context"
	"sync"
	"time"
)

// callContext is the context a call runs under: the caller's, with the
// call's time limit and its callState. An instance keeps one from call to
// call and arms it again: a context.WithTimeout and a WithValue per call
// cost six allocations and a new runtime timer, about a tenth of a small
// module's whole call. wazero (WithCloseOnContextDone) closes the module
// when Done is closed, as with any context.
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
	stop     func() bool // unregisters the callback on the caller's context
	done     chan struct{}

	mu  sync.Mutex
	err error
}

func newCallContext() *callContext {
	c := &callContext{done: make(chan struct{})}
	c.timer = time.AfterFunc(time.Hour, func() { c.cancel(context.DeadlineExceeded) })
	c.timer.Stop()
	return c
}

// arm starts a call of at most limit under parent.
func (c *callContext) arm(parent context.Context, limit time.Duration, st *callState) {
	c.parent, c.state = parent, st
	c.deadline = time.Now().Add(limit)
	if d, ok := parent.Deadline(); ok && d.Before(c.deadline) {
		c.deadline = d
	}
	c.timer.Reset(limit)
	if parent.Done() != nil {
		c.stop = context.AfterFunc(parent, func() { c.cancel(parent.Err()) })
	}
}

// finish ends a call; false when the context cannot serve another one.
func (c *callContext) finish() bool {
	ok := c.timer.Stop()
	if c.stop != nil && !c.stop() {
		ok = false
	}
	c.parent, c.state, c.stop = nil, nil, nil
	return ok && c.Err() == nil
}

func (c *callContext) cancel(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
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
