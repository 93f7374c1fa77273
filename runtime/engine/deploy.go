package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Deploy runs a program from now on: an input of its own, which stores the
// program as the next version, computes the plan against the running one
// (plan.Compare, what `stagecraft diff` prints) and applies it to pending
// work, all in one batch (spec/semantics.md, "Deploys"). Deploying an
// earlier version's program is a rollback: a new version with its own plan.
func (e *Engine) Deploy(prog *ir.Program, at int64) (*Result, error) {
	body, err := ir.Encode(prog)
	if err != nil {
		return nil, err
	}
	return e.Apply(Input{Kind: "deploy", Time: at, Program: body})
}

// deploy is the deploy input.
func (t *tx) deploy() error {
	prog, err := ir.Decode(t.in.Program)
	if err != nil {
		return fmt.Errorf("deploy: %v", err)
	}
	version := t.e.version + 1
	if t.in.Version != 0 && t.in.Version != version { // a replayed deploy
		return fmt.Errorf("deploy %d made version %d, but the next version here is %d", t.in.Seq, t.in.Version, version)
	}
	t.in.Version = version
	old := t.e.prog
	if old == nil {
		old = &ir.Program{}
	}
	p := plan.Compare(old, prog)
	body, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := t.logInput(); err != nil {
		return err
	}
	t.b.Set(keyProgramAt(version), t.in.Program)
	t.b.Set(keyPlanAt(version), body)
	t.res.Plan = p
	// The pending work is read and rewritten under the new program: its
	// items decoded for its fields, its rules' times.
	nl, err := load(prog, t.in.Program, t.e.lib)
	if err != nil {
		return fmt.Errorf("deploy: %v", err)
	}
	t.restore, t.deployed = t.e.loaded, nl
	t.e.loaded = t.deployed
	clear(t.e.cache)
	if !touchesPending(p) && !calendarChanged(p) {
		return nil
	}
	if err := t.replanTimers(p, version); err != nil {
		return err
	}
	return t.replanAwaits(p, version)
}

// touchesPending reports whether the plan changes anything pending work
// depends on.
func touchesPending(p *plan.Plan) bool {
	for i := range p.Changes {
		if touches(&p.Changes[i]) {
			return true
		}
	}
	return false
}

// calendarChanged reports whether the plan changes the workspace's
// calendar: the pending runs of worktime rules then get the due time the
// new calendar gives them (M-WORKTIME: a run is at a working moment).
func calendarChanged(p *plan.Plan) bool {
	for _, d := range p.Declared {
		if d.What == "calendar" {
			return true
		}
	}
	return false
}

// touches reports whether a change reaches the pending work of its rule or
// trigger: removed or moved (cancelled), renamed (carried to the new
// identity), a timing changed (a new due time; for a trigger, any change
// may be of its timeout).
func touches(c *plan.Change) bool {
	return c == nil || c.Kind == plan.Removed || c.Kind == plan.Moved || c.OldIdent != "" ||
		c.Kind == plan.Changed && (c.Timing || c.What == "trigger")
}

// pendingTimer is a stored timer the plan touches.
type pendingTimer struct {
	key  string
	body []byte // as stored, for parking
	tm   timer
	c    *plan.Change
}

