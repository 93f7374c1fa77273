// Package engine runs programs over the store: it takes inputs (programs
// deployed; items created, updated and moved; events; webhook answers;
// clock ticks), runs the rules and triggers they set off, and commits every
// effect of one input in one synced batch before acknowledging it. Its state
// is a function of its ordered inputs: time comes with each input, IDs come
// from the input's sequence number, the program each input ran under is in
// the log, and nothing iterates a map where order matters.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// The default limits of one chain: what one input sets off, or one fired
// timer in a tick (spec/semantics.md, "Chains are bounded").
const (
	MaxMoves   = 16  // stage changes, through rules and triggers
	MaxActions = 256 // rules run
)

// MaxCached is how many committed items the engine keeps decoded in
// memory: the hot ones, not a drain's.
const MaxCached = 10000

// Options are the engine's limits and settings. Zero values take the
// defaults. A replay must use the limits of the run it replays: they
// decide where a runaway chain stops (the tick's chunk size is in the log).
type Options struct {
	MaxMoves   int // a chain's stage changes; default MaxMoves
	MaxActions int // a chain's rules; default MaxActions
	// TimersPerTick is how many due timers one tick input fires at most:
	// a backlog drains in chunks of this size, each its own synced input,
	// so other inputs go between them. A tick records the number it used,
	// so a replay fires the same timers. Default DefaultTimersPerTick, at
	// most MaxTimersPerTick.
	TimersPerTick int
}

// DefaultTimersPerTick keeps a chunk of a drain short (a few ms here), so
// that an input arriving during a drain waits little (BenchmarkDrain);
// MaxTimersPerTick keeps a tick's stage entries countable (entryBits).
const (
	DefaultTimersPerTick = 32
	MaxTimersPerTick     = 100000
)

// entryBits is the room for the count of an input's stage entries in an
// entry's number; an input that would need more fails whole.
const entryBits = 24

func (o Options) withDefaults() (Options, error) {
	if o.MaxMoves <= 0 {
		o.MaxMoves = MaxMoves
	}
	if o.MaxActions <= 0 {
		o.MaxActions = MaxActions
	}
	if o.TimersPerTick <= 0 {
		o.TimersPerTick = DefaultTimersPerTick
	}
	if o.TimersPerTick > MaxTimersPerTick {
		return o, fmt.Errorf("TimersPerTick %d is over the most a tick may fire, %d", o.TimersPerTick, MaxTimersPerTick)
	}
	return o, nil
}

// Input is one thing that happens. Time is in seconds of the workspace's
// wall clock (spec/semantics.md).
type Input struct {
	Seq      int64                  `json:"seq"`
	Time     int64                  `json:"time"`
	Kind     string                 `json:"kind"`              // deploy, create, update, move, event, answer, tick
	Version  int64                  `json:"version,omitempty"` // the program version it ran under, set by the engine
	Entity   string                 `json:"entity,omitempty"`
	Item     string                 `json:"item,omitempty"`
	Pipeline string                 `json:"pipeline,omitempty"`
	Stage    string                 `json:"stage,omitempty"`
	By       string                 `json:"by,omitempty"`
	Event    string                 `json:"event,omitempty"`
	Key      string                 `json:"key,omitempty"` // answer: the outbox record answered
	Fields   map[string]value.Value `json:"fields,omitempty"`
	Limit    int                    `json:"limit,omitempty"`   // tick: the most timers it fires; set by the engine
	Program  []byte                 `json:"program,omitempty"` // deploy: the encoded program (ir.Encode)
	// Set by the engine (recorded.go): the custom action calls the input
	// made, and the outcomes of those the machine decided (a time limit),
	// which a replay of the input uses instead of calling.
	Calls    int       `json:"calls,omitempty"`
	Outcomes []Outcome `json:"outcomes,omitempty"`
}

