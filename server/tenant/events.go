package tenant

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/runtime/engine"
)

// Events are applied once per caller's event ID (EventService.Ingest):
// a repeat answers the first outcome and applies nothing.
//
// The ID travels in the event input itself, as its key: the engine logs
// it in the batch that holds the event's effects, so an acknowledged
// event's ID is exactly as durable as the event. The side store keeps a
// table from ID to outcome (evt/ID), written in the background a batch at
// a time; until an outcome is there it is held in memory. The table
// records how far it has read the log (meta/evt-mark): opening a tenant
// reads the log after that mark and adds what a crash kept from the
// table, before any request is served.

// MaxEventID is the longest event ID, in bytes.
const MaxEventID = 128

// Outcome is what an event input did: the answer to it and to its repeats.
type Outcome struct {
	Seq      int64          `json:"seq"`
	Version  int64          `json:"version"`
	Timeline []engine.Entry `json:"timeline"`
	// The event it answers: its item, its name and eventSum of the
	// whole input, so that a repeat with another event under the ID is
	// refused (ReusedError) instead of answered with this outcome. Empty
	// in an outcome stored before they were kept: no repeat is refused.
	Item  string `json:"item,omitempty"`
	Event string `json:"event,omitempty"`
	Sum   string `json:"sum,omitempty"`
}

// ReusedError is an event ID sent again with another event: another
// item, event or settings than the first time. Nothing is applied.
type ReusedError struct {
	ID    string
	First *Outcome
}

func (e *ReusedError) Error() string {
	return fmt.Sprintf("event ID %q was given to another event before (%s on item %s, applied as input %d): give each event an ID of its own, and send an event again only as it was",
		e.ID, e.First.Event, e.First.Item, e.First.Seq)
}

// eventSum identifies an event input by what it says: its item, its name
// and its fields. FNV-1a: it tells a client's mistake (an ID reused for
// another event) from a repeat, not an attacker's forgery, who would
// only refuse their own events.
func eventSum(in *engine.Input) string {
	h := fnv.New64a()
	h.Write([]byte(in.Item))
	h.Write([]byte{0})
	h.Write([]byte(in.Event))
	var b []byte
	for _, k := range slices.Sorted(maps.Keys(in.Fields)) {
		b = append(b[:0], 0)
		b = append(b, k...)
		b = append(b, 0)
		b = in.Fields[k].AppendJSON(b)
		h.Write(b)
	}
	return strconv.FormatUint(h.Sum64(), 16)
}

// repeat is the answer to a repeat of the event in, whose ID's first
// outcome is first.
func repeat(id string, in *engine.Input, first *Outcome) (*Outcome, bool, error) {
	if first.Sum != "" && first.Sum != eventSum(in) {
		return nil, false, &ReusedError{ID: id, First: first}
	}
	return first, true, nil
}

var keyEvtMark = []byte("meta/evt-mark")

func keyEvent(id string) []byte { return []byte("evt/" + id) }

type events struct {
	t *Tenant

	mu        sync.Mutex
	inflight  map[string]*call
	unflushed map[string][]byte // answered, not yet in the table
	// next is where the mark may move once the calls in flight when it
	// was taken have ended (flush): nil until a flush finds calls in
	// flight.
	next *markCandidate

	stop, done chan struct{}
}

// call is an event being applied; repeats meanwhile wait for it.
type call struct {
	done chan struct{}
	out  *Outcome
	err  error
}

// markCandidate is the engine's sequence number read at a flush that
// found events in flight, and those calls. A call that starts later
// applies its input after that number; so once these have ended, every
// event input up to it has its outcome held in memory or in the table,
// and the mark may move there. Without it the mark would move only when
// no event is in flight at a flush, which under steady load may be never,
// and a crash would leave opening the tenant the whole busy period's log
// to read.
type markCandidate struct {
	seq   int64
	calls map[string]*call
}

// ended says whether every call of the candidate has left inflight (ev.mu
// held): a call leaves it under the lock, its outcome put in unflushed in
// the same step.
func (m *markCandidate) ended(inflight map[string]*call) bool {
	for id, c := range m.calls {
		if inflight[id] == c {
			return false
		}
	}
	return true
}

