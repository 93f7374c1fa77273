package wasm

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"
)

// dueNow is the deadline of the call c runs.
func (c *callContext) dueNow() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.due
}

// stopped waits until c's call is stopped, and reports whether it was
// stopped at or after its deadline, as the timer must (no bound is put on
// how late: the machine may be busy).
func stopped(t *testing.T, c *callContext) {
	t.Helper()
	due := c.dueNow()
	select {
	case <-c.Done():
	case <-time.After(time.Minute):
		t.Fatal("a call was never stopped")
	}
	if now := since(); now < due {
		t.Fatalf("a call was stopped %v before its deadline", due-now)
	}
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Fatalf("err %v, want DeadlineExceeded", c.Err())
	}
	if c.finish() {
		t.Fatal("a stopped context would serve another call")
	}
}

// TestCallContextTimerKept: the timer a call sets stays set after it and
// serves the calls after it (deadline.go). It never stops a call before
// that call's own deadline, a timer that fires between calls stops
// nothing, and a call whose limit is shorter than the timer's gets a
// timer of its own.
func TestCallContextTimerKept(t *testing.T) {
	bg := context.Background()
	c := newCallContext()
	c.arm(bg, time.Millisecond, nil, nil)
	if !c.finish() {
		// The machine was too busy for a 1 ms call: nothing to test.
		t.Skip("the first call ran past 1 ms")
	}
	time.Sleep(10 * time.Millisecond) // the timer fires between the calls
	c.arm(bg, time.Hour, nil, nil)
	time.Sleep(10 * time.Millisecond)
	if err := c.Err(); err != nil {
		t.Fatalf("a timer set for a call before stopped the next: %v", err)
	}
	if !c.finish() {
		t.Fatal("a call of an hour, finished, would not let another be armed")
	}
	c.arm(bg, 5*time.Millisecond, nil, nil) // the timer is set for an hour
	stopped(t, c)

	// Calls in a row, each shorter than the limit, each armed while the
	// timer is set for an earlier call's deadline, which passes during
	// a later call.
	c = newCallContext()
	for i := 0; i < 30; i++ {
		c.arm(bg, 10*time.Millisecond, nil, nil)
		due := c.dueNow()
		time.Sleep(3 * time.Millisecond)
		select {
		case <-c.Done():
			if now := since(); now < due {
				t.Fatalf("call %d was stopped %v before its deadline", i+1, due-now)
			}
			c.finish()
			c = newCallContext() // the machine is busy: the call ran out of time
			continue
		default:
		}
		if !c.finish() && c.Err() == nil {
			t.Fatalf("call %d: finish refused a context that was not stopped", i+1)
		}
		if c.Err() != nil {
			c = newCallContext()
		}
	}
	c.arm(bg, 10*time.Millisecond, nil, nil)
	stopped(t, c)
}

// TestCallContextCallerFirst: the caller's own deadline, when it comes
// first, stops a call with the caller's error, not a time limit.
func TestCallContextCallerFirst(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	c := newCallContext()
	c.arm(ctx, time.Hour, nil, nil)
	if d, ok := c.Deadline(); !ok || d.After(time.Now().Add(time.Minute)) {
		t.Errorf("Deadline %v, %v: want the caller's", d, ok)
	}
	select {
	case <-c.Done():
	case <-time.After(time.Minute):
		t.Fatal("never stopped")
	}
	if !errors.Is(c.Err(), context.DeadlineExceeded) || ctx.Err() == nil {
		t.Fatalf("err %v, caller's %v", c.Err(), ctx.Err())
	}
	c.close()
}

// TestCallContextNoLimit: a limit meant as none (math.MaxInt64, as a
// replay's may be) neither stops its call at once nor leaves the timer
// unset for the shorter limit of the instance's next call.
func TestCallContextNoLimit(t *testing.T) {
	bg := context.Background()
	c := newCallContext()
	defer c.close()
	c.arm(bg, math.MaxInt64, nil, nil)
	time.Sleep(5 * time.Millisecond)
	if err := c.Err(); err != nil {
		t.Fatalf("a call with no limit was stopped: %v", err)
	}
	if !c.finish() {
		t.Fatal("a call with no limit, finished, would not let another be armed")
	}
	c.arm(bg, 5*time.Millisecond, nil, nil)
	select {
	case <-c.Done():
	case <-time.After(time.Minute):
		t.Fatal("a 5 ms call after one with no limit was never stopped")
	}
}

// A replay's default limit is a hundred calls' limits, and none when the
// call's limit is meant as none (the product would wrap to a negative).
func TestReplayTimeoutDefault(t *testing.T) {
	for call, want := range map[time.Duration]time.Duration{
		0:                     100 * DefaultCallTimeout,
		time.Second:           100 * time.Second,
		math.MaxInt64:         math.MaxInt64,
		math.MaxInt64/100 + 1: math.MaxInt64,
	} {
		if got := (Options{CallTimeout: call}).withDefaults().ReplayTimeout; got != want {
			t.Errorf("call limit %v: replay limit %v, want %v", call, got, want)
		}
	}
}
