package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Read-only views for a server: the outbox after a cursor, items and
// timelines a page at a time, the log from a sequence number. None of them
// takes the engine's lock or writes anything: each reads committed state,
// so it never waits behind an input.

// Clock is the time of the last tick: no input may be earlier.
func (e *Engine) Clock() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clock
}

// LastTime is the time of the last acknowledged input, or of the last
// tick if that is later; 0 for an empty log. A server reads it when it
// opens the store: the workspace's clock never goes back behind it.
func (e *Engine) LastTime() (int64, error) {
	at := e.Clock()
	_, body, ok, err := e.st.Last(keyLog(0), keyLogEnd)
	if err != nil || !ok {
		return at, err
	}
	var in Input
	if err := json.Unmarshal(body, &in); err != nil {
		return at, fmt.Errorf("the last input is stored damaged: %v", err)
	}
	return max(at, in.Time), nil
}

// LogFrom calls fn with every acknowledged input from sequence number seq
// on, in order, until fn returns false.
func (e *Engine) LogFrom(seq int64, fn func(Input) bool) error {
	var bad error
	err := e.st.ScanRange(keyLog(max(seq, 0)), keyLogEnd, func(k, v []byte) bool {
		var in Input
		if err := json.Unmarshal(v, &in); err != nil {
			bad = fmt.Errorf("corrupt input %q: %v", k, err)
			return false
		}
		return fn(in)
	})
	return errors.Join(bad, err)
}

// ParseKey reads an effect's key, "SEQ-N" (Effect.Key).
func ParseKey(key string) (seq int64, n int, err error) {
	s, m, ok := strings.Cut(key, "-")
	if ok {
		seq, err = strconv.ParseInt(s, 10, 64)
		if err == nil {
			n, err = strconv.Atoi(m)
		}
	}
	if !ok || err != nil || seq < 1 || n < 1 {
		return 0, 0, fmt.Errorf("%q is not a message key: want SEQ-N, e.g. 12-1", key)
	}
	return seq, n, nil
}

// OutboxAfter calls fn with every outbox record after the one with the
// key (every one when key is empty), in order, until fn returns false.
// Only records of durable inputs are read: a message of an input that is
// committed but not yet synced could be sent, and the input then lost in
// a crash, its sequence number and the message's key issued again.
func (e *Engine) OutboxAfter(key string, fn func(Effect) bool) error {
	from := keyOutbox
	if key != "" {
		seq, n, err := ParseKey(key)
		if err != nil {
			return err
		}
		from = append(keyOutboxAt(seq, n), 0) // just after it
	}
	var bad error
	durable := e.durable.Load()
	err := e.st.ScanRange(from, keyOutboxAt(durable+1, 0), func(k, v []byte) bool {
		var ef Effect
		if err := json.Unmarshal(v, &ef); err != nil {
			bad = fmt.Errorf("effect %q is stored damaged: %v", k, err)
			return false
		}
		return fn(ef)
	})
	return errors.Join(bad, err)
}

// Outbox returns the outbox record with the key; nil if there is none.
func (e *Engine) Outbox(key string) (*Effect, error) {
	seq, n, err := ParseKey(key)
	if err != nil {
		return nil, err
	}
	raw, ok, err := e.st.Get(keyOutboxAt(seq, n))
	if err != nil || !ok {
		return nil, err
	}
	var ef Effect
	if err := json.Unmarshal(raw, &ef); err != nil {
		return nil, fmt.Errorf("effect %s is stored damaged: %v", key, err)
	}
	return &ef, nil
}

// ItemInfo is a committed item as a listing shows it.
type ItemInfo struct {
	ID       string
	Entity   string
	Pipeline string
	Fields   map[string]value.Value
}

// ItemsAfter calls fn with every committed item whose ID sorts after
// after (every item when it is empty), in the order of their keys, until
// fn returns false. IDs sort as text ("10" before "9").
func (e *Engine) ItemsAfter(after string, fn func(ItemInfo) bool) error {
	return itemsAfter(e.st, after, fn)
}

