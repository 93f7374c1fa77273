package engine

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// plannedRule is a rule with its expressions planned.
type plannedRule struct {
	*ir.Rule
	cond     func(*interp.Env) bool
	at       interp.Eval
	target   interp.Eval
	value    interp.Eval
	settings map[string]interp.Eval
	auto     map[string]bool
}

// plannedTrigger is a trigger with its expressions planned.
type plannedTrigger struct {
	*ir.Trigger
	cond     func(*interp.Env) bool
	settings map[string]interp.Eval
}

func (e *Engine) plan() {
	for _, r := range e.prog.Rules {
		pr := &plannedRule{Rule: r, cond: e.pl.Truth(r.Cond, r.Entity), settings: map[string]interp.Eval{}, auto: map[string]bool{}}
		if r.At != nil {
			pr.at = e.pl.Plan(r.At, r.Entity)
		}
		a := r.Action
		if a.Target != nil {
			pr.target = e.pl.Plan(a.Target, r.Entity)
		}
		if a.Value != nil {
			pr.value = e.pl.Plan(a.Value, r.Entity)
		}
		for _, s := range a.Settings {
			if s.Auto {
				pr.auto[s.Name] = true
			} else {
				pr.settings[s.Name] = e.pl.Plan(s.Value, r.Entity)
			}
		}
		e.rules = append(e.rules, pr)
		if r.Previous >= 0 {
			e.follow[r.Previous] = append(e.follow[r.Previous], pr)
		} else {
			key := r.Pipeline + "/" + r.Stage
			e.byStage[key] = append(e.byStage[key], pr)
		}
	}
	for _, tr := range e.prog.Triggers {
		pt := &plannedTrigger{Trigger: tr, cond: e.pl.Truth(tr.Cond, tr.Entity), settings: map[string]interp.Eval{}}
		for _, s := range tr.Settings {
			if s.Value != nil {
				pt.settings[s.Name] = e.pl.Plan(s.Value, tr.Entity)
			}
		}
		e.triggers = append(e.triggers, pt)
	}
}

func (e *Engine) pipelineOf(entity, name string) *ir.Pipeline {
	for _, p := range e.prog.Pipelines {
		if p.Entity == entity && (name == "" || p.Name == name) {
			return p
		}
	}
	return nil
}

// stageIndex is the stage's position in the item's pipeline, or an error
// naming the stages it has.
func (e *Engine) stageIndex(it *item, stage string) (int, error) {
	p := e.pipes[it.Entity+"/"+it.Pipeline]
	if p == nil {
		return 0, fmt.Errorf("item %s (%s) has no stages", it.ID, it.Entity)
	}
	var names []string
	for i, s := range p.Stages {
		if s.Name == stage {
			return i, nil
		}
		names = append(names, s.Name)
	}
	return 0, fmt.Errorf("stage %q is not in pipeline %s of item %s; its stages are %s", stage, p.Name, it.ID, strings.Join(names, ", "))
}

// move takes an item to a stage: it leaves the old one (cancelling its
// pending rules and completing its auto-complete activities) and enters the
// new one, starting its rules. A move to the current stage does nothing.
func (t *tx) move(it *item, stage, how, rule string) {
	from := t.field(it, "stage").S
	if from == stage {
		return
	}
	t.moves++
	loopKey := it.ID + "/" + stage
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	if t.moves > MaxMoves || t.seen[loopKey] {
		t.timeline(it, rule, fmt.Sprintf("loop stopped: the move to %s would repeat a stage change of this input (limit %d moves)", stage, MaxMoves))
		return
	}
	t.seen[loopKey] = true
	if from != "" {
		t.leave(it)
	}
	t.setField(it, "stage", value.TextOf(stage))
	// The entry's number: unique even when one input moves the item twice.
	it.Entered, it.Vars = t.in.Seq*(MaxMoves+1)+int64(t.moves), nil
	if from == "" {
		t.timeline(it, rule, fmt.Sprintf("entered %s (%s)", stage, how))
	} else {
		t.timeline(it, rule, fmt.Sprintf("moved from %s to %s %s", from, stage, how))
	}
	for _, r := range t.e.byStage[it.Pipeline+"/"+stage] {
		t.start(it, r, t.now)
	}
}

// leave cancels the item's pending timers (M-DELAY: leaving a stage cancels
// its delayed rules) and completes its auto-complete activities.
func (t *tx) leave(it *item) {
	var kept []string
	for _, k := range it.Timers {
		if timerKind(k) == timerKept {
			kept = append(kept, k)
			continue
		}
		t.b.Delete([]byte(k))
	}
	if n := len(it.Timers) - len(kept); n > 0 {
		t.timeline(it, "", fmt.Sprintf("%d pending rule(s) cancelled on leaving the stage", n))
	}
	if len(kept) != len(it.Timers) {
		it.Timers = kept
		t.touch(it)
	}
	t.completeActivities(it)
}

