package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// timer is a pending delayed rule or chat deadline. It names its rule or
// trigger by identity, never by position, so that it survives deploys: it
// runs whatever definition has that identity when it fires.
type timer struct {
	Item    string `json:"item"`
	Rule    string `json:"rule,omitempty"`    // the rule's identity
	Trigger string `json:"trigger,omitempty"` // a deadline's trigger identity
	Version int64  `json:"version"`           // the program version that scheduled it
	Base    int64  `json:"base"`              // the time its wait counts from: a deploy recomputes the due time from it
	Entered int64  `json:"entered"`
	Keep    bool   `json:"keep,omitempty"` // fires even after the item left the stage
}

// Kinds of timers, the last letter of a timer's key: what leaving a stage
// and a manager's chat reply cancel is known from the key alone.
const (
	timerRule     byte = 'r' // a delayed rule; cancelled when the item leaves the stage
	timerKept     byte = 'k' // a delayed rule with keep
	timerDeadline byte = 'd' // a chat deadline (T-CHAT-SLA); cancelled only by a reply
)

func timerKind(key string) byte { return key[len(key)-1] }

// due is when a rule started from base runs; false if its time is empty.
func (t *tx) due(it *item, r *plannedRule, base int64) (int64, bool) {
	due, _, ok := t.dueFrom(it, r, base)
	return due, ok
}

// dueFrom is due, with the time before the calendar moved it to a working
// moment (worktime), for the timeline to say so.
func (t *tx) dueFrom(it *item, r *plannedRule, base int64) (due, unmoved int64, ok bool) {
	due, ok = base+r.After, true
	if r.at != nil {
		// The clock as it was when the wait started: a time computed
		// again (a deploy, a field changed) is that run's, not a later
		// day's (at tomorrow + 14:00).
		env := t.env(it)
		env.Now = base
		switch v := r.at(env); v.K {
		case value.DateTime, value.Date:
			due = v.Unix()
		case value.Time: // the next such time of day
			due = base - mod(base, 86400) + v.Unix()
			if due < base {
				due += 86400
			}
		default:
			ok = false
		}
	}
	unmoved = due
	if r.Worktime && t.e.cal != nil && ok {
		if due, ok = t.e.cal.next(due); !ok {
			t.timeline(it, r.Pos.String(), "the calendar has no working moment within a year")
		}
	}
	return due, unmoved, ok
}

// emptyTime says why a rule's time is empty (its at has no date, datetime
// or time of day); "" when it is not.
func (t *tx) emptyTime(it *item, r *plannedRule) string {
	if r.at == nil || r.At == nil {
		return ""
	}
	switch v := r.at(t.env(it)); v.K {
	case value.DateTime, value.Date, value.Time:
		return ""
	}
	return t.explainer(t.env(it)).EmptyTime(r.At)
}

// start starts a rule from base: at once, or by a timer. An item that
// reaches the stage after the rule's time runs it at once.
func (t *tx) start(it *item, r *plannedRule, base int64) {
	due, unmoved, ok := t.dueFrom(it, r, base)
	if !ok {
		if why := t.emptyTime(it, r); why != "" { // else the calendar said why
			t.timeline(it, r.Pos.String(), "rule not run: "+why)
		}
		return
	}
	if due <= t.now {
		t.runRule(it, r, it.Entered)
		return
	}
	kind := timerRule
	if r.Keep {
		kind = timerKept
	}
	t.schedule(due, kind, timer{Item: it.ID, Rule: r.Ident, Version: t.in.Version, Base: base, Entered: it.Entered, Keep: r.Keep})
	why := ""
	if due != unmoved { // worktime: say from what
		why = fmt.Sprintf(" (%s is not a working moment of the calendar: the next one)", dueText(unmoved))
	}
	t.timeline(it, r.Pos.String(), fmt.Sprintf("%s waits until %s%s", r.Action.Name, dueText(due), why))
}

