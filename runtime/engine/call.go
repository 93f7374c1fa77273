package engine

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Library is what the engine runs actions and functions with. It is
// declared in runtime/action, a package without storage, so that the
// standard library can build it (stdlib.Runtime) without linking the engine.
type Library = action.Library

// Call is one run of a rule's action: the engine's action.Call, the view
// an implementation has of the rule's settings, the item, and the effects
// it may have. Everything an action does goes through it, into the input's
// batch.
type Call struct {
	t   *tx
	it  *item
	r   *plannedRule
	env *interp.Env
	// wait is set by an action whose followers wait for an answer input
	// (call webhook) rather than starting at once.
	wait bool
}

var _ action.Call = (*Call)(nil)

// Set evaluates a setting; null if it is not given.
func (c *Call) Set(name string) value.Value {
	if ev := c.r.settings[name]; ev != nil {
		return ev(c.env)
	}
	return value.Value{}
}

// Text is a setting as text (a template rendered); "" if it is not given.
func (c *Call) Text(name string) string { return c.Set(name).String() }

// Auto reports whether a setting was given as `auto`.
func (c *Call) Auto(name string) bool { return c.r.auto[name] }

// Fields renders every setting given, as text.
func (c *Call) Fields() map[string]string {
	out := map[string]string{}
	for _, k := range sortedKeys(c.r.settings) {
		out[k] = c.Text(k)
	}
	return out
}

// Target evaluates `to`; ok is false when the rule has none.
func (c *Call) Target() (v value.Value, ok bool) {
	if c.r.target == nil {
		return value.Value{}, false
	}
	return c.r.target(c.env), true
}

// TargetText is the rule's `to` as the checker resolved it: a field's
// path from its root (deal.responsible.supervisor), a variable, an
// employee's name; "to" for anything longer.
func (c *Call) TargetText() string {
	x := c.r.Action.Target
	switch {
	case x == nil:
		return ""
	case x.Op == ir.OpField && x.X == nil, x.Op == ir.OpVar:
		return strings.Join(append([]string{x.Name}, x.Path...), ".")
	case x.Op == ir.OpLit:
		return x.Lit
	}
	return "to"
}

// SettingText is a setting as written, for a timeline.
func (c *Call) SettingText(name string) string {
	if s := c.r.Action.Setting(name); s != nil {
		return plan.Source(s.Value)
	}
	return ""
}

// Bind sets the rule's variable or result, if it names one (M-AUX).
func (c *Call) Bind(v value.Value) {
	if c.r.Action.Bind == "" {
		return
	}
	c.t.bind(c.it, c.r.Action.BindSlot, v)
}

// NotRun records on the timeline why the action did not run.
func (c *Call) NotRun(why string) {
	c.Note(fmt.Sprintf("%s not run: %s", c.r.Action.Name, why))
}

// Note writes a line on the item's timeline, marked with the rule.
func (c *Call) Note(text string) { c.t.timeline(c.it, c.r.Pos.String(), text) }

// Field is a field of the item.
func (c *Call) Field(name string) value.Value { return c.t.field(c.it, name) }

// ChangeField changes a field of the item, as an update would: a change
// fires the field-changed triggers.
func (c *Call) ChangeField(name string, v value.Value) {
	c.t.changeField(c.it, name, v, c.r.Pos.String())
}

// Responsible is the name of the item's responsible employee.
func (c *Call) Responsible() string { return c.Field("responsible").S }

// Pipeline is the item's pipeline.
func (c *Call) Pipeline() string { return c.it.Pipeline }

// Channel is the open channel the client last wrote from, or "".
func (c *Call) Channel() string { return c.it.Channel }

// Client is the item's client: its first contact, or its company when it
// has none, or a lead with neither itself. ok is false when there is none.
func (c *Call) Client() (entity, id string, ok bool) {
	cl := c.t.e.pl.Client(c.env)
	if cl == nil {
		return "", "", false
	}
	return cl.Entity, cl.ID, true
}

// ClientField is a field of the client, or null.
func (c *Call) ClientField(name string) value.Value {
	cl := c.t.e.pl.Client(c.env)
	if cl == nil {
		return value.Value{}
	}
	if s := c.t.e.pl.ClientSlot(cl.Entity, name); s >= 0 {
		return cl.Fields[s]
	}
	return value.Value{}
}

// Resource is a declared resource by name, or nil.
func (c *Call) Resource(name string) *ir.Resource { return c.t.e.res[name] }