// flushEvery is how often the table is brought up to date.
const flushEvery = 200 * time.Millisecond

func openEvents(t *Tenant) (*events, error) {
	ev := &events{t: t, inflight: map[string]*call{}, unflushed: map[string][]byte{},
		stop: make(chan struct{}), done: make(chan struct{})}
	if err := ev.recover(); err != nil {
		return nil, fmt.Errorf("event IDs: %w", err)
	}
	go ev.flusher()
	return ev, nil
}

// recover adds to the table the event IDs in the log after its mark.
func (ev *events) recover() error {
	mark := int64(0)
	if raw, ok, err := ev.t.side.Get(keyEvtMark); err != nil {
		return err
	} else if ok {
		if mark, err = strconv.ParseInt(string(raw), 10, 64); err != nil {
			return fmt.Errorf("%s is %q", keyEvtMark, raw)
		}
	}
	e := ev.t.Engine
	last := e.Seq()
	if mark >= last {
		return nil
	}
	b := ev.t.side.NewBatch()
	defer b.Discard()
	var inner error
	err := e.LogFrom(mark+1, func(in engine.Input) bool {
		if in.Kind != "event" || in.Key == "" {
			return true
		}
		if _, ok, err := ev.t.side.Get(keyEvent(in.Key)); err != nil || ok {
			inner = err
			return err == nil
		}
		out := &Outcome{Seq: in.Seq, Version: in.Version, Item: in.Item, Event: in.Event, Sum: eventSum(&in)}
		// The items an event input touches: its own, and those it created.
		ids := []string{in.Item}
		for i := 0; ; i++ {
			id := strconv.FormatInt(in.Seq, 10)
			if i > 0 {
				id += "." + strconv.Itoa(i)
			}
			if it, _, err := e.Item(id); err != nil || it == nil {
				inner = err
				break
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			es, err := e.TimelineAt(id, in.Seq)
			if err != nil {
				inner = err
				return false
			}
			out.Timeline = append(out.Timeline, es...)
		}
		body, err := json.Marshal(out)
		if err == nil {
			err = b.Set(keyEvent(in.Key), body)
		}
		inner = err
		return err == nil
	})
	if err := errors.Join(inner, err); err != nil {
		return err
	}
	b.Set(keyEvtMark, []byte(strconv.FormatInt(last, 10)))
	if err := b.Apply(); err != nil {
		return err
	}
	return b.Wait()
}

// ErrEventID is an event ID that cannot be one.
var ErrEventID = fmt.Errorf("an event ID is 1 to %d bytes of UTF-8", MaxEventID)

// Ingest applies an event input once per event ID. dup says the outcome
// is that of an earlier call with the ID. A refused event is not
// remembered: a later call with its ID applies it again.
func (t *Tenant) Ingest(id string, in engine.Input) (out *Outcome, dup bool, err error) {
	if id == "" || len(id) > MaxEventID || !utf8.ValidString(id) {
		return nil, false, ErrEventID
	}
	in.Kind, in.Key = "event", id
	ev := t.events
	ev.mu.Lock()
	if c := ev.inflight[id]; c != nil {
		ev.mu.Unlock()
		<-c.done
		if c.err != nil {
			return nil, false, c.err
		}
		return repeat(id, &in, c.out)
	}
	if body, ok := ev.unflushed[id]; ok {
		ev.mu.Unlock()
		return decodeRepeat(id, &in, body)
	}
	// Claimed: repeats wait for this call. The table is read outside the
	// lock; an ID leaves unflushed only once the table holds it durably.
	c := &call{done: make(chan struct{})}
	ev.inflight[id] = c
	ev.mu.Unlock()
	finish := func(body []byte) {
		ev.mu.Lock()
		delete(ev.inflight, id)
		if body != nil {
			ev.unflushed[id] = body
		}
		ev.mu.Unlock()
		close(c.done)
	}

	if body, ok, err := t.side.Get(keyEvent(id)); err != nil || ok {
		if err == nil {
			c.out, c.err = decodeOutcome(id, body)
		} else {
			c.err = err
		}
		finish(nil)
		if c.err != nil {
			return nil, false, c.err
		}
		return repeat(id, &in, c.out)
	}
	if err := t.needs(&in); err != nil { // a new event only: a repeat answers as the first did
		c.err = err
		finish(nil)
		return nil, false, err
	}
	sum := eventSum(&in) // before Apply, which may keep the fields
	res, err := t.Apply(in)
	var body []byte
	if err == nil {
		c.out = &Outcome{Seq: res.Seq, Version: res.Version, Timeline: res.Timeline, Item: in.Item, Event: in.Event, Sum: sum}
		body, err = json.Marshal(c.out)
	}
	c.err = err
	if err != nil {
		body = nil
	}
	finish(body)
	return c.out, false, c.err
}

// MissingSettingError is an event without a setting it needs (a form
// submitted names its form): refused before it is taken, so its ID stays
// free for the event sent again whole.
type MissingSettingError struct{ Event, Setting string }

func (e *MissingSettingError) Error() string {
	return fmt.Sprintf("event %q needs the setting %q: give it in settings (the event is not taken, and its ID stays free)", e.Event, e.Setting)
}

// needs checks that a new event carries the settings its kind needs
// (action.Library.Needs). The engine takes events without them, as logged
// inputs were taken; the API refuses new ones.
func (t *Tenant) needs(in *engine.Input) error {
	for _, need := range t.Engine.EventNeeds(in.Event) {
		if v := in.Fields[need]; v.IsNull() || v.S == "" {
			return &MissingSettingError{Event: in.Event, Setting: need}
		}
	}
	return nil
}

func decodeOutcome(id string, body []byte) (*Outcome, error) {
	var o Outcome
	if err := json.Unmarshal(body, &o); err != nil {
		return nil, fmt.Errorf("the outcome of event %q is stored damaged: %v", id, err)
	}
	return &o, nil
}

func decodeRepeat(id string, in *engine.Input, body []byte) (*Outcome, bool, error) {
	first, err := decodeOutcome(id, body)
	if err != nil {
		return nil, false, err
	}
	return repeat(id, in, first)
}

func (ev *events) flusher() {
	defer close(ev.done)
	tk := time.NewTicker(flushEvery)
	defer tk.Stop()
	for {
		select {
		case <-ev.stop:
			return
		case <-tk.C:
		}
		if err := ev.flush(); err != nil {
			ev.t.log.Error("writing event IDs", "err", err)
		}
	}
}

// flush writes the outcomes held in memory to the table, and moves the
// mark: when no event is being applied, to the engine's sequence number,
// every event input up to it being in the table with them; else to the
// candidate's number once its calls have ended (markCandidate), taking a
// new candidate for a later flush.
func (ev *events) flush() error {
	ev.mu.Lock()
	if len(ev.unflushed) == 0 {
		ev.mu.Unlock()
		return nil
	}
	snap := make(map[string][]byte, len(ev.unflushed))
	for k, v := range ev.unflushed {
		snap[k] = v
	}
	mark := int64(-1)
	switch {
	case len(ev.inflight) == 0:
		mark, ev.next = ev.t.Engine.Seq(), nil
	case ev.next == nil || ev.next.ended(ev.inflight):
		if ev.next != nil {
			mark = ev.next.seq
		}
		ev.next = &markCandidate{seq: ev.t.Engine.Seq(), calls: maps.Clone(ev.inflight)}
	}
	ev.mu.Unlock()
	b := ev.t.side.NewBatch()
	for k, v := range snap {
		b.Set(keyEvent(k), v)
	}
	if mark >= 0 {
		b.Set(keyEvtMark, []byte(strconv.FormatInt(mark, 10)))
	}
	if err := b.Apply(); err != nil {
		b.Discard()
		return err
	}
	if err := b.Wait(); err != nil {
		return err
	}
	ev.mu.Lock()
	for k := range snap {
		delete(ev.unflushed, k)
	}
	ev.mu.Unlock()
	return nil
}

// close stops the flusher and writes the rest; no event is being applied
// (the tenant's gate is held).
func (ev *events) close() error {
	close(ev.stop)
	<-ev.done
	return ev.flush()
}