// dueText is a due time as the timeline says it: a datetime, to the
// minute as the language writes one, with its seconds when it has some
// (a delay of 20s), so that two waits a few seconds apart read apart.
func dueText(secs int64) string {
	if s := mod(secs, 60); s != 0 {
		return fmt.Sprintf("%s:%02d", timeText(secs), s)
	}
	return timeText(secs)
}

func mod(a, b int64) int64 { return (a%b + b) % b }

// floor is the due time of the first timer key a tick reads.
func (t *tx) floor() int64 { return dueOfTimerKey(t.next) }

// schedule writes a timer. A due time before the floor (a time already
// past: a chat timeout of 0s, a deploy's recomputed time) is written at
// the floor, so that the next tick fires it: a tick never looks below it.
// Such a key still sorts after t.next: its input comes later than the one
// that wrote the timer at t.next, or it is the same input at a later
// position.
func (t *tx) schedule(due int64, kind byte, tm timer) {
	due = max(due, t.floor())
	t.n++
	key := keyTimerAt(due, t.in.Seq, t.n, kind)
	if t.until != nil && string(key) < string(t.until) {
		t.rescan = true // due in this tick: it may come before timers already read
	}
	body, err := json.Marshal(tm)
	if err != nil {
		panic(err) // a timer is strings and numbers
	}
	t.b.Set(key, body)
	if it := t.load(tm.Item); it != nil {
		it.Timers = append(it.Timers, string(key))
		t.touch(it)
	}
}

// unschedule deletes one of the item's timers.
func (t *tx) unschedule(it *item, key string) {
	if t.until != nil && key >= string(t.next) && key < string(t.until) {
		t.rescan = true // one of the timers this tick has read
	}
	t.b.Delete([]byte(key))
	t.unlist(it, key)
}

// unlist drops a timer from its item's list.
func (t *tx) unlist(it *item, key string) {
	for i, k := range it.Timers {
		if k == key {
			it.Timers = append(it.Timers[:i:i], it.Timers[i+1:]...)
			t.touch(it)
			return
		}
	}
}

// readTimer reads a pending timer through the input's batch.
func (t *tx) readTimer(key string) (timer, error) {
	var tm timer
	raw, ok, err := t.b.Get([]byte(key))
	if err != nil {
		return tm, err
	}
	if !ok {
		return tm, fmt.Errorf("timer %q is listed by its item but not stored", key)
	}
	if err := json.Unmarshal(raw, &tm); err != nil {
		return tm, fmt.Errorf("corrupt timer %q: %v", key, err)
	}
	return tm, nil
}

// leave cancels the item's pending rules (M-DELAY: leaving a stage cancels
// its delayed rules, unless they keep) and completes its auto-complete
// activities. Chat deadlines go on: only the manager's reply stops the
// clock (T-CHAT-SLA).
func (t *tx) leave(it *item) {
	for _, k := range append([]string(nil), it.Timers...) {
		if timerKind(k) != timerRule {
			continue
		}
		tm, err := t.readTimer(k)
		if err != nil {
			t.fail(err)
			return
		}
		t.unschedule(it, k)
		t.timeline(it, "", fmt.Sprintf("pending rule %q (due %s) cancelled on leaving the stage", tm.Rule, timeText(dueOfTimerKey([]byte(k)))))
	}
	t.completeActivities(it)
}