// Only is the name of the one declared resource of a kind, or "".
func (c *Call) Only(kind string) string {
	name := ""
	for _, r := range c.t.e.prog.Resources {
		if r.Kind == kind {
			if name != "" {
				return ""
			}
			name = r.Name
		}
	}
	return name
}

// UserEmail is an employee's first e-mail address, or "".
func (c *Call) UserEmail(name string) string {
	if u := c.t.e.user(name); u != nil {
		if v := u.Fields[c.t.e.pl.Slot("user", "email")]; len(v.L) > 0 {
			return v.L[0].S
		}
	}
	return ""
}

// Copyable are the item's fields that a copy takes: all but those the
// system sets.
func (c *Call) Copyable() map[string]value.Value {
	out := map[string]value.Value{}
	for i, f := range c.t.e.entities[c.it.Entity].Fields {
		if !f.ReadOnly && !c.it.Fields[i].IsNull() {
			out[f.Name] = c.it.Fields[i]
		}
	}
	return out
}

// Create makes an item, which enters its stage (the first of its pipeline
// when stage is ""), and returns its ID, pipeline and stage.
//
// A text longer than its field holds (R-REPEAT-LEAD's name "Przegląd:
// {deal.title}", its client's name from a company's longer one,
// R-COPY-DEAL's title and " Copy") is cut to it, with an ellipsis, and the
// timeline says so: a lead or a copy not made at all would lose more than
// the end of its name.
func (c *Call) Create(entity, pipeline string, fields map[string]value.Value, stage string) (id, pipe, st string, err error) {
	for _, k := range sortedKeys(fields) { // a lead's name from its client's, text(50) from a company's text(120)
		f, v := c.t.e.fieldDef(entity, k), fields[k]
		if f == nil || f.MaxLen <= 0 || v.K != value.Text || v.Tag != "" || utf8.RuneCountInString(v.S) <= f.MaxLen {
			continue
		}
		n := utf8.RuneCountInString(v.S)
		fields[k] = value.TextOf(string([]rune(v.S)[:f.MaxLen-1]) + "…")
		what := k
		if k == "title" {
			what = "name" // as the rule writes it
		}
		c.Note(fmt.Sprintf("the new %s's %s is cut to %d characters (it had %d)", entity, what, f.MaxLen, n))
	}
	it, err := c.t.create(entity, pipeline, fields, stage, true)
	if err != nil {
		return "", "", "", err
	}
	return it.ID, it.Pipeline, c.t.field(it, "stage").S, nil
}

// Effect writes an outbox record (verb "sent") or a record ("created") and
// returns its key, which is also the idempotency key of a message.
func (c *Call) Effect(verb, kind, to string, fields map[string]string) string {
	return c.t.effect(verb, kind, c.it, c.r.Pos.String(), to, fields)
}

// NextKey is the key the next Effect will have.
func (c *Call) NextKey() string { return c.t.peekKey() }

// AwaitAnswer makes the rules after this one wait for the answer to the
// outbox record key (an `answer` input) instead of starting now. Without
// rules after it, there is nothing to wait for.
func (c *Call) AwaitAnswer(key string) {
	if len(c.t.e.follow[c.r.Index]) == 0 {
		return
	}
	aw := awaiting{Key: key, Rule: c.r.Ident, Version: c.t.in.Version, Entered: c.it.Entered}
	c.it.Awaiting = append(c.it.Awaiting, aw)
	c.t.b.Set(keyAwaitOf(key), []byte(c.it.ID)) // a deploy finds the calls its plan touches here
	c.t.touch(c.it)
	c.wait = true
}

// Address picks a recipient (R-EMAIL, R-SMS, R-CALL): the target's values
// of the chosen type, or, without a target, the client's field of any
// type; the first added, or the last with useLast. "" if there is none.
func (c *Call) Address(field string, useLast bool) string {
	v, ok := c.Target()
	if !ok {
		v = c.ClientField(field)
	}
	switch {
	case v.K == value.List && len(v.L) > 0 && useLast:
		return v.L[len(v.L)-1].S
	case v.K == value.List && len(v.L) > 0:
		return v.L[0].S
	case v.K == value.Text:
		return v.S
	}
	return ""
}

// record is a result: a record of the named fields.
func record(names string, vals ...value.Value) value.Value {
	return value.RecordOf(strings.Split(names, ","), vals)
}