// Result is what an acknowledged input did.
type Result struct {
	Seq      int64
	Created  []string // IDs of items created
	Sent     int      // messages put in the outbox
	Timeline []Entry
	Fired    int        // tick: the timers it fired
	More     bool       // tick: due timers remain; apply the tick again to go on
	Version  int64      // the program version in force after the input
	Plan     *plan.Plan // deploy: the plan it applied
	// Parked lists the due timers this tick could not run because the store
	// is damaged (a timer that does not decode, an item that is gone). They
	// are moved aside, never deleted (ParkedTimers lists them), so that one
	// damaged record does not stop the clock of every other item.
	Parked []ParkedTimer
}

// Engine runs one program at a time over one store.
type Engine struct {
	st   *store.Store
	lib  Library
	opts Options

	mu     sync.Mutex
	markMu sync.Mutex // orders the marks of acknowledged inputs
	marked int64      // the last sequence number marked
	// durable is the last input whose batch is synced: a reader of what
	// inputs made for the world outside (the outbox) reads no further,
	// since an input committed but not yet synced may not survive a crash,
	// and its sequence number would then be issued again.
	durable atomic.Int64
	seq     int64
	clock   int64            // the time of the last tick: no input may be earlier
	next    []byte           // the first timer key a tick reads: every timer before it has fired
	cache   map[string]*item // committed items, by ID, decoded for the running program
	version int64            // of the running program; 0: none deployed
	*loaded                  // the running program, planned
}

// Open opens an engine over a store, running the program deployed last
// (none in a new store: deploy one before other inputs).
func Open(st *store.Store, lib Library, opts Options) (*Engine, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Engine{st: st, lib: lib, opts: opts, cache: map[string]*item{}, loaded: &loaded{}}
	for _, r := range otherLayouts {
		if k, _, ok, err := st.Last(r[0], r[1]); err != nil {
			return nil, err
		} else if ok {
			return nil, fmt.Errorf("the store holds keys of another layout (%q): this build reads layout %s only (spec/storage.md)", k, layout)
		}
	}
	last, _, ok, err := st.Last(keyLogStart, keyLogEnd)
	if err != nil {
		return nil, err
	}
	if ok {
		e.seq = seqOfLogKey(last)
	}
	e.durable.Store(e.seq) // what the store holds on opening is synced
	// An input acknowledged but missing from the log (the last records of
	// a damaged WAL, which Pebble takes for a torn end) would have its
	// sequence number, its IDs and its messages' idempotency keys issued
	// again: refuse instead (spec/storage.md, "Damage and failures").
	marked, err := st.Marked()
	if err != nil {
		return nil, err
	}
	if int64(marked) > e.seq {
		return nil, fmt.Errorf("the store has lost acknowledged inputs: the log ends at input %d, but input %d was acknowledged; its write-ahead log is damaged. Restore the store from a backup or a tenant export (spec/storage.md, \"Damage and failures\"); starting here would issue sequence numbers, IDs and message keys again", e.seq, marked)
	}
	e.marked = int64(marked)
	if raw, ok, err := st.Get(keyClock); err != nil {
		return nil, err
	} else if ok {
		if e.clock, err = strconv.ParseInt(string(raw), 10, 64); err != nil {
			return nil, fmt.Errorf("store: %s is %q: %v", keyClock, raw, err)
		}
	}
	e.next = keyTimerFrom(0)
	if raw, ok, err := st.Get(keyNext); err != nil {
		return nil, err
	} else if ok {
		if len(raw) < len(keyTimer)+16 || string(raw[:len(keyTimer)]) != string(keyTimer) {
			return nil, fmt.Errorf("store: %s is %q, not a timer key", keyNext, raw)
		}
		e.next = raw
	}
	k, body, ok, err := st.Last(keyProgram, keyProgEnd)
	if err != nil {
		return nil, err
	}
	if ok {
		p, err := ir.Decode(body)
		if err != nil {
			return nil, fmt.Errorf("deployed program %q: %v", k, err)
		}
		if e.loaded, err = load(p, body, lib); err != nil {
			return nil, fmt.Errorf("deployed program %q: %v", k, err)
		}
		e.version = versionOfProgramKey(k)
	}
	return e, nil
}

