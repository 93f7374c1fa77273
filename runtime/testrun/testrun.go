// Package testrun runs the language's `test` blocks: each on a fresh engine
// over an in-memory Pebble store, with a clock that moves only when the test
// says so (at, wait).
package testrun

import (
	"fmt"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// DefaultStart is the clock of a test with no `at`: 2026-01-05T09:00, a Monday.
const DefaultStart = 1767603600

// Failure is a failed step.
type Failure struct {
	Step *ir.Step
	Msg  string
}

// Outcome is one test's result.
type Outcome struct {
	Test     *ir.Test
	Failures []Failure
	Timeline []engine.Entry
	// Steps are the steps that ran, each with the timeline entries it
	// made, for a report that interleaves them (stagecraft run).
	Steps []StepResult
	// Names are the test's names of the items it made: ID -> name.
	Names map[string]string
}

// StepResult is a step that ran: Timeline[From:To] is what it made, and
// Failure why it failed ("" when it did not).
type StepResult struct {
	Step     *ir.Step
	From, To int
	Failure  string
}

// Run runs one test on a fresh in-memory store, with a library's actions
// and functions (stdlib.Runtime).
func Run(p *ir.Program, lib engine.Library, t *ir.Test) (*Outcome, error) {
	st, err := store.OpenMem()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return RunOn(st, p, lib, t)
}

// RunOn runs one test on the given store, which should be empty.
func RunOn(st *store.Store, p *ir.Program, lib engine.Library, t *ir.Test) (*Outcome, error) {
	eng, err := engine.New(st, p, lib)
	if err != nil {
		return nil, err
	}
	r := &runner{p: p, eng: eng, pl: interp.NewPlanner(p, lib.Funcs), now: DefaultStart, ids: map[string]string{}, named: map[string]effectAt{}, out: &Outcome{Test: t}}
	r.out.Names = map[string]string{}
	for _, s := range t.Steps {
		from, failed := len(r.out.Timeline), len(r.out.Failures)
		err := r.step(s)
		if err == nil {
			err, r.err = r.err, nil
		}
		if err != nil {
			r.fail(s, err.Error())
		}
		res := StepResult{Step: s, From: from, To: len(r.out.Timeline)}
		if len(r.out.Failures) > failed {
			res.Failure = r.out.Failures[len(r.out.Failures)-1].Msg
		}
		r.out.Steps = append(r.out.Steps, res)
		if err != nil {
			break
		}
	}
	for name, id := range r.ids {
		r.out.Names[id] = name
	}
	return r.out, nil
}

type runner struct {
	p   *ir.Program
	eng *engine.Engine
	pl  *interp.Planner
	now int64
	// begun is set by the first input: from then on the clock only moves
	// forward (an item created, then moved days before it was).
	begun bool
	ids   map[string]string // test item name -> ID
	// answered are the webhook calls (their outbox keys) the test has
	// answered (event webhook answer).
	answered map[string]bool
	// named are the effects that expectations named (as NAME), for after.
	named map[string]effectAt
	out   *Outcome
	err   error // a store error met while evaluating: the step fails with it
}

func (r *runner) fail(s *ir.Step, msg string) {
	r.out.Failures = append(r.out.Failures, Failure{Step: s, Msg: msg})
}

// apply applies an input at the test's time.
func (r *runner) apply(in engine.Input) error {
	_, err := r.do(in)
	return err
}

// do is apply, returning what the input did.
func (r *runner) do(in engine.Input) (*engine.Result, error) {
	in.Time = r.now
	r.begun = true
	res, err := r.eng.Apply(in)
	if err == nil {
		r.out.Timeline = append(r.out.Timeline, res.Timeline...)
	}
	return res, err
}

func (r *runner) step(s *ir.Step) error {
	switch s.Op {
	case "at":
		to := r.eval(s.Value, "").Unix()
		if to < r.now && r.begun {
			return fmt.Errorf("at %s is before the test's clock, %s: the clock moves forward only (an `at` before the first input sets where the test starts)",
				value.Value{K: value.DateTime, N: float64(to)}, value.Value{K: value.DateTime, N: float64(r.now)})
		}
		return r.advance(to)
	case "wait":
		return r.advance(r.now + s.Seconds)
	case "given":
		fields := map[string]value.Value{}
		pipeline := ""
		for _, set := range s.Settings {
			v := r.eval(set.Value, s.Entity)
			if set.Name == "pipeline" {
				pipeline = v.S
				continue
			}
			fields[set.Name] = v // the engine conforms it to the field: a test's item is a reference, one address a list
		}
		res, err := r.do(engine.Input{Kind: "create", Entity: s.Entity, Pipeline: pipeline, Fields: fields})
		if err != nil {
			return err
		}
		r.ids[s.Item] = res.Created[0]
		return nil
	case "move":
		return r.apply(engine.Input{Kind: "move", Item: r.ids[s.Item], Stage: s.Stage, By: s.By})
	case "set":
		return r.apply(engine.Input{Kind: "update", Item: r.ids[s.Item], Fields: map[string]value.Value{s.Field: r.eval(s.Value, "")}})
	case "event":
		fields := map[string]value.Value{}
		for _, set := range s.Settings {
			fields[set.Name] = r.eval(set.Value, "")
		}
		if s.Event == WebhookAnswer {
			return r.answer(s.Item, fields)
		}
		return r.apply(engine.Input{Kind: "event", Item: r.ids[s.Item], Event: s.Event, Fields: fields})
	case "expect":
		if !value.Truth(r.eval(s.Value, "")) {
			r.fail(s, r.explain(s.Value))
		}
	case "expect-timeline":
		return r.expectTimeline(s)
	case "expect-effect":
		return r.expectEffect(s)
	}
	return nil
}

// WebhookAnswer is the test event that answers an item's webhook call
// (R-WEBHOOK), as the server does when the call returns.
const WebhookAnswer = "webhook answer"

// answer applies the answer to the item's first webhook call that the
// test has not answered yet: the engine's answer input, keyed by the
// call's outbox record, as the server's dispatcher applies it.
func (r *runner) answer(item string, fields map[string]value.Value) error {
	id := r.ids[item]
	effects, err := r.eng.Effects()
	if err != nil {
		return err
	}
	for _, ef := range effects {
		if ef.Verb != "sent" || ef.Kind != "webhook" || ef.Item != id || r.answered[ef.Key] {
			continue
		}
		if r.answered == nil {
			r.answered = map[string]bool{}
		}
		r.answered[ef.Key] = true
		return r.apply(engine.Input{Kind: "answer", Item: id, Key: ef.Key, Fields: fields})
	}
	return fmt.Errorf("%s has no webhook call to answer", item)
}

// advance moves the clock, firing the timers that come due.
func (r *runner) advance(to int64) error {
	r.now = to
	return r.eng.Advance(to, func(res *engine.Result) { r.out.Timeline = append(r.out.Timeline, res.Timeline...) })
}

// eval evaluates a test expression: its names are the test's items.
func (r *runner) eval(x *ir.Expr, entity string) value.Value {
	env := &interp.Env{World: testWorld{r}, Now: r.now}
	env.Reset(nil)
	return r.pl.Plan(x, entity)(env)
}

type testWorld struct{ r *runner }

func (w testWorld) Named(name string) *interp.Item {
	id, ok := w.r.ids[name]
	if !ok {
		return nil
	}
	return w.Load("", id)
}

// Load finds items as the rules do (engine.Load): employees too.
func (w testWorld) Load(entity, id string) *interp.Item {
	it, err := w.r.eng.Load(entity, id)
	if err != nil {
		w.r.err = err
	}
	return it
}

func (testWorld) Var(int) value.Value { return value.Value{} }
