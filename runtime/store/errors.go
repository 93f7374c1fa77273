package store

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// How the store fails (spec/storage.md, "Damage and failures").
//
// Pebble reports damage it finds while reading (a block or footer whose
// checksum does not match, a WAL or MANIFEST it cannot replay) as an error
// marked pebble.ErrCorruption; the store returns it as a *CorruptionError
// naming the damaged file, and stays usable for what is intact.
//
// Pebble calls Logger.Fatalf where it cannot go on: a commit the pipeline
// could not write, a MANIFEST it could not write or sync, an invariant it
// found broken; and, by default, on every corruption (EventListener's
// DataCorruption, which the store replaces). Pebble expects Fatalf not to
// return. The store records the first such error, and from then on every
// call returns it (matching ErrFailed) without entering Pebble again. When
// Fatalf is called inside one of the store's own calls, it unwinds that
// call with a panic the call recovers; when Pebble calls it from one of
// its background goroutines (a flush, a compaction), that goroutine stops
// there for good, as it would if the process had exited: going on would
// retry the failed work forever and could act on a version of the store
// that was never written. Nothing panics out of the store.
//
// While a flush or a compaction fails, Pebble retries it, and once its
// memtables or level 0 are full it stalls writes until the retry succeeds.
// So that a failing disk gives errors rather than a writer waiting forever,
// Apply refuses a batch while the last flush failed, or while writes are
// stalled and the last compaction failed; a batch already inside Pebble
// when that happens waits for the retry (forever, if the failure was
// fatal).

var (
	// ErrCorrupt matches (errors.Is) every error reporting damage to the
	// store's files.
	ErrCorrupt = errors.New("store: damaged")
	// ErrFailed matches every error of a store that met a fatal error:
	// the store must be closed and the process restarted before it is
	// opened again.
	ErrFailed = errors.New("store failed")
	// ErrClosed is returned by every call on a closed store.
	ErrClosed = errors.New("store: closed")
)

// CorruptionError reports damage to the store's files, naming the file
// where Pebble does.
type CorruptionError struct {
	Op   string // what the store was doing: open, get, scan, ...
	Path string // the damaged file; "" if Pebble did not say
	Err  error  // Pebble's error
}

func (e *CorruptionError) Error() string {
	where := "a file of the store"
	if e.Path != "" {
		where = e.Path
	}
	return fmt.Sprintf("store: %s: damaged %s: %s", e.Op, where, pebbleMessage(e.Err))
}

func (e *CorruptionError) Unwrap() error        { return e.Err }
func (e *CorruptionError) Is(target error) bool { return target == ErrCorrupt }

// failure is the fatal error a store met.
type failure struct{ err error }

// fatalPanic unwinds a store call from Fatalf to the call's recover.
type fatalPanic struct{}

// health is a store's record of what went wrong, shared with its logger
// and event listener.
type health struct {
	fatal   atomic.Pointer[failure]
	dead    chan struct{} // closed when fatal is set
	closed  atomic.Bool
	flush   atomic.Pointer[error] // the last flush's error, nil once one succeeds
	compact atomic.Pointer[error] // the same for compactions
	stalled atomic.Bool           // Pebble is stalling writes
	mu      sync.Mutex
	damaged []string // files Pebble reported damaged, in order, once each
}

// fail records err as the store's fatal error unless one is recorded, and
// returns the recorded one.
func (h *health) fail(err error) error {
	f := &failure{err: err}
	if !h.fatal.CompareAndSwap(nil, f) {
		return h.fatal.Load().err
	}
	close(h.dead)
	return f.err
}

func newHealth() *health { return &health{dead: make(chan struct{})} }

// state is the error every call returns before entering Pebble: the fatal
// error, or ErrClosed; nil if the store is usable.
func (h *health) state() error {
	if f := h.fatal.Load(); f != nil {
		return f.err
	}
	if h.closed.Load() {
		return ErrClosed
	}
	return nil
}

func (h *health) damage(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.damaged {
		if p == path {
			return
		}
	}
	h.damaged = append(h.damaged, path)
}

// guard runs one call into Pebble: it refuses to when the store has failed
// or is closed, and runs f through call.
func (h *health) guard(op string, f func() error) error {
	if err := h.state(); err != nil {
		return err
	}
	return h.call(op, f)
}

// call runs f, turning Pebble's errors into the store's and a panic
// (Fatalf's or Pebble's own) into the store's fatal error. logger.Fatalf
// looks for it on the stack.
//
//go:noinline
func (h *health) call(op string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = h.recovered(op, r)
		}
	}()
	if err := f(); err != nil {
		return h.wrap(op, err)
	}
	return nil
}

// await is guard for a call that may wait for Pebble's background work
// (Open, Apply, Close): f runs on a goroutine of its own, and await
// returns when f does, or as soon as the store fails. A write Pebble
// stalls, waiting for a flush that a fatal error stopped, would otherwise
// never return. A write given up on this way is not acknowledged.
func (h *health) await(op string, f func() error) error {
	if err := h.state(); err != nil {
		return err
	}
	return h.awaitCall(op, f)
}

func (h *health) awaitCall(op string, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- h.call(op, f) }()
	select {
	case err := <-done:
		return err
	case <-h.dead:
		select {
		case err := <-done:
			return err
		default:
			return h.fatal.Load().err
		}
	}
}