// New opens an engine over a store with default options and deploys the
// program, unless it is the one deployed last.
func New(st *store.Store, prog *ir.Program, lib Library) (*Engine, error) {
	e, err := Open(st, lib, Options{})
	if err != nil {
		return nil, err
	}
	body, err := ir.Encode(prog)
	if err != nil {
		return nil, err
	}
	if e.version > 0 && string(body) == string(e.encoded) {
		return e, nil
	}
	if _, err := e.Apply(Input{Kind: "deploy", Time: e.clock, Program: body}); err != nil {
		return nil, err
	}
	return e, nil
}

// Version is the number of the deployed program the engine runs.
func (e *Engine) Version() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.version
}

// Program is the program the engine runs.
func (e *Engine) Program() *ir.Program {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.prog
}

// Programs returns every deployed program, oldest first.
func (e *Engine) Programs() ([]*ir.Program, error) {
	var out []*ir.Program
	var bad error
	err := e.st.ScanRange(keyProgram, keyProgEnd, func(k, v []byte) bool {
		p, err := ir.Decode(v)
		if err != nil {
			bad = fmt.Errorf("deployed program %q: %v", k, err)
			return false
		}
		out = append(out, p)
		return true
	})
	return out, errors.Join(bad, err)
}

// LastProgram returns the latest deployed program that match reports
// true for, reading them from the newest back and stopping there; nil
// when none does.
func (e *Engine) LastProgram(match func(*ir.Program) bool) (*ir.Program, error) {
	end := keyProgEnd
	for {
		k, v, ok, err := e.st.Last(keyProgram, end)
		if err != nil || !ok {
			return nil, err
		}
		p, err := ir.Decode(v)
		if err != nil {
			return nil, fmt.Errorf("deployed program %q: %v", k, err)
		}
		if match(p) {
			return p, nil
		}
		end = k
	}
}

// Seq is the sequence number of the last acknowledged input.
func (e *Engine) Seq() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seq
}

// Apply runs one input and returns once its effects are durable. A refused
// input (unknown item, a stage of another pipeline, a malformed event)
// returns an error and changes nothing. A tick fires at most
// Options.TimersPerTick due timers; Result.More says when more are due,
// and the caller applies the tick again (Advance does).
func (e *Engine) Apply(in Input) (*Result, error) {
	return e.ApplyContext(context.Background(), in)
}

// ApplyContext is Apply under a context: one done before the input is
// committed refuses it whole (nothing of it is written), so a cancelled
// request never leaves half an input, and never changes what an input
// does: replay, which has no such context, gives the same bytes. Once
// committed, the input waits for its sync whatever the context says, so
// that its result is never lost to the caller that made it.
func (e *Engine) ApplyContext(ctx context.Context, in Input) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("input not applied: %w", err)
	}
	b, tx, err := e.run(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := b.Wait(); err != nil {
		return nil, fmt.Errorf("sync input %d: %w", tx.in.Seq, err)
	}
	e.mark(tx.in.Seq)
	return tx.res, nil
}

// mark records an acknowledged input's sequence number beside the store
// (store.Mark), so that Open notices if the log loses it, and as durable.
// A failure to mark is not the input's: it is acknowledged, and the next
// mark covers it.
//
// The inputs that one fsync made durable return together: each makes its
// number durable first, and whoever marks writes the latest durable
// number, so that one write (three system calls) usually covers them all
// instead of one write each. A number is durable only once synced, so the
// mark is never ahead of the log.
func (e *Engine) mark(seq int64) {
	for { // batches sync in order: every earlier one is synced too
		d := e.durable.Load()
		if seq <= d || e.durable.CompareAndSwap(d, seq) {
			break
		}
	}
	e.markMu.Lock()
	defer e.markMu.Unlock()
	if seq <= e.marked {
		return // a mark since covers it
	}
	if d := e.durable.Load(); e.st.Mark(uint64(d)) == nil {
		e.marked = d
	}
}

