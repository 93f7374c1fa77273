package stdlib

import (
	"slices"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// valueDefaults are the declared defaults of an action's settings that are
// values of their type, an enum's member (an activity's kind "call") or a
// flag's true or false, by setting; nil when it has none. Defaults that
// are descriptions ("the deal's responsible") are the action's own to
// apply.
func valueDefaults(d *types.ActionDecl) map[string]value.Value {
	var out map[string]value.Value
	for _, s := range d.Settings {
		var v value.Value
		switch {
		case s.Type.Kind == types.Enum && slices.Contains(s.Type.Values, s.Default):
			v = value.TextOf(s.Default)
		case s.Type.Kind == types.Bool && (s.Default == "true" || s.Default == "false"):
			v = value.BoolOf(s.Default == "true")
		default:
			continue
		}
		if out == nil {
			out = map[string]value.Value{}
		}
		out[s.Name] = v
	}
	return out
}

// withDefaults runs an action with the settings a rule leaves out read as
// their declared value defaults, so that what it records says what it did:
// an activity scheduled without a kind is recorded as a call, and
// `expect created activity kind "call"` sees it as the catalogue says.
func withDefaults(run action.Func, defs map[string]value.Value) action.Func {
	if defs == nil {
		return run
	}
	return func(c action.Call) { run(defaulted{c, defs}) }
}

type defaulted struct {
	action.Call
	defs map[string]value.Value
}

func (c defaulted) Set(name string) value.Value {
	if v := c.Call.Set(name); !v.IsNull() {
		return v
	}
	return c.defs[name]
}

func (c defaulted) Text(name string) string { return c.Set(name).String() }

func (c defaulted) Fields() map[string]string {
	fields := c.Call.Fields()
	for name, v := range c.defs {
		if fields[name] == "" { // left out, or given as a value that is null
			fields[name] = v.String()
		}
	}
	return fields
}
