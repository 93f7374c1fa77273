package engine

import (
	"fmt"
	"strings"

	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// runCustom runs a custom action (R-WASM) through the library's Custom,
// which runtime/wasm implements: the rule's settings are the action's
// inputs, by name; its outputs, a record in the order of its signature,
// are what `as NAME` binds. Every failure (a module changed since deploy,
// refused at load, over a limit, trapped, lying about its outputs, or
// refusing the inputs) is written on the item's timeline with its reason,
// binds nothing, and leaves the input to carry on.
//
// Each call the rules make counts in Input.Calls, so that its position is
// known; an outcome the machine decided (action.CustomResult's
// MachineDependent, or no host at all) is recorded in Input.Outcomes, and a
// replay of the input writes it again instead of calling (recorded.go).
func (c *Call) runCustom() {
	a := c.r.Action
	name := "run " + a.Custom
	call := a.Call
	t := c.t
	if call == nil || call.Module < 0 || call.Module >= len(t.e.prog.Modules) {
		c.Note(name + " not run: the program carries no module for it (compiled by an older build: deploy it again)")
		return
	}
	mod := t.e.prog.Modules[call.Module]
	inputs := make(map[string]value.Value, len(call.Inputs))
	for _, p := range call.Inputs {
		if v := c.Set(p.Name); !v.IsNull() {
			inputs[p.Name] = v
		}
	}
	if err := c.env.Err(); err != nil {
		return // the evaluation error goes on the timeline after the action
	}
	if len(t.in.Outcomes) >= MaxOutcomes { // the log record stays bounded; a replay stops here too
		c.Note(fmt.Sprintf("%s not run: this input already recorded %d outcomes the machine decided (the limit of one input)", name, MaxOutcomes))
		return
	}
	n := t.in.Calls
	t.in.Calls++
	if o, err := t.recorded(n, call.Action); err != nil {
		t.fail(err)
		return
	} else if o != nil {
		c.outcome(name, *o)
		return
	}
	notReplayed := func(what string) {
		t.fail(fmt.Errorf("input %d does not replay: %s (custom action call %d) ended in its original run as a function of the module and its inputs, but here: %s", t.in.Seq, name, n, what))
	}
	if t.e.lib.Custom == nil {
		const why = "this engine has no WebAssembly host"
		if t.replay.on {
			notReplayed(why)
			return
		}
		c.outcome(name, Outcome{Call: n, Action: call.Action, NotRun: true, Error: why})
		return
	}
	ctx := t.ctx
	if t.replay.on {
		ctx = action.Replaying(ctx)
	}
	res, err := t.e.lib.Custom.RunCustom(ctx, mod, call, inputs)
	if err != nil && t.ctx.Err() != nil { // the caller gave up: the input is refused whole
		t.fail(fmt.Errorf("input %d not applied: %w", t.in.Seq, t.ctx.Err()))
		return
	}
	logLine := ""
	if res.Log != "" {
		logLine = quote(value.TextOf(strings.TrimRight(res.Log, "\n")))
	}
	if err != nil && res.MachineDependent {
		if t.replay.on {
			notReplayed(err.Error())
			return
		}
		c.outcome(name, Outcome{Call: n, Action: call.Action, Error: recordText(err.Error()), Log: recordText(logLine)})
		return
	}
	if logLine != "" {
		c.Note(name + " log: " + logLine)
	}
	if err != nil {
		c.Note(fmt.Sprintf("%s failed: %v", name, err))
		return
	}
	names := make([]string, len(call.Outputs))
	vals := make([]value.Value, len(call.Outputs))
	parts := make([]string, len(call.Outputs))
	for i, p := range call.Outputs {
		names[i], vals[i] = p.Name, res.Outputs[p.Name]
		parts[i] = p.Name + " " + quote(vals[i])
	}
	c.Bind(value.RecordOf(names, vals))
	c.Note(name + ": " + strings.Join(parts, ", "))
}