// run applies the input under the engine's lock and commits it without
// waiting for the sync, so that concurrent inputs share one fsync.
func (e *Engine) run(ctx context.Context, in Input) (b *store.Batch, t *tx, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b = e.st.NewBatch()
	in.Seq = e.seq + 1
	t = &tx{ctx: ctx, e: e, b: b, in: in, now: in.Time, next: e.next, items: map[string]*item{}, res: &Result{Seq: in.Seq}}
	defer func() {
		if p := recover(); p != nil { // a bug must not leave the engine locked or half an input committed
			if t.restore != nil {
				e.loaded = t.restore
			}
			b.Discard()
			b, t, err = nil, nil, fmt.Errorf("input %d: internal error: %v\n%s", in.Seq, p, debug.Stack())
		}
	}()
	err = t.run()
	if err == nil {
		t.runPast()
		err = t.err
	}
	if err == nil {
		err = t.endCustom()
	}
	if err == nil {
		err = t.flush()
	}
	if err == nil && ctx.Err() != nil { // the last moment a cancellation can refuse it whole
		err = fmt.Errorf("input %d not applied: %w", in.Seq, ctx.Err())
	}
	if err == nil {
		if err = b.Apply(); err != nil {
			err = fmt.Errorf("commit input %d: %w", in.Seq, err)
		}
	}
	if err != nil {
		if t.restore != nil {
			e.loaded = t.restore
		}
		b.Discard()
		return nil, nil, err
	}
	e.seq = t.in.Seq
	e.next = t.next
	if t.in.Kind == "tick" {
		e.clock = t.in.Time
	}
	if t.deployed != nil {
		e.version, e.loaded = t.in.Version, t.deployed
		clear(e.cache) // decoded for the old program's slots
	} else {
		t.remember()
	}
	t.res.Version = e.version
	return b, t, nil
}

// Advance applies ticks at time to until no due timer is left, calling
// each with every chunk's result once it is durable, in order. Other
// inputs may go between the chunks. Chunks are computed while earlier ones
// sync (up to advanceInFlight at once, so that one fsync covers several):
// Pebble commits them in order, so a crash may lose later ones, never an
// earlier one alone.
func (e *Engine) Advance(to int64, each func(*Result)) error {
	return e.AdvanceContext(context.Background(), to, each)
}

// AdvanceContext is Advance under a context: once it is done no further
// chunk starts; the chunks already committed are synced and reported, and
// the error says the drain stopped (the next tick goes on from there).
func (e *Engine) AdvanceContext(ctx context.Context, to int64, each func(*Result)) error {
	type syncing struct {
		b   *store.Batch
		res *Result
	}
	var queue []syncing
	wait := func() error { // the oldest
		s := queue[0]
		queue = queue[1:]
		if err := s.b.Wait(); err != nil {
			return fmt.Errorf("sync input %d: %w", s.res.Seq, err)
		}
		e.mark(s.res.Seq)
		if each != nil {
			each(s.res)
		}
		return nil
	}
	drain := func(err error) error {
		for len(queue) > 0 {
			err = errors.Join(err, wait())
		}
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return drain(fmt.Errorf("advance stopped before the due timers at %d drained: %w", to, err))
		}
		b, t, err := e.run(ctx, Input{Kind: "tick", Time: to})
		if err != nil {
			return drain(err)
		}
		queue = append(queue, syncing{b, t.res})
		if !t.res.More {
			return drain(nil)
		}
		if len(queue) == advanceInFlight {
			if err := wait(); err != nil {
				return drain(err)
			}
		}
	}
}

const advanceInFlight = 8

