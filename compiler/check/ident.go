package check

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/format"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Identity (spec/language.md, "Names and identity"). Every rule and trigger
// has an identity that a new version of the workspace is compared by: a
// deploy plan matches old and new rules by it, and pending work (timers,
// awaited answers) follows it to the new version. So it must not depend on
// what an edit is likely to touch: not the file, the position, the layout,
// the settings, the condition or the timing. It is the label when there is
// one, and otherwise where the rule is and what it does:
//
//	deal/Sprzedaż/Nowe: send sms
//	deal/Sprzedaż/Oferta: create document as doc
//	deal/Sprzedaż/Oferta: create document as doc then send email
//	deal/Sprzedaż: move to stage Zapłacone when invoice paid
//
// Two rules that would get the same one are told apart by their order
// alone (the second gets " #2"); that is a warning, since reordering them
// would swap their identities.
//
// A then chain's identities grow with it: the hundredth rule's holds the
// ninety-nine before it. Held whole, a chain of n rules costs n² bytes
// (10,000 rules: 800 MB) and makes store keys of pending work huge. So an
// identity longer than MaxIdent is held shortened, as a function of the
// whole one, which each rule extends from the one before in constant time
// (identity): the chain's first identity, " then … then ", the rule's own
// action, and a digest of the whole identity in braces:
//
//	deal/Sprzedaż/Nowe: let v0 then … then let v99 {5f0a3e1c9b7d2468}
//
// Two rules get the same shortened identity exactly when they would get
// the same whole one (barring a 64-bit digest collision, which the
// uniqueness check turns into a W005 warning, never a shared identity).

// MaxIdent is the longest identity held whole, in bytes.
const MaxIdent = 512

// identity is what a rule's identity stands for: the whole identity, by
// its length and digest, and the first identity of its chain.
type identity struct {
	head string // the identity of the chain's first rule (its label, if it has one)
	n    int    // the length in bytes of the whole identity
	sum  uint64 // FNV-1a of the whole identity
}

// FNV-1a, 64 bits, extended a string at a time.
const fnvOffset, fnvPrime = 14695981039346656037, 1099511628211

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// extend is the identity of x followed by s.
func (x identity) extend(s string) identity {
	return identity{head: x.head, n: x.n + len(s), sum: fnvAdd(x.sum, s)}
}

// start is the identity of a chain's first rule, held whole.
func start(text string) identity {
	return identity{head: text, n: len(text), sum: fnvAdd(fnvOffset, text)}
}

// seenIdent is the first rule or trigger that took an identity.
type seenIdent struct {
	what     string // "rule" or "trigger"
	pos, end token.Pos
	n        int // how many have taken it
	// text is the first one's declaration as text, without label and
	// layout: two rules with the same identity are told apart by it
	// from a rule written twice. texts holds those seen, by text; it
	// is filled only once a second rule wants the identity.
	text  func() string
	texts map[string]span
}

type span struct{ pos, end token.Pos }

// claimLabel gives a label to the rule or trigger it starts and returns
// the identity that the label pins: the label itself. A label is one name in
// the whole workspace, rules and triggers together; it cannot meet an
// automatic identity, which always holds ": " or " then ".
func (c *checker) claimLabel(l *ast.Ident, what string) string {
	if l == nil {
		return ""
	}
	c.info.Defs[l] = &types.Label{Name: l.Name, Of: what, Pos: l.Pos()}
	return c.claim(claim{label: true, id: l.Name, what: what, pos: l.Pos(), end: l.End()})
}

// autoIdent gives a rule or trigger without a label its identity, derived
// from where it is and what it does; from..to is what the identity says,
// which a diagnostic about a second one points at. text is the
// declaration as text (declText), asked for only when the identity is
// taken: the same text twice is the same rule written twice, an error
// (each item would get its e-mail twice), where the same identity alone is
// a warning.
func (c *checker) autoIdent(id, what string, from, to token.Pos, text func() string) string {
	return c.claim(claim{id: id, what: what, pos: from, end: to, text: text})
}

// A claim is a rule or trigger taking an identity (a label or a derived
// one) in the workspace's table. Identities are the one thing a file's
// rules learn from the other files' rules as they are checked, so each
// file records its claims with what they gave (the identity and the
// diagnostic, if any): an incremental check replays a kept file's claims
// on the table and keeps the file's results only if each gives the same
// again (incremental.go).
type claim struct {
	label    bool
	id, what string
	pos, end token.Pos
	text     func() string // for a derived identity: the declaration as text

	got  string           // the identity it got
	diag *diag.Diagnostic // a copy of what it reported, or nil
}

