// Package plan compares two checked programs: for each rule and trigger,
// by identity (ir.Rule.Ident, ir.Trigger.Ident), whether it is unchanged,
// changed (which setting, old and new), added, removed or moved to another
// stage. It is the plan a deploy applies to pending work and the plan that
// `stagecraft diff` prints; both come from Compare, so they cannot differ.
// It imports only the IR, so the runtime can use it without the front end.
package plan

import "github.com/stagecraft/stagecraft/compiler/ir"

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
	Kind     Kind   `json:"kind"`
	What     string `json:"what"`               // "rule" or "trigger"
	Ident    string `json:"ident"`              // the identity in the new program (the old one for Removed)
	OldIdent string `json:"oldIdent,omitempty"` // Moved without a label: the identity it had
	Entity   string `json:"entity"`
	Pipeline string `json:"pipeline"`
	Stage    string `json:"stage"` // the stage it is on (for Removed: was on)
	// FromStage is the stage a Moved rule or trigger was on.
	FromStage string `json:"fromStage,omitempty"`
	// Title says what it is in the words of the source: "send sms",
	// "then after 1d: send email", "move to stage Paid when invoice paid".
	Title string `json:"title"`
	// Settings are the differences of a Changed one, in source order.
	Settings []Setting `json:"settings,omitempty"`
	// Timing is true when when it runs changed (after, at, worktime, keep,
	// the rule it follows): its pending runs get a new due time.
	Timing bool `json:"timing,omitempty"`
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
// and stage in the new program's order, rules before triggers.
type Plan struct {
	Changes []Change `json:"changes"`
}

// Of returns the change of the rule or trigger with the identity in the
// old program, or nil.
func (p *Plan) Of(what, oldIdent string) *Change {
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.What != what || c.Kind == Added {
			continue
		}
		if c.Ident == oldIdent && c.OldIdent == "" || c.OldIdent == oldIdent {
			return c
		}
	}
	return nil
}

var _ = ir.Version