// tx is one input being applied.
type tx struct {
	ctx   context.Context // the caller's: for hosts that call out (custom actions); never changes what the input does
	e     *Engine
	b     *store.Batch
	in    Input
	now   int64
	next  []byte           // the engine's next timer key, as this input moves it
	items map[string]*item // loaded or created, written back by flush
	order []string         // item IDs in the order first touched, for flush
	res   *Result
	n     int // effects so far: the suffix of IDs and keys made by this input
	// The limits of one chain: an input's, or one fired timer's.
	moves    int
	runs     int
	entries  int             // stage entries of the whole input: their numbers
	seen     map[string]bool // item/stage entered during this chain: a loop
	deployed *loaded         // deploy: the program to run once committed
	restore  *loaded         // deploy: the program to go back to if the input fails
	err      error           // the first error of a step that cannot return one: the input fails
	until    []byte          // tick: the first timer key after those due
	rescan   bool            // tick: a due timer was written or deleted since they were read
	past     []pastRule      // rules whose times changes moved into the past, to run once the changes are made (runPast)
	replay   replaying       // a replayed input's custom action calls (recorded.go)
	logged   []byte          // the input's log record, written by endCustom
}

// fail makes the input fail with err (the first one wins) once its
// current step returns: nothing of it is committed.
func (t *tx) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

func (t *tx) run() error {
	if err := t.beginCustom(); err != nil {
		return err
	}
	in := &t.in
	if in.Time < 0 {
		return fmt.Errorf("input time %d is before 1970-01-01T00:00: times are seconds since then on the workspace's clock", in.Time)
	}
	if in.Time < t.e.clock {
		return fmt.Errorf("input at %s is before the last tick at %s: time does not go back",
			value.Value{K: value.DateTime, N: float64(in.Time)}, value.Value{K: value.DateTime, N: float64(t.e.clock)})
	}
	if err := t.validate(); err != nil {
		return err
	}
	if in.Kind == "deploy" {
		return t.deploy()
	}
	if t.e.version == 0 {
		return errors.New("no program is deployed: deploy one first")
	}
	if in.Version != 0 && in.Version != t.e.version { // a replayed input
		return fmt.Errorf("input %d ran under program version %d, but the engine runs version %d", in.Seq, in.Version, t.e.version)
	}
	in.Version = t.e.version
	switch in.Kind {
	case "create":
		if err := t.logInput(); err != nil {
			return err
		}
		_, err := t.create(in.Entity, in.Pipeline, in.Fields, "", true)
		return err
	case "tick":
		if in.Limit <= 0 {
			in.Limit = t.e.opts.TimersPerTick
		}
		if in.Limit > MaxTimersPerTick {
			return fmt.Errorf("a tick fires at most %d timers, not %d", MaxTimersPerTick, in.Limit)
		}
		if err := t.logInput(); err != nil {
			return err
		}
		return t.tick()
	case "update", "move", "event", "answer", "undelivered":
	default:
		return fmt.Errorf("unknown input kind %q: want deploy, create, update, move, event, answer, undelivered or tick", in.Kind)
	}
	if err := t.logInput(); err != nil {
		return err
	}
	it, err := t.mustItem(in.Item)
	if err != nil {
		return err
	}
	switch in.Kind {
	case "update":
		return t.update(it, in.Fields)
	case "move":
		if _, err := t.e.stageIndex(it, in.Stage); err != nil {
			return err
		}
		if in.By != "" && t.e.user(in.By) == nil {
			return fmt.Errorf("no employee %q to move the item", in.By)
		}
		t.move(it, in.Stage, "by "+orDefault(in.By, "a user"), "")
		return nil
	case "event":
		return t.event(it, in.Event, in.Fields)
	case "undelivered":
		return t.undelivered(it, in.Key, in.Fields)
	}
	return t.answer(it, in.Key, in.Fields)
}

