// Package engine runs a program over the store: it takes inputs (items
// created, updated and moved; events; webhook answers; clock ticks), runs
// the rules and triggers they set off, and commits every effect of one
// input in one synced batch before acknowledging it. Its state is a function of its
// ordered inputs: time comes with each input, IDs come from the input's
// sequence number, and nothing iterates a map where order matters.
package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Limits of one input.
const (
	MaxMoves   = 16     // stage changes one input may cause, through rules and triggers
	MaxActions = 256    // rules one input may run
	MaxCached  = 100000 // committed items kept decoded in memory
)

// Input is one thing that happens. Time is in seconds of the workspace's
// wall clock (spec/semantics.md).
type Input struct {
	Seq      int64                  `json:"seq"`
	Time     int64                  `json:"time"`
	Kind     string                 `json:"kind"` // create, update, move, event, answer, tick
	Entity   string                 `json:"entity,omitempty"`
	Item     string                 `json:"item,omitempty"`
	Pipeline string                 `json:"pipeline,omitempty"`
	Stage    string                 `json:"stage,omitempty"`
	By       string                 `json:"by,omitempty"`
	Event    string                 `json:"event,omitempty"`
	Key      string                 `json:"key,omitempty"` // answer: the outbox record answered
	Fields   map[string]value.Value `json:"fields,omitempty"`
}

// Result is what an acknowledged input did.
type Result struct {
	Seq      int64
	Created  []string // IDs of items created
	Timeline []Entry
}

// Engine runs one program over one store.
type Engine struct {
	st   *store.Store
	prog *ir.Program
	lib  Library
	pl   *interp.Planner

	rules    []*plannedRule
	byStage  map[string][]*plannedRule // pipeline/stage -> head rules
	follow   map[int][]*plannedRule    // rule index -> rules after it
	triggers []*plannedTrigger
	entities map[string]*ir.Entity
	pipes    map[string]*ir.Pipeline
	res      map[string]*ir.Resource
	users    map[string]*interp.Item // the employees, as items of entity user
	cal      *calendar               // the workspace calendar, if any

	version int64 // of the deployed program

	mu    sync.Mutex
	seq   int64
	clock int64            // the time of the last tick: no input may be earlier
	cache map[string]*item // committed items, by ID
}

// New opens an engine running a program with a library's implementations
// over a store; it reads the last input's sequence, and stores the
// program as a new version if it is not the last one stored.
func New(st *store.Store, prog *ir.Program, lib Library) (*Engine, error) {
	e := &Engine{st: st, prog: prog, lib: lib, pl: interp.NewPlanner(prog, lib.Funcs), byStage: map[string][]*plannedRule{},
		follow: map[int][]*plannedRule{}, entities: map[string]*ir.Entity{}, pipes: map[string]*ir.Pipeline{},
		res: map[string]*ir.Resource{}, users: map[string]*interp.Item{}, cache: map[string]*item{}}
	for _, en := range prog.Entities {
		e.entities[en.Name] = en
	}
	for _, p := range prog.Pipelines {
		e.pipes[p.Entity+"/"+p.Name] = p
	}
	for _, r := range prog.Resources {
		e.res[r.Name] = r
		switch r.Kind {
		case "employee":
			e.users[r.Name] = employee(r, e.entities["user"])
		case "calendar":
			e.cal = newCalendar(r)
		}
	}
	e.plan()
	last, _, ok, err := st.Last(keyLogStart, keyLogEnd)
	if err != nil {
		return nil, err
	}
	if ok {
		e.seq = seqOfLogKey(last)
	}
	if raw, ok, err := st.Get(keyClock); err != nil {
		return nil, err
	} else if ok {
		e.clock, _ = strconv.ParseInt(string(raw), 10, 64)
	}
	if e.version, err = e.deploy(); err != nil {
		return nil, err
	}
	return e, nil
}