// ItemsByStage counts a store's items by plan.ItemsKey: how
// many a plan that removes a stage or pipeline leaves there (plan.SetItems).
func ItemsByStage(st *store.Store) (map[string]int, error) {
	counts := map[string]int{}
	err := itemsAfter(st, "", func(it ItemInfo) bool {
		counts[plan.ItemsKey(it.Entity, it.Pipeline, it.Fields["stage"].S)]++
		return true
	})
	return counts, err
}

func itemsAfter(st *store.Store, after string, fn func(ItemInfo) bool) error {
	prefix := layout + "item/"
	from := []byte(prefix)
	if after != "" {
		from = append(keyItem(after), 0)
	}
	var bad error
	err := st.ScanRange(from, []byte(layout+"item0"), func(k, v []byte) bool {
		var s stored
		if err := json.Unmarshal(v, &s); err != nil {
			bad = fmt.Errorf("item %q is stored damaged: %v", k, err)
			return false
		}
		return fn(ItemInfo{ID: s.ID, Entity: s.Entity, Pipeline: s.Pipeline, Fields: s.Fields})
	})
	return errors.Join(bad, err)
}

// TimelineAfter calls fn with the entries of an item's timeline written by
// each input after sequence number seq, an input at a time, in order,
// until fn returns false.
func (e *Engine) TimelineAfter(id string, seq int64, fn func(seq int64, entries []Entry) bool) error {
	prefix := keyTimelineOf(id)
	end := append(append([]byte(nil), prefix[:len(prefix)-1]...), '/'+1)
	var bad error
	err := e.st.ScanRange(keyTimeline(id, seq+1), end, func(k, v []byte) bool {
		var es []Entry
		if err := json.Unmarshal(v, &es); err != nil {
			bad = fmt.Errorf("timeline entry %q is stored damaged: %v", k, err)
			return false
		}
		return fn(int64(unhex16(k[len(prefix):])), es)
	})
	return errors.Join(bad, err)
}

// TimelineAt returns the entries one input wrote on an item's timeline.
func (e *Engine) TimelineAt(id string, seq int64) ([]Entry, error) {
	raw, ok, err := e.st.Get(keyTimeline(id, seq))
	if err != nil || !ok {
		return nil, err
	}
	var es []Entry
	if err := json.Unmarshal(raw, &es); err != nil {
		return nil, fmt.Errorf("timeline of %s at %d is stored damaged: %v", id, seq, err)
	}
	return es, nil
}

// PlanOf returns the plan the deploy of a version applied; nil if there
// is no such version.
func (e *Engine) PlanOf(version int64) (*plan.Plan, error) {
	raw, ok, err := e.st.Get(keyPlanAt(version))
	if err != nil || !ok {
		return nil, err
	}
	var p plan.Plan
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("the plan of version %d is stored damaged: %v", version, err)
	}
	return &p, nil
}

// CountTimers counts the pending timers, and of them those due at or
// before now (overdue, when the clock has passed them). It reads every
// timer key: for metrics, not for a hot path.
func (e *Engine) CountTimers(now int64) (pending, due int, err error) {
	until := keyTimerUntil(now)
	err = e.st.ScanRange(keyTimer, keyTimerEnd, func(k, _ []byte) bool {
		pending++
		if string(k) < string(until) {
			due++
		}
		return true
	})
	return pending, due, err
}

// ItemOf returns a committed item with its pipeline; nil if there is none.
func (e *Engine) ItemOf(id string) (*ItemInfo, error) {
	raw, ok, err := e.st.Get(keyItem(id))
	if err != nil || !ok {
		return nil, err
	}
	var s stored
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("item %s is stored damaged: %v", id, err)
	}
	return &ItemInfo{ID: s.ID, Entity: s.Entity, Pipeline: s.Pipeline, Fields: s.Fields}, nil
}

// NextDue is the due time of the first pending timer, from where the next
// tick reads; ok is false when none is pending. A clock that finds it
// later than now has nothing to tick for.
func (e *Engine) NextDue() (due int64, ok bool, err error) {
	e.mu.Lock()
	from := e.next
	e.mu.Unlock()
	err = e.st.ScanRange(from, keyTimerEnd, func(k, _ []byte) bool {
		due, ok = dueOfTimerKey(k), true
		return false
	})
	return due, ok, err
}
