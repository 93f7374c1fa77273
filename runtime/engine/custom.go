package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/stagecraft/stagecraft/runtime/value"
)

// runCustom runs a custom action (R-WASM) through the library's Custom,
// which runtime/wasm implements: the rule's settings are the action's
// inputs, by name; its outputs, a record in the order of its signature,
// are what `as NAME` binds. Every failure (a module changed since deploy,
// refused at load, over a limit, trapped, lying about its outputs, or
// refusing the inputs) is written on the item's timeline with its reason,
// binds nothing, and leaves the input to carry on.
func (c *Call) runCustom() {
	a := c.r.Action
	name := "run " + a.Custom
	call := a.Call
	switch {
	case call == nil || call.Module < 0 || call.Module >= len(c.t.e.prog.Modules):
		c.Note(name + " not run: the program carries no module for it (compiled by an older build: deploy it again)")
		return
	case c.t.e.lib.Custom == nil:
		c.Note(name + " not run: this engine has no WebAssembly host")
		return
	}
	mod := c.t.e.prog.Modules[call.Module]
	inputs := make(map[string]value.Value, len(call.Inputs))
	for _, p := range call.Inputs {
		if v := c.Set(p.Name); !v.IsNull() {
			inputs[p.Name] = v
		}
	}
	if err := c.env.Err(); err != nil {
		return // the evaluation error goes on the timeline after the action
	}
	res, err := c.t.e.lib.Custom.RunCustom(context.Background(), mod, call, inputs)
	if res.Log != "" {
		c.Note(fmt.Sprintf("%s log: %s", name, quote(value.TextOf(strings.TrimRight(res.Log, "\n")))))
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