func (t *tx) logInput() error {
	body, err := json.Marshal(t.in)
	if err != nil {
		return fmt.Errorf("input %d cannot be logged: %v", t.in.Seq, err)
	}
	if t.in.Kind != "deploy" && len(body) > MaxInputBytes { // a deploy is as large as its program
		return fmt.Errorf("the input is %d bytes; at most %d are taken", len(body), MaxInputBytes)
	}
	t.logged = body // written once the input's custom action calls are known (endCustom)
	return nil
}

// nextID is a new ID derived from the input's sequence number: the input's
// first new thing is "seq", later ones "seq.n".
func (t *tx) nextID() string {
	t.n++
	if t.n == 1 {
		return strconv.FormatInt(t.in.Seq, 10)
	}
	return fmt.Sprintf("%d.%d", t.in.Seq, t.n-1)
}

// peekKey is the key the input's next effect will have.
func (t *tx) peekKey() string {
	return strconv.FormatInt(t.in.Seq, 10) + "-" + strconv.Itoa(t.n+1)
}

// answer takes a webhook's answer (R-WEBHOOK): it binds status and body to
// the rule's name and starts the rules after it, if the item is still in
// the stage it was in when the call was made.
func (t *tx) answer(it *item, key string, fields map[string]value.Value) error {
	for _, k := range sortedKeys(fields) {
		if k != "status" && k != "body" {
			return fmt.Errorf("an answer has a status and a body, not %q", k)
		}
	}
	for i, aw := range it.Awaiting {
		if aw.Key != key {
			continue
		}
		it.Awaiting = append(it.Awaiting[:i:i], it.Awaiting[i+1:]...)
		t.touch(it)
		t.b.Delete(keyAwaitOf(key))
		r := t.e.byIdent[aw.Rule]
		if r == nil { // a deploy removed it and said so; the answer is recorded all the same
			t.timeline(it, "", fmt.Sprintf("webhook %s answered: status %s; its rule %q is no longer deployed", key, fields["status"], aw.Rule))
			return nil
		}
		t.timeline(it, r.Pos.String(), fmt.Sprintf("webhook %s answered: status %s", key, fields["status"]))
		if it.Entered != aw.Entered {
			t.timeline(it, r.Pos.String(), "the item has left the stage since: the rules after the webhook do not run")
			return nil
		}
		if r.Action.Bind != "" {
			t.bind(it, r.Action.BindSlot, record("status,body", fields["status"], fields["body"]))
		}
		for _, next := range t.e.follow[r.Index] {
			t.start(it, next, t.now)
		}
		return nil
	}
	return fmt.Errorf("item %s has no webhook call %q waiting for an answer", it.ID, key)
}

// undelivered records on the item's timeline that one of its messages
// could not be delivered, after the delivery's last attempt: the outbox
// record stays as it was; the reason is the input's "error".
func (t *tx) undelivered(it *item, key string, fields map[string]value.Value) error {
	for _, k := range sortedKeys(fields) {
		if k != "error" {
			return fmt.Errorf("an undelivered input has an error, not %q", k)
		}
	}
	ef, err := t.e.Outbox(key) // an earlier input's: committed
	if err != nil {
		return err
	}
	if ef == nil || ef.Item != it.ID {
		return fmt.Errorf("item %s sent no message %q", it.ID, key)
	}
	t.timeline(it, ef.Rule, fmt.Sprintf("%s %s to %s not delivered: %s", ef.Kind, key, orDefault(ef.To, "the client"), quote(fields["error"])))
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Log returns the acknowledged inputs, in order: replaying them into an
// empty store (Open, then Apply each) reproduces this one byte for byte.
func (e *Engine) Log() ([]Input, error) {
	var out []Input
	err := e.LogFrom(1, func(in Input) bool {
		out = append(out, in)
		return true
	})
	return out, err
}

// Store is the store the engine runs over.
func (e *Engine) Store() *store.Store { return e.st }