// claim takes cl's identity in the table, reports a taken one, records the
// claim and returns the identity the rule or trigger gets.
func (c *checker) claim(cl claim) string {
	n := c.diags.Len() + c.diags.Dropped()
	var d *diag.Diagnostic
	cl.got, d, _ = c.idents.take(c.fset, c.diags, &cl)
	if d != nil && c.diags.Len()+c.diags.Dropped() > n {
		cp := *d
		cl.diag = &cp
	}
	if c.claims != nil {
		*c.claims = append(*c.claims, cl)
	}
	return cl.got
}

// identTable is the identities and labels taken, by rules and triggers
// together, with the first rule or trigger that took each.
//
// An incremental check fills one for every check, thousands of entries
// for a large workspace, so an Incremental keeps its table and reuses the
// map's and the entries' memory (reset) rather than allocating them
// again after each keystroke: nothing refers to an entry after a check.
type identTable struct {
	m    map[string]*seenIdent
	slab []seenIdent // where entries are allocated
}

func newIdentTable() *identTable { return &identTable{m: map[string]*seenIdent{}} }

// reset empties the table, keeping its memory for the next check.
func (t *identTable) reset() {
	clear(t.m)
	clear(t.slab)
	t.slab = t.slab[:0]
}

// add enters the first claim of an identity.
func (t *identTable) add(id string, s seenIdent) {
	if len(t.slab) == cap(t.slab) {
		// A new chunk: the entries of the old one stay where they are.
		t.slab = make([]seenIdent, 0, max(64, 2*cap(t.slab)))
	}
	t.slab = append(t.slab, s)
	t.m[id] = &t.slab[len(t.slab)-1]
}

// undoTake is what one take changed in the table, to put it back.
type undoTake struct {
	id        string
	created   bool   // the claim was the first of its identity
	textsInit bool   // the claim made the first one's texts
	text      string // the text the claim added to texts, if any
}

// take is a claim on the table: it returns the identity the claimer gets,
// the diagnostic it reported to ds (nil if none) and how to undo it.
func (t *identTable) take(fset *token.FileSet, ds *diag.List, cl *claim) (string, *diag.Diagnostic, undoTake) {
	u := undoTake{id: cl.id}
	first := t.m[cl.id]
	if first == nil {
		u.created = true
		if cl.label {
			t.add(cl.id, seenIdent{what: cl.what, pos: cl.pos, n: 1})
		} else {
			t.add(cl.id, seenIdent{what: cl.what, pos: cl.pos, end: cl.end, n: 1, text: cl.text})
		}
		return cl.id, nil, u
	}
	if cl.label {
		r := ds.Errorf(cl.pos, cl.end, diag.EDuplicateLabel, "label %s already names the %s at %s", cl.id, first.what,
			fset.Position(first.pos))
		r.Hint = "a label names one rule or trigger of the workspace: choose another name"
		r.Relate(first.pos, first.pos+token.Pos(len(cl.id)), "the label's first use")
		return nextNumber(first, cl.id), r, u // unique still, for tools that read Info of a broken workspace
	}
	numbered := nextNumber(first, cl.id)
	if first.texts == nil {
		first.texts = map[string]span{first.text(): {first.pos, first.end}}
		u.textsInit = true
	}
	text := cl.text()
	from, to, what := cl.pos, cl.end, cl.what
	if at, ok := first.texts[text]; ok {
		r := ds.Errorf(from, to, diag.ETwice, "this %s is written twice: it is the same as the %s at %s, so it would act twice",
			what, what, fset.Position(at.pos))
		r.Hint = "remove one of them"
		r.Relate(at.pos, at.end, "the same "+what+" here")
		return numbered, r, u
	}
	first.texts[text] = span{from, to}
	u.text = text
	r := ds.Warnf(from, to, diag.WSameIdent, "this %s has the same identity as the %s at %s; only their order tells them apart, and this one is %q",
		what, first.what, fset.Position(first.pos), numbered).Relate(first.pos, first.end, "the "+first.what+" with the same identity")
	r.Hint = "name them with labels (NAME: " + map[string]string{"rule": "on stage", "trigger": "move to stage"}[what] +
		" ...): pending work follows identities, and reordering these " + what + "s would swap theirs"
	return numbered, r, u
}

// undo puts back what a take changed.
func (t *identTable) undo(u undoTake) {
	if u.created {
		delete(t.m, u.id) // its entry in the slab stays unused until reset
		return
	}
	first := t.m[u.id]
	first.n--
	if u.textsInit {
		first.texts = nil
	} else if u.text != "" {
		delete(first.texts, u.text)
	}
}

// number is the identity of the next rule or trigger to want id, which is
// taken: id #2, id #3, ... No other identity ends in " #N": a label is a
// name, and a derived identity ends in an action's or event's words.
func nextNumber(first *seenIdent, id string) string {
	first.n++
	return id + " #" + strconv.Itoa(first.n)
}