// tick fires the timers due at or before the input's time, in key order
// (due time, then the input that scheduled them and the position in it),
// each at its own due time, at most in.Limit of them. Each timer's chain
// has the limits of one input. Only timers from t.next on are read: every
// earlier one has fired (its key is a deletion that a scan would have to
// step over), and none is ever written below it.
func (t *tx) tick() error {
	t.until = keyTimerUntil(t.in.Time)
	var due [][2][]byte // the next due timers, read with one scan
	for {
		if len(due) == 0 || t.rescan {
			var err error
			if due, err = t.dueTimers(t.in.Limit - t.res.Fired + 1); err != nil {
				return err
			}
			t.rescan = false
		}
		if len(due) == 0 {
			if from := keyTimerFrom(t.in.Time); string(from) > string(t.next) { // drained
				t.next = from
			}
			break
		}
		if t.res.Fired == t.in.Limit {
			t.res.More = true
			break
		}
		key, body := due[0][0], due[0][1]
		due = due[1:]
		t.res.Fired++
		t.next = append(key, 0) // the first key after this one
		var tm timer
		if err := json.Unmarshal(body, &tm); err != nil {
			t.park(key, body, fmt.Sprintf("the timer does not decode: %v", err))
			continue
		}
		t.now = dueOfTimerKey(key)
		t.moves, t.runs, t.seen = 0, 0, nil
		if err := t.fireTimer(string(key), body, tm); err != nil {
			return err
		}
		t.runPast() // in the timer's chain
	}
	t.now = t.in.Time
	t.b.Set(keyClock, []byte(strconv.FormatInt(t.in.Time, 10)))
	t.b.Set(keyNext, t.next)
	return nil
}

// dueTimers reads up to n due timers from t.next on, in key order. What
// the chunk then does may write or delete due timers among them (a rule
// that waits less than the backlog is deep, a move that cancels another
// timer of the item); schedule and unschedule set t.rescan then, and the
// tick reads again from where it is.
func (t *tx) dueTimers(n int) ([][2][]byte, error) {
	var out [][2][]byte
	err := t.b.ScanRange(t.next, t.until, func(k, v []byte) bool {
		out = append(out, [2][]byte{k, v})
		return len(out) < n
	})
	return out, err
}

// fireTimer runs a due timer and deletes it, in the same batch.
func (t *tx) fireTimer(key string, body []byte, tm timer) error {
	it, err := t.read(tm.Item)
	var damaged *damagedError
	switch {
	case errors.As(err, &damaged):
		t.park([]byte(key), body, damaged.Error())
		return nil
	case err != nil: // the store cannot read it now: refuse the tick, lose nothing
		return fmt.Errorf("timer %q: %v", key, err)
	case it == nil:
		t.park([]byte(key), body, fmt.Sprintf("its item %q is not in the store", tm.Item))
		return nil
	}
	t.unschedule(it, key)
	if tm.Trigger != "" {
		tr := t.e.trigIdent[tm.Trigger]
		if tr == nil { // a deploy cancels these; this is only a guard
			t.timeline(it, "", fmt.Sprintf("chat deadline of trigger %q not run: no such trigger is deployed", tm.Trigger))
			return nil
		}
		t.deadline(it, tr)
		return nil
	}
	if it.Entered != tm.Entered && !tm.Keep { // leave and a deploy delete these; this is only a guard
		t.timeline(it, "", fmt.Sprintf("pending rule %q not run: the item has left the stage it started in", tm.Rule))
		return nil
	}
	r := t.e.byIdent[tm.Rule]
	if r == nil {
		t.timeline(it, "", fmt.Sprintf("pending rule %q not run: no such rule is deployed", tm.Rule))
		return nil
	}
	t.runRule(it, r, tm.Entered)
	return nil
}

// followDates reschedules the item's pending rules whose time is computed
// from its fields (at deal.delivery_date - 1d) after a field changed: a
// reminder follows the date it reminds of. A time now past runs the rule
// once the input's changes are made (runPast), as entering the stage after
// its time would; a time now empty cancels the rule. The timeline says
// which.
func (t *tx) followDates(it *item) {
	if !t.e.hasAt {
		return
	}
	for _, k := range append([]string(nil), it.Timers...) {
		if timerKind(k) == timerDeadline {
			continue
		}
		tm, err := t.readTimer(k)
		if err != nil {
			t.fail(err)
			return
		}
		r := t.e.byIdent[tm.Rule]
		if r == nil || !r.followsFields {
			continue
		}
		old := dueOfTimerKey([]byte(k))
		due, ok := t.due(it, r, tm.Base)
		if ok && max(due, t.floor()) == old {
			continue
		}
		t.unschedule(it, k)
		if !ok {
			why := t.emptyTime(it, r)
			if why == "" {
				why = "the calendar has no working moment for it"
			}
			t.timeline(it, r.Pos.String(), "pending rule cancelled: "+why)
			continue
		}
		if due <= t.now {
			t.past = append(t.past, pastRule{it: it, r: r, entered: tm.Entered, tm: tm, kind: timerKind(k)})
			t.timeline(it, r.Pos.String(), fmt.Sprintf("pending rule runs once this input's changes are made: its time follows the item's fields, and %s has passed", dueText(due)))
			continue
		}
		t.schedule(due, timerKind(k), tm)
		t.timeline(it, r.Pos.String(), fmt.Sprintf("pending rule rescheduled from %s to %s: its time follows the item's fields",
			value.Value{K: value.DateTime, N: float64(old)}, value.Value{K: value.DateTime, N: float64(max(due, t.floor()))}))
	}
}

