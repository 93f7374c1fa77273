// Package plan compares two checked programs: for each rule and trigger,
// by identity (ir.Rule.Ident, ir.Trigger.Ident), whether it is unchanged,
// changed (which setting, old and new), added, removed or moved to another
// stage. It is the plan a deploy applies to pending work and the plan that
// `stagecraft diff` prints; both come from Compare, so they cannot differ.
// It imports only the IR, so the runtime can use it without the front end.
package plan

import (
	"encoding/json"
	"io"
)

// Kind is what became of a rule or trigger.
type Kind string

const (
	Unchanged Kind = "unchanged"
	Changed   Kind = "changed"
	Added     Kind = "added"
	Removed   Kind = "removed"
	Moved     Kind = "moved" // to another stage (FromStage -> Stage)
)

// Change is what became of one rule or trigger.
type Change struct {
	Kind  Kind   `json:"kind"`
	What  string `json:"what"`  // "rule" or "trigger"
	Ident string `json:"ident"` // the identity in the new program (the old one for Removed)
	// OldIdent is the identity a Moved one without a label had (its
	// identity names its stage); empty otherwise.
	OldIdent string `json:"oldIdent,omitempty"`
	Entity   string `json:"entity"`
	Pipeline string `json:"pipeline"`
	Stage    string `json:"stage"` // the stage it is on (for Removed: was on)
	// FromStage is the stage a Moved rule or trigger was on.
	FromStage string `json:"fromStage,omitempty"`
	// Title says what it is in the words of the source: "send sms",
	// "update deal.amount", "create document as dokument", "send sms #2" (the
	// second alike rule of its stage), "reminder (send sms)" (labelled),
	// "move to stage Paid when invoice paid".
	Title string `json:"title"`
	// Settings are the differences of a Changed one, in source order.
	Settings []Setting `json:"settings,omitempty"`
	// Timing is true when when it runs changed (after, at, worktime, keep,
	// the rule it follows): its pending runs get a new due time.
	Timing bool `json:"timing,omitempty"`
	// Pending is how many pending runs (timers, awaited webhook answers,
	// chat deadlines) of the old program's rule or trigger this change
	// touches, when a store was consulted (diff --data, a deploy); nil
	// when not known.
	Pending *int `json:"pending,omitempty"`
}

// Setting is one difference: the setting's name ("after", "text", "if",
// "to") and its old and new values as the language writes them; empty
// when absent on that side.
type Setting struct {
	Name string `json:"name"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

// Plan is every change between two programs, grouped by entity, pipeline
// and stage in the new program's order, rules before triggers. It lists
// every rule and trigger of either program, unchanged ones included.
type Plan struct {
	Changes []Change `json:"changes"`
	// Declared are the differences of what the rules are written
	// against: pipelines, stages, fields, resources, modules.
	Declared []Declared `json:"declared,omitempty"`

	// index finds a change by what and old identity; built by Compare and
	// by UnmarshalJSON. Of scans without it (a Plan built by hand).
	index map[string]int
}

// Of returns the change of the rule or trigger with the identity in the
// old program, or nil.
func (p *Plan) Of(what, oldIdent string) *Change {
	if p.index != nil {
		if i, ok := p.index[what+"\x00"+oldIdent]; ok {
			return &p.Changes[i]
		}
		return nil
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.What == what && c.Kind != Added && c.oldIdent() == oldIdent {
			return c
		}
	}
	return nil
}

// oldIdent is the identity in the old program.
func (c *Change) oldIdent() string {
	if c.OldIdent != "" {
		return c.OldIdent
	}
	return c.Ident
}

func (p *Plan) reindex() {
	p.index = make(map[string]int, len(p.Changes))
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Kind != Added {
			p.index[c.What+"\x00"+c.oldIdent()] = i
		}
	}
}

// UnmarshalJSON reads a plan as Compare's JSON writes it (a stored
// deploy's plan) and indexes it for Of.
func (p *Plan) UnmarshalJSON(b []byte) error {
	type plain Plan
	var q plain
	if err := json.Unmarshal(b, &q); err != nil {
		return err
	}
	*p = Plan(q)
	p.reindex()
	return nil
}

// WriteJSON writes the plan as one indented JSON object, fields in the
// order of the types above, with no HTML escaping (`deal.amount > 1000`
// stays readable): what `stagecraft diff --format=json` prints.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// Count returns how many changes are of kind k.
func (p *Plan) Count(k Kind) int {
	n := 0
	for i := range p.Changes {
		if p.Changes[i].Kind == k {
			n++
		}
	}
	return n
}

// Empty reports whether nothing changed: every change is Unchanged, and
// nothing declared differs.
func (p *Plan) Empty() bool { return len(p.Changes) == p.Count(Unchanged) && len(p.Declared) == 0 }

// SetPending sets each change's Pending from counts of a store's pending
// runs by identity (engine.Pending): a renamed rule's runs are counted
// under its old identity, an added rule has none.
func (p *Plan) SetPending(counts map[string]int) {
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Kind == Added {
			continue
		}
		ident := c.Ident
		if c.OldIdent != "" {
			ident = c.OldIdent
		}
		n := counts[ident]
		c.Pending = &n
	}
}