// ruleIdent is a rule's identity: its label, or its stage (for a rule
// written then, the identity of the rule it follows) and its action.
func (c *checker) ruleIdent(r *Rule, label string) string {
	if label != "" {
		r.id = start(label)
		return label
	}
	d := r.Decl
	key, end := actionKey(d.Action)
	p := r.Previous
	if p == nil {
		st := r.Stage
		ident := c.autoIdent(st.Pipeline.Entity+"/"+st.Pipeline.Name+"/"+st.Name+": "+key, "rule", d.Pos(), end, func() string { return declText(d) })
		r.id = start(ident)
		return ident
	}
	whole := p.id.extend(" then " + key)
	text := p.Ident + " then " + key // p's is whole: it is shorter still
	if whole.n > MaxIdent {
		text = whole.head + " then … then " + key + " {" + fmt.Sprintf("%016x", whole.sum) + "}"
	}
	ident := c.autoIdent(text, "rule", d.Pos(), end, func() string { return declText(d) })
	r.id = whole.extend(ident[len(text):]) // " #2" when numbered
	return ident
}

// actionKey is what a rule does, as its identity says it (send sms, let x,
// calc y, update deal.comments, run rabat, create document as doc), and
// where that ends in the source.
func actionKey(a ast.Action) (string, token.Pos) {
	switch a := a.(type) {
	case *ast.LetAction:
		if a.Calc {
			return "calc " + a.Name.Name, a.Name.End()
		}
		return "let " + a.Name.Name, a.Name.End()
	case *ast.UpdateAction:
		return "update " + exprString(a.Field), a.Field.End()
	case *ast.CallAction:
		key := a.Verb.Name + " " + a.Object.Name
		if a.Result != nil {
			key += " as " + a.Result.Name
		}
		return key, a.Object.End()
	}
	return "", token.NoPos
}

// triggerIdent is a trigger's identity: its label, or its pipeline, stage
// and event.
func (c *checker) triggerIdent(t *Trigger, label string) string {
	if label != "" {
		return label
	}
	st := t.Stage
	return c.autoIdent(st.Pipeline.Entity+"/"+st.Pipeline.Name+": move to stage "+st.Name+" when "+t.Event.Name(),
		"trigger", t.Decl.Pos(), t.Decl.Event[1].End(), func() string { return declText(t.Decl) })
}

// declText is a rule or trigger as text, without its label, comments and
// layout: two declarations with the same text do the same thing. Settings
// are sorted, since their order means nothing.
func declText(d ast.Decl) string {
	var b strings.Builder
	settings := func(list []*ast.Setting) {
		texts := make([]string, len(list))
		for i, s := range list {
			texts[i] = s.Key.Name + " "
			if s.Name != nil {
				texts[i] += s.Name.Name + ": "
			}
			texts[i] += format.Expr(s.Value)
		}
		sort.Strings(texts)
		for _, t := range texts {
			b.WriteString(" " + t)
		}
	}
	stage := func(r *ast.StageRef) {
		if r.Pipeline != nil {
			b.WriteString(r.Pipeline.Value + ".")
		}
		b.WriteString(r.Stage.Value)
	}
	switch d := d.(type) {
	case *ast.RuleDecl:
		b.WriteString("on stage ")
		stage(d.Stage)
		if d.Then.IsValid() {
			b.WriteString(" then")
		}
		if t := d.Timing; t != nil {
			if t.After != nil {
				b.WriteString(" after " + t.After.Raw)
			} else {
				b.WriteString(" at " + format.Expr(t.At))
			}
			for _, o := range t.Options {
				b.WriteString(" " + o.Name)
			}
		}
		if d.Cond != nil {
			b.WriteString(" if " + format.Expr(d.Cond))
		}
		b.WriteString(":")
		switch a := d.Action.(type) {
		case *ast.LetAction:
			b.WriteString(" let " + a.Name.Name + " = " + format.Expr(a.Value))
			if a.Calc {
				b.WriteString(" (calc)")
			}
		case *ast.UpdateAction:
			b.WriteString(" update " + format.Expr(a.Field) + " = " + format.Expr(a.Value))
		case *ast.CallAction:
			b.WriteString(" " + a.Verb.Name + " " + a.Object.Name)
			if a.Target != nil {
				b.WriteString(" to " + format.Expr(a.Target))
			}
			settings(a.Settings)
			if a.Result != nil {
				b.WriteString(" as " + a.Result.Name)
			}
		}
	case *ast.TriggerDecl:
		b.WriteString("move to stage ")
		stage(d.Stage)
		b.WriteString(" when " + d.Event[0].Name + " " + d.Event[1].Name)
		settings(d.Settings)
		if d.Cond != nil {
			b.WriteString(" if " + format.Expr(d.Cond))
		}
		if d.As != nil {
			b.WriteString(" as " + d.As.Name)
		}
	}
	return b.String()
}