// deploy stores the program as a new version, unless it is the version
// stored last, and returns its version number.
func (e *Engine) deploy() (int64, error) {
	body, err := ir.Encode(e.prog)
	if err != nil {
		return 0, err
	}
	var last int64
	var lastBody []byte
	if err := e.st.Scan(keyProgram, func(k, v []byte) bool {
		fmt.Sscanf(string(k[len(keyProgram):]), "%x", &last)
		lastBody = v
		return true
	}); err != nil {
		return 0, err
	}
	if bytes.Equal(body, lastBody) {
		return last, nil
	}
	b := e.st.NewBatch()
	b.Set(keyProgramAt(last+1), body)
	if err := b.Apply(); err != nil {
		b.Discard()
		return 0, err
	}
	return last + 1, b.Wait()
}

// Version is the number of the deployed program the engine runs.
func (e *Engine) Version() int64 { return e.version }

// Programs returns every deployed program, oldest first.
func (e *Engine) Programs() ([]*ir.Program, error) {
	var out []*ir.Program
	var bad error
	err := e.st.Scan(keyProgram, func(k, v []byte) bool {
		p, err := ir.Decode(v)
		if err != nil {
			bad = fmt.Errorf("deployed program %q: %v", k, err)
			return false
		}
		out = append(out, p)
		return true
	})
	if bad != nil {
		return nil, bad
	}
	return out, err
}

// Seq is the sequence number of the last acknowledged input.
func (e *Engine) Seq() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.seq
}

// Apply runs one input and returns once its effects are durable. A refused
// input (unknown item, a stage of another pipeline, a malformed event)
// returns an error and changes nothing.
func (e *Engine) Apply(in Input) (*Result, error) {
	e.mu.Lock()
	b := e.st.NewBatch()
	in.Seq = e.seq + 1
	tx := &tx{e: e, b: b, in: in, now: in.Time, items: map[string]*item{}, res: &Result{Seq: in.Seq}}
	err := tx.run()
	if err == nil {
		err = tx.flush()
	}
	if err != nil {
		e.mu.Unlock()
		b.Discard()
		return nil, err
	}
	if err := b.Apply(); err != nil {
		e.mu.Unlock()
		b.Discard()
		return nil, fmt.Errorf("commit input %d: %w", in.Seq, err)
	}
	e.seq = in.Seq
	if in.Kind == "tick" {
		e.clock = in.Time
	}
	tx.remember()
	e.mu.Unlock()
	if err := b.Wait(); err != nil {
		return nil, fmt.Errorf("sync input %d: %w", in.Seq, err)
	}
	return tx.res, nil
}

// tx is one input being applied.
type tx struct {
	e     *Engine
	b     *store.Batch
	in    Input
	now   int64
	items map[string]*item // loaded or created, written back by flush
	order []string         // item IDs in the order first touched, for flush
	res   *Result
	n     int // effects so far: the suffix of IDs and keys made by this input
	moves int
	runs  int
	seen  map[string]bool // item/stage entered during this input: a loop
}

func (t *tx) run() error {
	in := t.in
	if in.Time < t.e.clock {
		return fmt.Errorf("input at %s is before the last tick at %s: time does not go back",
			value.Value{K: value.DateTime, N: float64(in.Time)}, value.Value{K: value.DateTime, N: float64(t.e.clock)})
	}
	t.logInput()
	switch in.Kind {
	case "create":
		_, err := t.create(in.Entity, in.Pipeline, in.Fields, "", true)
		return err
	case "tick":
		return t.tick(in.Time)
	case "update", "move", "event", "answer":
	default:
		return fmt.Errorf("unknown input kind %q: want create, update, move, event, answer or tick", in.Kind)
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
	}
	return t.answer(it, in.Key, in.Fields)
}

func (t *tx) logInput() {
	body, _ := json.Marshal(t.in)
	t.b.Set(keyLog(t.in.Seq), body)
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
		r := t.e.rules[aw.Rule]
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

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Log returns the acknowledged inputs, in order: replaying them into an
// empty store reproduces this one byte for byte.
func (e *Engine) Log() ([]Input, error) {
	var out []Input
	var bad error
	err := e.st.ScanRange(keyLogStart, keyLogEnd, func(k, v []byte) bool {
		var in Input
		if err := json.Unmarshal(v, &in); err != nil {
			bad = fmt.Errorf("corrupt input %q: %v", k, err)
			return false
		}
		out = append(out, in)
		return true
	})
	if bad != nil {
		return nil, bad
	}
	return out, err
}