// replanTimers applies the plan to the pending timers: those of removed
// rules and triggers, and of rules moved to another stage, are cancelled;
// those whose timing changed get the due time the new definition gives
// from when their wait started. The rest run the new definition when due.
func (t *tx) replanTimers(p *plan.Plan, version int64) error {
	var touched []pendingTimer
	calendar := calendarChanged(p)
	// The committed timers, from the first a tick reads (before it there
	// are only deletions): this batch has written none yet. Damaged ones
	// are parked, as a tick parks them: a deploy must not wait for a repair.
	err := t.e.st.ScanRange(t.next, keyTimerEnd, func(k, v []byte) bool {
		var tm timer
		if err := json.Unmarshal(v, &tm); err != nil {
			t.park(bytes.Clone(k), bytes.Clone(v), fmt.Sprintf("the timer does not decode: %v", err))
			return true
		}
		what, ident := "rule", tm.Rule
		if tm.Trigger != "" {
			what, ident = "trigger", tm.Trigger
		}
		c := p.Of(what, ident)
		if touches(c) || calendar && tm.Trigger == "" && t.worktime(c) {
			touched = append(touched, pendingTimer{string(k), bytes.Clone(v), tm, c})
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("deploy: reading pending timers: %v", err)
	}
	// What each item has pending in its stay, by the new identities, read
	// before any of it is rewritten: a rename later in the loop (alike
	// rules swapping identities) must not be read as another rule's work.
	pending, err := t.pendingByNewIdent(p, touched)
	if err != nil {
		return err
	}
	for _, pt := range touched {
		it, err := t.read(pt.tm.Item)
		var damaged *damagedError
		switch {
		case errors.As(err, &damaged):
			t.park([]byte(pt.key), pt.body, damaged.Error())
			continue
		case err != nil:
			return fmt.Errorf("deploy: timer %q: %v", pt.key, err)
		case it == nil:
			t.park([]byte(pt.key), pt.body, fmt.Sprintf("its item %q is not in the store", pt.tm.Item))
			continue
		}
		old := dueOfTimerKey([]byte(pt.key))
		if pt.c == nil || pt.c.Kind == plan.Removed || pt.c.Kind == plan.Moved {
			t.unschedule(it, pt.key)
			t.timeline(it, "", fmt.Sprintf("pending %s cancelled by the deploy of version %d: %s", describe(pt.tm), version, why(pt.c)))
			continue
		}
		renamed := pt.c.OldIdent != ""
		if renamed && pt.tm.Trigger != "" {
			pt.tm.Trigger = pt.c.Ident
		} else if renamed {
			pt.tm.Rule = pt.c.Ident
		}
		due, kind, ok := old, timerKind(pt.key), true
		if pt.tm.Trigger != "" {
			tr := t.e.trigIdent[pt.c.Ident]
			due = pt.tm.Base + t.timeout(it, tr)
		} else {
			r := t.e.byIdent[pt.c.Ident]
			if why := t.dropped(pending[it.ID], pt, r, it); why != "" {
				t.unschedule(it, pt.key)
				t.timeline(it, "", fmt.Sprintf("pending %s cancelled by the deploy of version %d: %s", describe(pt.tm), version, why))
				continue
			}
			// Only a change of its timing (or of the calendar a worktime
			// run keeps to) computes its time again; a rule renamed, or
			// changed otherwise, keeps the due time it has.
			if pt.c.Timing || calendar && t.worktime(pt.c) {
				due, ok = t.due(it, r, pt.tm.Base)
			}
			kind = timerRule
			if r.Keep {
				kind = timerKept
			}
			pt.tm.Keep = r.Keep
		}
		if ok && max(due, t.floor()) == old && kind == timerKind(pt.key) {
			if renamed { // the same time, under its new name
				body, err := json.Marshal(pt.tm)
				if err != nil {
					return err
				}
				t.b.Set([]byte(pt.key), body)
				t.timeline(it, "", fmt.Sprintf("pending %s renamed from %q by the deploy of version %d", describe(pt.tm), pt.c.OldIdent, version))
			}
			continue
		}
		t.unschedule(it, pt.key)
		if !ok {
			t.timeline(it, "", fmt.Sprintf("pending %s cancelled by the deploy of version %d: its time is now empty", describe(pt.tm), version))
			continue
		}
		pt.tm.Version = version
		t.schedule(due, kind, pt.tm)
		t.timeline(it, "", fmt.Sprintf("pending %s rescheduled by the deploy of version %d: due %s, was %s", describe(pt.tm), version,
			dueText(max(due, t.floor())), dueText(old)))
	}
	return nil
}

// dropped says why a changed rule's pending run does not go on under its
// new definition, or "": a rule that now runs after another (then) is
// started by that one, and a run kept after the item left the stage ends
// when the rule no longer keeps.
func (t *tx) dropped(pending map[string]bool, pt pendingTimer, r *plannedRule, it *item) string {
	for _, s := range pt.c.Settings {
		// Only while the rules it now follows are still to run for the
		// item, in its stay, in the rule's stage: when they have run, or
		// their run will start nothing (a kept one of a stay the item
		// left), nothing will start it again, and the run goes on.
		if s.Name == "then" && r.Previous >= 0 && t.field(it, "stage").S == r.Stage && t.chainPending(pending, r) {
			return fmt.Sprintf("the rule now runs then, after %s, which is still to run and starts it", s.New)
		}
	}
	if pt.tm.Keep && !r.Keep && it.Entered != pt.tm.Entered {
		return "the rule no longer keeps its runs (keep), and the item has left the stage it started in"
	}
	return ""
}

// worktime reports whether the rule a change leaves running keeps to the
// calendar (worktime) with a time computed again from when its wait
// started: a delay, or a time read from the item's fields. A time read
// from the clock (at tomorrow + 14:00) is not: read at the deploy it
// would be another day's.
func (t *tx) worktime(c *plan.Change) bool {
	r := t.e.byIdent[c.Ident]
	return r != nil && r.Worktime && (r.At == nil || r.followsFields)
}

// chainPending reports whether a rule r now follows (then), or one
// before it in its chain, is among the item's pending work (pending:
// pendingByNewIdent's, of the item).
func (t *tx) chainPending(pending map[string]bool, r *plannedRule) bool {
	for prev := r.Previous; prev >= 0; prev = t.e.prog.Rules[prev].Previous {
		if pending[t.e.prog.Rules[prev].Ident] {
			return true
		}
	}
	return false
}

// pendingByNewIdent reads, for each item of the touched timers, the rules
// that have work pending in the item's stay (a timer, a webhook answer
// awaited), by the identity the plan gives them in the new program.
func (t *tx) pendingByNewIdent(p *plan.Plan, touched []pendingTimer) (map[string]map[string]bool, error) {
	newIdent := func(old string) string {
		if c := p.Of("rule", old); c != nil && c.Kind != plan.Removed && c.Kind != plan.Moved {
			return c.Ident
		}
		return ""
	}
	out := map[string]map[string]bool{}
	for _, pt := range touched {
		if _, done := out[pt.tm.Item]; done {
			continue
		}
		it, err := t.read(pt.tm.Item)
		if err != nil || it == nil {
			continue // the loop parks it, saying why
		}
		m := map[string]bool{}
		for _, aw := range it.Awaiting {
			if aw.Entered == it.Entered {
				m[newIdent(aw.Rule)] = true
			}
		}
		for _, k := range it.Timers {
			if timerKind(k) == timerDeadline {
				continue
			}
			tm, err := t.readTimer(k)
			if err != nil {
				continue // damaged: the loop parks it, saying why
			}
			if tm.Entered == it.Entered {
				m[newIdent(tm.Rule)] = true
			}
		}
		delete(m, "")
		out[pt.tm.Item] = m
	}
	return out, nil
}

// replanAwaits cancels the webhook calls whose rule the plan removes or
// moves (the rules after the call will not run when the answer comes), and
// carries those of a renamed rule to its new identity.
func (t *tx) replanAwaits(p *plan.Plan, version int64) error {
	type call struct{ key, item string }
	var calls []call
	if err := t.e.st.Scan(keyAwait, func(k, v []byte) bool {
		calls = append(calls, call{string(k[len(keyAwait):]), string(v)})
		return true
	}); err != nil {
		return fmt.Errorf("deploy: reading awaited answers: %v", err)
	}
	for _, cl := range calls {
		it, err := t.mustItem(cl.item)
		if err != nil {
			return fmt.Errorf("deploy: awaited answer %q: %v", cl.key, err)
		}
		for i, aw := range it.Awaiting {
			if aw.Key != cl.key {
				continue
			}
			switch c := p.Of("rule", aw.Rule); {
			case c == nil || c.Kind == plan.Removed || c.Kind == plan.Moved:
				it.Awaiting = append(it.Awaiting[:i:i], it.Awaiting[i+1:]...)
				t.touch(it)
				t.b.Delete(keyAwaitOf(cl.key))
				t.timeline(it, "", fmt.Sprintf("the rules waiting for webhook %s after rule %q are cancelled by the deploy of version %d: %s",
					cl.key, aw.Rule, version, why(c)))
			case c.OldIdent != "": // renamed: the answer goes to it under its new name
				it.Awaiting[i].Rule = c.Ident
				t.touch(it)
			}
			break
		}
	}
	return nil
}

func describe(tm timer) string {
	if tm.Trigger != "" {
		return fmt.Sprintf("chat deadline of trigger %q", tm.Trigger)
	}
	return fmt.Sprintf("run of rule %q", tm.Rule)
}

func why(c *plan.Change) string {
	switch {
	case c == nil || c.Kind == plan.Removed:
		return "it was removed"
	case c.Kind == plan.Moved:
		return fmt.Sprintf("it moved from stage %s to stage %s", c.FromStage, c.Stage)
	}
	return string(c.Kind)
}

func timeText(secs int64) string { return value.Value{K: value.DateTime, N: float64(secs)}.String() }

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Pending counts the pending work in a store by the identity of the rule
// or trigger it belongs to: timers of delayed rules, chat deadlines and
// webhook calls whose answer the next rules await. `stagecraft diff
// --data` shows how much of it each change of a plan touches.
func Pending(st *store.Store) (map[string]int, error) {
	out := map[string]int{}
	from := keyTimer
	if next, ok, err := st.Get(keyNext); err != nil {
		return nil, err
	} else if ok {
		from = next // before it there are only deletions
	}
	var bad error
	err := st.ScanRange(from, keyTimerEnd, func(k, v []byte) bool {
		var tm timer
		if err := json.Unmarshal(v, &tm); err != nil {
			bad = fmt.Errorf("corrupt timer %q: %v", k, err)
			return false
		}
		out[tm.Rule+tm.Trigger]++
		return true
	})
	if err := firstErr(bad, err); err != nil {
		return nil, err
	}
	items := map[string]bool{} // an item awaiting several answers lists them all
	if err := st.Scan(keyAwait, func(_, v []byte) bool {
		items[string(v)] = true
		return true
	}); err != nil {
		return nil, err
	}
	for _, id := range sortedKeys(items) {
		raw, ok, err := st.Get(keyItem(id))
		if err != nil || !ok {
			return nil, fmt.Errorf("awaited answer of item %q: %v", id, firstErr(err, fmt.Errorf("no such item")))
		}
		var s stored
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("item %q: %v", id, err)
		}
		for _, aw := range s.Awaiting {
			out[aw.Rule]++
		}
	}
	return out, nil
}
