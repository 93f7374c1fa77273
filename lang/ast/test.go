package ast

import "github.com/stagecraft/stagecraft/lang/token"

// Stmt is a statement of a test block.
type Stmt interface {
	Node
	stmtNode()
}

// ItemStmt creates an item: given deal sofa { title "Sofa" amount 2500 }.
type ItemStmt struct {
	Given    token.Pos
	Entity   *Ident
	Name     *Ident
	Settings []*Setting
	Rbrace   token.Pos
	// Broken is set when the item's block did not parse (an error says
	// why): the item is declared, with what its settings would have been
	// unknown.
	Broken bool
}

// AtStmt sets the test clock: at 2026-11-23T09:00. Time only moves forward.
type AtStmt struct {
	At   token.Pos
	Time Expr
}

// WaitStmt lets time pass: wait 180d.
type WaitStmt struct {
	Wait     token.Pos
	Duration *BasicLit
}

// MoveStmt moves an item to a stage as a user would: move sofa to Dostawa [by anna].
type MoveStmt struct {
	Move  token.Pos
	Item  *Ident
	Stage *StageRef
	By    *Ident // may be nil
}

// SetStmt changes a field as a user would: set sofa.amount = 3000.
type SetStmt struct {
	Set   token.Pos
	Field Expr
	Value Expr
}

// EventStmt delivers a trigger event: event invoice paid on sofa.
type EventStmt struct {
	Event    token.Pos
	Name     [2]*Ident
	Item     *Ident
	Settings []*Setting
}

// ExpectStmt states what must hold. Exactly one of Effect, Timeline, Cond is set.
type ExpectStmt struct {
	Expect   token.Pos
	No       token.Pos // a no before a condition, which the checker refuses
	Effect   *EffectExpect
	Timeline *TimelineExpect
	Cond     Expr
}

// EffectExpect expects a message sent or an object created:
// expect [no] sent sms to "+48..." text "...", expect created lead name "...".
// A setting's value may be contains("..."), matching part of the text.
// The clauses after the settings say when it happened (at), what it
// follows (after NAME, an effect named before) and name what matched
// (as NAME): a created deal or lead becomes an item of the test.
type EffectExpect struct {
	No       token.Pos // NoPos unless the effect must not have happened
	Verb     *Ident    // sent or created
	Kind     *Ident    // email, sms, ..., lead, task, ...
	Target   Expr      // may be nil
	Settings []*Setting
	At       Expr   // may be nil: the time it happened
	After    *Ident // may be nil: an effect named by an earlier as
	As       *Ident // may be nil: names the effect that matched
}

// TimelineExpect expects an entry on an item's timeline containing a text,
// or, with no, that none contains it: expect [no] timeline sofa "..." [at T].
type TimelineExpect struct {
	No       token.Pos // NoPos unless no entry may contain the text
	Timeline token.Pos
	Item     *Ident
	Text     *BasicLit
	At       Expr // may be nil: the time of the entry
}

// End returns the end of the effect's last clause.
func (e *EffectExpect) End() token.Pos {
	switch {
	case e.As != nil:
		return e.As.End()
	case e.After != nil:
		return e.After.End()
	case e.At != nil:
		return e.At.End()
	case len(e.Settings) > 0:
		return e.Settings[len(e.Settings)-1].End()
	case e.Target != nil:
		return e.Target.End()
	}
	return e.Kind.End()
}

func (x *ItemStmt) Pos() token.Pos { return x.Entity.Pos() }
func (x *ItemStmt) End() token.Pos { return x.Rbrace + 1 }
func (x *AtStmt) Pos() token.Pos   { return x.At }
func (x *AtStmt) End() token.Pos   { return x.Time.End() }
func (x *WaitStmt) Pos() token.Pos { return x.Wait }
func (x *WaitStmt) End() token.Pos { return x.Duration.End() }
func (x *MoveStmt) Pos() token.Pos { return x.Move }
func (x *MoveStmt) End() token.Pos {
	if x.By != nil {
		return x.By.End()
	}
	return x.Stage.End()
}
func (x *SetStmt) Pos() token.Pos   { return x.Set }
func (x *SetStmt) End() token.Pos   { return x.Value.End() }
func (x *EventStmt) Pos() token.Pos { return x.Event }
func (x *EventStmt) End() token.Pos {
	if n := len(x.Settings); n > 0 {
		return x.Settings[n-1].End()
	}
	return x.Item.End()
}
func (x *ExpectStmt) Pos() token.Pos { return x.Expect }
func (x *ExpectStmt) End() token.Pos {
	switch {
	case x.Effect != nil:
		return x.Effect.End()
	case x.Timeline != nil:
		if x.Timeline.At != nil {
			return x.Timeline.At.End()
		}
		return x.Timeline.Text.End()
	}
	return x.Cond.End()
}

func (*ItemStmt) stmtNode()   {}
func (*AtStmt) stmtNode()     {}
func (*WaitStmt) stmtNode()   {}
func (*MoveStmt) stmtNode()   {}
func (*SetStmt) stmtNode()    {}
func (*EventStmt) stmtNode()  {}
func (*ExpectStmt) stmtNode() {}
