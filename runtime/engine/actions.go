package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Effect is a message to the outside (an outbox record) or a thing created
// (a record): what `expect sent` and `expect created` look at.
type Effect struct {
	Key    string            `json:"key"` // idempotency key: input sequence and position
	Seq    int64             `json:"seq"`
	Time   int64             `json:"time"`
	Verb   string            `json:"verb"` // sent or created
	Kind   string            `json:"kind"` // email, sms, ..., lead, task, ...
	Item   string            `json:"item"`
	Rule   string            `json:"rule,omitempty"` // the position of the rule that made it
	To     string            `json:"to,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
	Done   bool              `json:"done,omitempty"` // an activity completed
}

// act performs a rule's action and reports whether the rules after it
// start now. The rules that are forms of the language (R-VARIABLE, R-MATH,
// R-UPDATE, R-WASM's run) are the engine's; the rest are the library's.
func (t *tx) act(it *item, r *plannedRule, env *interp.Env) bool {
	c := &Call{t: t, it: it, r: r, env: env}
	switch name := r.Action.Name; name {
	case "let", "calc":
		v := r.value(env)
		c.Bind(v)
		t.timeline(it, r.Pos.String(), fmt.Sprintf("%s %s = %s", name, r.Action.Bind, quote(v)))
	case "update":
		t.updateField(it, r, env)
	case "run":
		c.runCustom() // custom.go
	default:
		if f := t.e.lib.Actions[name]; f != nil {
			f(c)
		} else {
			c.NotRun("this build has no implementation of it")
		}
	}
	if err := env.Err(); err != nil {
		t.timeline(it, r.Pos.String(), "evaluation stopped: "+err.Error())
	}
	return !c.wait
}

// updateField sets a field of the item, its contact or its company (R-UPDATE),
// on the item that holds it: a contact's field on the contact, whose
// timeline says so, as does the item's. Without a contact or a company to
// hold the field, the update is not run and the timeline says why.
func (t *tx) updateField(it *item, r *plannedRule, env *interp.Env) {
	f, rule := r.Action.Field, r.Pos.String()
	name := last(f.Path)
	owner := r.owner(env)
	if owner == nil {
		why := fmt.Sprintf("the %s has no %s", it.Entity, f.Name)
		if len(f.Path) > 1 {
			why = fmt.Sprintf("%s.%s is empty", f.Name, strings.Join(f.Path[:len(f.Path)-1], "."))
		}
		t.timeline(it, rule, "update not run: "+why)
		return
	}
	target := it
	if owner.ID != it.ID {
		if target = t.load(owner.ID); target == nil {
			t.timeline(it, rule, fmt.Sprintf("update not run: %s %s is not stored", owner.Entity, owner.ID))
			return
		}
	}
	// The value is checked as an update input's is (a text within its
	// field's length, an enum's member, an employee that exists): the
	// checker's type does not bound what a field or template holds.
	v := r.value(env)
	if fd := t.e.fieldDef(target.Entity, name); fd != nil {
		cv, err := t.conform(target.Entity, fd, v)
		if err != nil {
			t.timeline(it, rule, "update not run: "+err.Error())
			return
		}
		v = cv
	}
	if name == "responsible" && v.IsNull() {
		t.timeline(it, rule, fmt.Sprintf("update not run: %s is empty, and an item is never left without a responsible", plan.Source(r.Action.Value)))
		return
	}
	if target == it || value.Equal(t.field(target, name), v) {
		t.changeField(target, name, v, rule)
		return
	}
	was := t.itemName(target)
	t.changeField(target, name, v, rule)
	t.timeline(it, rule, fmt.Sprintf("%s of %s %s set to %s", name, target.Entity, was, quote(v)))
}

// itemName is how a timeline names an item: its name or title, quoted, or
// else its ID.
func (t *tx) itemName(it *item) string {
	for _, f := range []string{"name", "title"} {
		if s := t.field(it, f).S; s != "" {
			return strconv.Quote(s)
		}
	}
	return it.ID
}

// effect writes an outbox record (sent) or a record (created) and returns
// its key, which is also the idempotency key of a message.
func (t *tx) effect(verb, kind string, it *item, rule, to string, fields map[string]string) string {
	key := t.peekKey()
	t.n++
	e := Effect{Key: key, Seq: t.in.Seq, Time: t.now, Verb: verb, Kind: kind, Item: it.ID, Rule: rule, To: to, Fields: fields}
	body, err := json.Marshal(e)
	if err != nil {
		t.fail(fmt.Errorf("%s %s cannot be stored: %v", verb, kind, err))
		return key
	}
	if verb == "sent" {
		t.b.Set(keyOutboxAt(t.in.Seq, t.n), body)
		t.res.Sent++
		line := fmt.Sprintf("sent %s to %s", kind, orDefault(to, "the client"))
		for _, k := range []string{"subject", "text", "url"} { // what the message says, or where it goes
			if s := fields[k]; s != "" && s != to {
				line += fmt.Sprintf(": %q", quote(value.TextOf(s)))
				break
			}
		}
		t.timeline(it, rule, line)
		return key
	}
	recKey := keyRecordAt(t.in.Seq, t.n)
	t.b.Set(recKey, body)
	if kind == "activity" && fields["auto_complete"] == "true" {
		it.Activities = append(it.Activities, string(recKey))
		t.touch(it)
	}
	line := strings.TrimSpace(fmt.Sprintf("created %s %s", kind, recordLabel(fields)))
	// What an employee will do, and when: on the timeline, where the CRM
	// shows it (seed 004).
	if kind == "activity" && fields["subject"] != "" && fields["description"] != "" {
		line += ": " + fields["description"]
	}
	if when := fields["date"]; when != "" && kind == "activity" {
		line += " (on " + when + ")"
	}
	if due := fields["deadline"]; due != "" && kind == "task" {
		line += " (due " + due + ")"
	}
	t.timeline(it, rule, line)
	return key
}

// completeActivities completes the item's auto-complete activities when it
// leaves the stage (R-ACTIVITY).
func (t *tx) completeActivities(it *item) {
	for _, k := range it.Activities {
		raw, ok, err := t.b.Get([]byte(k))
		if err == nil && !ok {
			err = errors.New("not stored")
		}
		var e Effect
		if err == nil {
			err = json.Unmarshal(raw, &e)
		}
		if err != nil {
			t.fail(fmt.Errorf("activity %q: %v", k, err))
			return
		}
		e.Done = true
		body, err := json.Marshal(e)
		if err != nil {
			t.fail(fmt.Errorf("activity %q: %v", k, err))
			return
		}
		t.b.Set([]byte(k), body)
		if label := recordLabel(e.Fields); label != "" {
			t.timeline(it, "", "activity completed: "+label)
		} else {
			t.timeline(it, "", "activity completed (it has no subject)")
		}
	}
	if len(it.Activities) > 0 {
		it.Activities = nil
		t.touch(it)
	}
}

// recordLabel is what a timeline names a created record by: its name,
// title, subject or description, else its kind (an activity of kind call
// with nothing else: "call").
func recordLabel(fields map[string]string) string {
	for _, k := range []string{"name", "title", "subject", "description", "kind"} {
		if v := fields[k]; v != "" {
			return v
		}
	}
	return ""
}

// Effects returns every outbox record and record, in order of their inputs.
func (e *Engine) Effects() ([]Effect, error) {
	var out []Effect
	var bad error
	collect := func(k, v []byte) bool {
		var ef Effect
		if bad = json.Unmarshal(v, &ef); bad != nil {
			bad = fmt.Errorf("effect %q is stored damaged: %v", k, bad)
			return false
		}
		out = append(out, ef)
		return true
	}
	if err := e.st.Scan(keyOutbox, collect); err != nil || bad != nil {
		return nil, errors.Join(bad, err)
	}
	err := e.st.Scan(keyRecord, collect)
	return out, errors.Join(bad, err)
}