// timer is a pending delayed rule or chat deadline.
type timer struct {
	Item    string `json:"item"`
	Rule    int    `json:"rule"`    // rule index; -1 for a trigger's deadline
	Trigger int    `json:"trigger"` // for a deadline
	Entered int64  `json:"entered"`
	Keep    bool   `json:"keep,omitempty"` // fires even after the item left the stage
}

// start starts a rule from base: at once, or by a timer. An item that
// reaches the stage after the rule's time runs it at once.
func (t *tx) start(it *item, r *plannedRule, base int64) {
	due := base + r.After
	if r.at != nil {
		env := t.env(it)
		v := r.at(env)
		switch v.K {
		case value.DateTime, value.Date:
			due = v.Unix()
		case value.Time: // the next such time of day
			due = base - mod(base, 86400) + v.Unix()
			if due < base {
				due += 86400
			}
		default:
			t.timeline(it, r.Pos.String(), "rule not run: its time is empty")
			return
		}
	}
	if r.Worktime && t.e.cal != nil {
		due = t.e.cal.next(due)
	}
	if due <= t.now {
		t.runRule(it, r)
		return
	}
	kind := timerRule
	if r.Keep {
		kind = timerKept
	}
	t.schedule(due, kind, timer{Item: it.ID, Rule: r.Index, Trigger: -1, Entered: it.Entered, Keep: r.Keep})
}

func mod(a, b int64) int64 { return (a%b + b) % b }

// Kinds of timers, the last letter of a timer's key: what leaving a stage
// and a manager's chat reply cancel is known from the key alone.
const (
	timerRule     byte = 'r' // a delayed rule; cancelled when the item leaves the stage
	timerKept     byte = 'k' // a delayed rule with keep
	timerDeadline byte = 'd' // a chat deadline (T-CHAT-SLA); cancelled by a reply
)

func timerKind(key string) byte { return key[len(key)-1] }

func (t *tx) schedule(due int64, kind byte, tm timer) {
	t.n++
	key := keyTimerAt(due, t.in.Seq, t.n, kind)
	body, _ := json.Marshal(tm)
	t.b.Set(key, body)
	if it := t.load(tm.Item); it != nil {
		it.Timers = append(it.Timers, string(key))
		t.touch(it)
	}
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

// tick fires every timer due at or before now, each at its own due time,
// in due order. It reads only the timers due since the last tick: the
// pending ones after them, and the fired ones before them, are never
// visited.
func (t *tx) tick(now int64) error {
	from := keyTimer
	if t.e.clock > 0 { // every timer due by the last tick has fired
		from = keyTimerUntil(t.e.clock)
	}
	until := keyTimerUntil(now)
	for {
		var key, body []byte
		if err := t.b.ScanRange(from, until, func(k, v []byte) bool {
			key, body = k, v
			return false
		}); err != nil {
			return err
		}
		if key == nil {
			break
		}
		from = append(key, 0) // the next key after this one
		var tm timer
		if err := json.Unmarshal(body, &tm); err != nil {
			return fmt.Errorf("corrupt timer %q: %v", key, err)
		}
		t.b.Delete(key)
		var due uint64
		fmt.Sscanf(strings.Split(string(key), "/")[2], "%x", &due)
		t.now = int64(due)
		it := t.load(tm.Item)
		if it == nil {
			continue
		}
		t.unlist(it, string(key))
		if it.Entered != tm.Entered && !tm.Keep {
			continue
		}
		if tm.Rule >= 0 {
			t.runRule(it, t.e.rules[tm.Rule])
		} else {
			t.deadline(it, t.e.triggers[tm.Trigger])
		}
	}
	t.now = now
	t.b.Set(keyClock, []byte(strconv.FormatInt(now, 10)))
	return nil
}

// runRule runs a rule whose time has come, then starts the rules after it.
func (t *tx) runRule(it *item, r *plannedRule) {
	t.runs++
	if t.runs > MaxActions {
		t.timeline(it, r.Pos.String(), fmt.Sprintf("rule not run: this input already ran %d rules", MaxActions))
		return
	}
	env := t.env(it)
	if !r.cond(env) {
		t.timeline(it, r.Pos.String(), "rule skipped: its condition is false")
	} else if !t.act(it, r, env) {
		return // the rules after it start when its answer comes
	}
	if t.field(it, "stage").S != r.Stage { // the action moved the item on
		return
	}
	for _, next := range t.e.follow[r.Index] {
		t.start(it, next, t.now)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