// pastRule is a pending rule whose time a change of the item's fields
// moved into the past (followDates): it runs once the change is whole.
type pastRule struct {
	it      *item
	r       *plannedRule
	entered int64 // the item's stage entry when its time passed
	tm      timer // its timer, deleted: written again if the time is ahead after all
	kind    byte
}

// runPast runs the rules whose times changes moved into the past, once the
// input (or the tick's timer) that changed them is done with its changes,
// in the chain that moved their times, as entering the stage after its
// time would run them. The time is computed again first: an update of
// several fields is seen whole, not one field at a time, so a second field
// that puts the time ahead again reschedules the rule, and one that
// empties it cancels it. A rule of a stage the item has left since is
// cancelled, unless kept. The timeline says which.
func (t *tx) runPast() {
	for len(t.past) > 0 {
		p := t.past[0]
		t.past = t.past[1:]
		at := p.r.Pos.String()
		if p.it.Entered != p.entered && !p.r.Keep {
			t.timeline(p.it, at, "pending rule cancelled: the item left the stage before it ran")
			continue
		}
		due, ok := t.due(p.it, p.r, p.tm.Base)
		switch {
		case !ok:
			why := t.emptyTime(p.it, p.r)
			if why == "" {
				why = "the calendar has no working moment for it"
			}
			t.timeline(p.it, at, "pending rule cancelled: "+why)
		case due > t.now:
			t.schedule(due, p.kind, p.tm)
			t.timeline(p.it, at, fmt.Sprintf("pending rule rescheduled to %s: its time follows the item's fields", dueText(due)))
		default:
			t.runRule(p.it, p.r, p.entered)
		}
	}
}

// ParkedTimer is a due timer a tick could not run, kept aside with why.
type ParkedTimer struct {
	Key    string `json:"key"`    // its key in the timer space
	Timer  []byte `json:"timer"`  // its record, byte for byte as it was stored (damaged records need not be UTF-8)
	Reason string `json:"reason"` // what is damaged
	Seq    int64  `json:"seq"`    // the tick that parked it
}

// park moves a due timer that cannot run out of the timer space, with the
// reason, in the tick's batch. Only damage parks a timer (a record that does
// not decode, an item that is gone or whose record does not decode); failing the tick
// instead would stop every other item's clock at this timer, for good.
func (t *tx) park(key, body []byte, reason string) {
	p := ParkedTimer{Key: string(key), Timer: bytes.Clone(body), Reason: reason, Seq: t.in.Seq}
	b, _ := json.Marshal(p) // strings only: cannot fail
	t.b.Delete(key)
	t.b.Set(keyParkedOf(key), b)
	t.res.Parked = append(t.res.Parked, p)
}

// ParkedTimers lists the timers ticks have parked, in due order.
func ParkedTimers(st *store.Store) ([]ParkedTimer, error) {
	var out []ParkedTimer
	var bad error
	err := st.Scan(keyParked, func(k, v []byte) bool {
		var p ParkedTimer
		if err := json.Unmarshal(v, &p); err != nil {
			bad = fmt.Errorf("corrupt parked timer %q: %v", k, err)
			return false
		}
		out = append(out, p)
		return true
	})
	return out, firstErr(bad, err)
}
