package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// plannedRule is a rule with its expressions planned.
type plannedRule struct {
	*ir.Rule
	cond func(*interp.Env) bool
	at   interp.Eval
	// followsFields is set when at reads the item's own fields: a change
	// of them computes its pending runs' time again (followDates).
	followsFields bool
	target        interp.Eval
	value         interp.Eval
	owner         func(*interp.Env) *interp.Item // update: the item whose field it sets
	settings      map[string]interp.Eval
	auto          map[string]bool
}

// plannedTrigger is a trigger with its expressions planned.
type plannedTrigger struct {
	*ir.Trigger
	cond     func(*interp.Env) bool
	settings map[string]interp.Eval
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
		if it.Pipeline == "" {
			return 0, fmt.Errorf("item %s (%s) has no stages", it.ID, it.Entity)
		}
		return 0, fmt.Errorf("item %s is in pipeline %q (%s), which the running rules no longer have (a deploy removed it): it has no stage to move to", it.ID, it.Pipeline, it.Entity)
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
	if t.moves > t.e.opts.MaxMoves || t.seen[loopKey] {
		if from == "" {
			// An item being created is never left without a stage: it is
			// put in its stage, whose rules do not start.
			t.setField(it, "stage", value.TextOf(stage))
			t.timeline(it, rule, fmt.Sprintf("loop stopped: created in %s without starting its rules: this chain already changed stages %d times (the limit)", stage, t.e.opts.MaxMoves))
			return
		}
		t.timeline(it, rule, fmt.Sprintf("loop stopped: the move to %s would repeat a stage change of this chain (limit %d moves)", stage, t.e.opts.MaxMoves))
		return
	}
	t.seen[loopKey] = true
	if from != "" {
		t.leave(it)
	}
	t.setField(it, "stage", value.TextOf(stage))
	// The entry's number: unique even when one input moves the item
	// twice, or a tick's timers each move it (their chains count moves
	// apart, so the count of the input's entries is used).
	if t.entries++; t.entries >= 1<<entryBits {
		t.fail(fmt.Errorf("input %d enters stages more than %d times", t.in.Seq, 1<<entryBits-1))
		return
	}
	it.Entered, it.Vars = t.in.Seq<<entryBits+int64(t.entries), nil
	if from == "" {
		t.timeline(it, rule, fmt.Sprintf("entered %s (%s)", stage, how))
	} else {
		t.timeline(it, rule, fmt.Sprintf("moved from %s to %s %s", from, stage, how))
	}
	// A rule that moves the item on (an update whose trigger moves it)
	// ends the entry: the stage's rules not started yet are not started,
	// as leaving cancels those pending, so none runs, or waits, in the
	// stage the item went on to; a kept rule (keep) is started all the
	// same, as leaving would not have cancelled it.
	entry, first, skipped := it.Entered, "", 0
	for _, r := range t.e.byStage[it.Pipeline+"/"+stage] {
		if it.Entered != entry && !r.Keep {
			if skipped++; first == "" {
				first = r.Pos.String()
			}
			continue
		}
		t.start(it, r, t.now)
	}
	if skipped > 0 {
		t.timeline(it, first, fmt.Sprintf("rules of %s not started (%d, this one first): the item left the stage as it entered", stage, skipped))
	}
}

// runRule runs a rule whose time has come, then starts the rules after it
// if the item is still in the stay of its stage the run was started in
// (stay: its Entered then): a kept run after the item left starts none,
// even when the item is back in the stage (a stay of its own).
func (t *tx) runRule(it *item, r *plannedRule, stay int64) {
	t.runs++
	if t.runs > t.e.opts.MaxActions {
		t.timeline(it, r.Pos.String(), fmt.Sprintf("rule not run: this chain already ran %d rules (the limit of one input or one timer's chain)", t.e.opts.MaxActions))
		return
	}
	env := t.env(it)
	if !r.cond(env) {
		t.timeline(it, r.Pos.String(), "rule skipped: "+t.explainer(env).Condition(r.Cond))
	} else if !t.act(it, r, env) {
		return // the rules after it start when its answer comes
	}
	if t.field(it, "stage").S != r.Stage { // the action moved the item on
		return
	}
	if it.Entered != stay {
		if len(t.e.follow[r.Index]) > 0 {
			t.timeline(it, r.Pos.String(), "the rules after it do not start: the item left the stage this run was started in")
		}
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

// explainer explains a rule's condition or time for the timeline, over
// the item's environment. It is the slow path of a skipped rule: the
// operands are planned here.
func (t *tx) explainer(env *interp.Env) Explainer {
	ent := env.Item.Entity
	return Explainer{
		Source:  func(x *ir.Expr) string { return plan.Source(x) },
		Eval:    func(x *ir.Expr) value.Value { return t.e.pl.Plan(x, ent)(env) },
		Literal: timelineLiteral,
	}
}