// recovered turns a panic inside a store call into an error.
func (h *health) recovered(op string, r any) error {
	switch r := r.(type) {
	case fatalPanic:
		return h.fatal.Load().err
	case walDamage:
		r.err.Op = op
		return r.err
	}
	if e, ok := r.(error); ok && errors.Is(e, pebble.ErrClosed) {
		return ErrClosed
	}
	return h.fail(fmt.Errorf("%w: %s: pebble panicked: %v", ErrFailed, op, r))
}

// wrap turns an error Pebble returned into the store's.
func (h *health) wrap(op string, err error) error {
	if f := h.fatal.Load(); f != nil {
		return f.err // the call failed because the store did
	}
	if errors.Is(err, pebble.ErrClosed) {
		return ErrClosed
	}
	if pebble.IsCorruptionError(err) {
		ce := &CorruptionError{Op: op, Err: err}
		if info := pebble.ExtractDataCorruptionInfo(err); info != nil {
			ce.Path = info.Path
		} else if m := walPath.FindStringSubmatch(strings.Join(details(err), " ")); m != nil {
			ce.Path = m[1]
		}
		return ce
	}
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK) { // Pebble's LOCK file is held
		return fmt.Errorf("store: %s: %w", op, ErrInUse)
	}
	return fmt.Errorf("store: %s: %s", op, pebbleMessage(err))
}

// ErrInUse is the error of opening a store that another process (a
// running server) has open.
var ErrInUse = errors.New("the store is in use by another process")

// walPath finds the WAL file in the details of a replay error:
// "replaying wal 4, offset (/data/000004.log: 17200)".
var walPath = regexp.MustCompile(`\(([^()]*\.log): \d+\)`)

// pebbleMessage is Pebble's error message with the details Pebble keeps
// beside it (where in a WAL the replay stopped), without the placeholder
// line of its corruption reports.
func pebbleMessage(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\n<corruption detail carrier>", "")
	if d := details(err); len(d) > 0 {
		msg += " (" + strings.Join(d, "; ") + ")"
	}
	return msg
}

// details collects the details Pebble's errors (cockroachdb/errors) carry
// beside their message, walking the error's chain.
func details(err error) []string {
	var out []string
	var walk func(error)
	walk = func(e error) {
		for e != nil {
			if d, ok := e.(interface{ ErrorDetail() string }); ok && d.ErrorDetail() != "" {
				out = append(out, d.ErrorDetail())
			}
			switch u := e.(type) {
			case interface{ Unwrap() []error }:
				for _, x := range u.Unwrap() {
					walk(x)
				}
				return
			case interface{ Unwrap() error }:
				e = u.Unwrap()
			default:
				return
			}
		}
	}
	walk(err)
	return out
}

// logger is Pebble's logger: quiet, except Fatalf, and the message
// that a WAL's replay stopped (wal.go).
type logger struct {
	h  *health
	fs vfs.FS
}

func (l logger) Infof(format string, args ...any) {
	if off, ok := replayStopped(format, args); ok {
		if ce := checkWALTail(l.fs, off); ce != nil && insideCall() {
			panic(walDamage{ce})
		}
	}
}

func (logger) Errorf(string, ...any) {}

func (l logger) Fatalf(format string, args ...any) {
	unwind := insideCall()
	l.h.fail(fmt.Errorf("%w: pebble: %s", ErrFailed, strings.TrimSpace(fmt.Sprintf(format, args...))))
	if unwind {
		panic(fatalPanic{})
	}
	select {} // one of Pebble's goroutines: it stops here
}

// callName is the name of health.call as the runtime reports it.
var callName = runtime.FuncForPC(reflect.ValueOf((*health).call).Pointer()).Name()

// insideCall reports whether the calling goroutine is inside a store call
// (rather than one of Pebble's own goroutines).
func insideCall() bool {
	pcs := make([]uintptr, 512)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if f.Function == callName {
			return true
		}
		if !more {
			return false
		}
	}
}

// listener replaces Pebble's default reaction to corruption (Fatalf) by
// a record of the damaged file: the error itself reaches the caller. It
// follows flushes, compactions and write stalls for Apply.
func (h *health) listener() *pebble.EventListener {
	outcome := func(p *atomic.Pointer[error], err error) {
		// A flush with nothing to write succeeds with an error (an
		// unexported one, known by its message as Pebble's own tests do).
		if err == nil || err.Error() == "pebble: empty table" {
			p.Store(nil)
		} else if !errors.Is(err, pebble.ErrCancelledCompaction) {
			p.Store(&err)
		}
	}
	return &pebble.EventListener{
		DataCorruption:  func(info pebble.DataCorruptionInfo) { h.damage(info.Path) },
		BackgroundError: func(error) {},
		FlushEnd: func(info pebble.FlushInfo) {
			if info.Done || info.Err != nil {
				outcome(&h.flush, info.Err)
			}
		},
		CompactionEnd: func(info pebble.CompactionInfo) {
			if info.Done || info.Err != nil {
				outcome(&h.compact, info.Err)
			}
		},
		WriteStallBegin: func(pebble.WriteStallBeginInfo) { h.stalled.Store(true) },
		WriteStallEnd:   func() { h.stalled.Store(false) },
	}
}

// backgroundErr is why writes are refused: the last flush failed (Pebble
// retries it until it succeeds), or Pebble stalls writes and the last
// compaction failed.
func (h *health) backgroundErr() error {
	if e := h.flush.Load(); e != nil {
		return *e
	}
	if e := h.compact.Load(); e != nil && h.stalled.Load() {
		return *e
	}
	return nil
}
