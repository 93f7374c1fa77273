package ast

import "github.com/stagecraft/stagecraft/lang/token"

// Decl is a top-level declaration.
type Decl interface {
	Node
	declNode()
}

// FieldDecl declares a custom field: field deal.delivery_date: date "Delivery date".
type FieldDecl struct {
	Field  token.Pos
	Entity *Ident
	Name   *Ident
	Type   *TypeExpr
	Label  *BasicLit // may be nil
}

// TypeExpr is a field type: text, text(60), enum("A", "B"), list(contact).
type TypeExpr struct {
	Name   *Ident
	Args   []Expr
	Rparen token.Pos // NoPos without arguments
}

func (x *TypeExpr) Pos() token.Pos { return x.Name.Pos() }
func (x *TypeExpr) End() token.Pos {
	if x.Rparen.IsValid() {
		return x.Rparen + 1
	}
	return x.Name.End()
}

// PipelineDecl declares a pipeline of an entity type with its ordered stages.
type PipelineDecl struct {
	Pipeline token.Pos
	Entity   *Ident
	Name     *Name
	Stages   []*StageDecl
	Rbrace   token.Pos
}

// StageDecl is one stage of a pipeline; Kind is nil (in progress), won or lost.
type StageDecl struct {
	Stage token.Pos
	Name  *Name
	Kind  *Ident
}

func (x *StageDecl) Pos() token.Pos { return x.Stage }
func (x *StageDecl) End() token.Pos {
	if x.Kind != nil {
		return x.Kind.End()
	}
	return x.Name.End()
}

// ResourceDecl declares a named resource that rules refer to:
// mailbox sales "sklep@meble.pl", employee anna "Anna Nowak" { ... }.
type ResourceDecl struct {
	Kind     *Ident
	Name     *Ident
	Value    *BasicLit // may be nil
	Lbrace   token.Pos // NoPos without a block
	Settings []*Setting
	Rbrace   token.Pos
}

// RuleDecl is a rule: [NAME:] on stage S [then] [after D | at T] [worktime] [if C]: ACTION.
type RuleDecl struct {
	Label  *Ident // may be nil: the explicit name that pins the rule's identity
	On     token.Pos
	Stage  *StageRef
	Then   token.Pos // NoPos unless the rule runs after the previous one
	Timing *Timing   // may be nil: at once
	Cond   Expr      // may be nil
	Colon  token.Pos
	Action Action
}

// Timing is when a rule acts after its stage is entered.
type Timing struct {
	Keyword token.Pos // "after" or "at"
	After   *BasicLit // a duration, for after
	At      Expr      // a date, date-time or time of day, for at
	Options []*Ident  // worktime, keep
}

// Has reports whether the timing has the named option.
func (x *Timing) Has(option string) bool {
	if x == nil {
		return false
	}
	for _, o := range x.Options {
		if o.Name == option {
			return true
		}
	}
	return false
}

func (x *Timing) Pos() token.Pos { return x.Keyword }
func (x *Timing) End() token.Pos {
	switch {
	case len(x.Options) > 0:
		return x.Options[len(x.Options)-1].End()
	case x.After != nil:
		return x.After.End()
	default:
		return x.At.End()
	}
}

// TriggerDecl is a trigger: [NAME:] move to stage S when EVENT SETTINGS [if C] [as USER].
type TriggerDecl struct {
	Label    *Ident // may be nil, as RuleDecl.Label
	Move     token.Pos
	Stage    *StageRef
	Event    [2]*Ident
	Settings []*Setting
	Cond     Expr   // may be nil
	As       *Ident // may be nil: the item's responsible
}

// TestDecl is a test written in the language: test "name" { STATEMENTS }.
type TestDecl struct {
	Test   token.Pos
	Name   *BasicLit
	Stmts  []Stmt
	Rbrace token.Pos
}

// BadDecl stands for source that did not parse.
type BadDecl struct {
	From, To token.Pos
	// What a rule that did not parse still says, read from its tokens,
	// so that the checker reports nothing that follows from its error: the
	// stage it is on (nil when it is no rule or that is unreadable),
	// whether it is written then, and the name it would set (let NAME =,
	// calc NAME =, as NAME), or nil.
	Stage *StageRef
	Then  token.Pos
	Binds *Ident
}

func (x *FieldDecl) Pos() token.Pos { return x.Field }
func (x *FieldDecl) End() token.Pos {
	if x.Label != nil {
		return x.Label.End()
	}
	return x.Type.End()
}
func (x *PipelineDecl) Pos() token.Pos { return x.Pipeline }
func (x *PipelineDecl) End() token.Pos { return x.Rbrace + 1 }
func (x *ResourceDecl) Pos() token.Pos { return x.Kind.Pos() }
func (x *ResourceDecl) End() token.Pos {
	switch {
	case x.Rbrace.IsValid():
		return x.Rbrace + 1
	case x.Value != nil:
		return x.Value.End()
	}
	return x.Name.End()
}
func (x *RuleDecl) Pos() token.Pos {
	if x.Label != nil {
		return x.Label.Pos()
	}
	return x.On
}
func (x *RuleDecl) End() token.Pos { return x.Action.End() }
func (x *TriggerDecl) Pos() token.Pos {
	if x.Label != nil {
		return x.Label.Pos()
	}
	return x.Move
}
func (x *TriggerDecl) End() token.Pos {
	switch {
	case x.As != nil:
		return x.As.End()
	case x.Cond != nil:
		return x.Cond.End()
	case len(x.Settings) > 0:
		return x.Settings[len(x.Settings)-1].End()
	}
	return x.Event[1].End()
}
func (x *TestDecl) Pos() token.Pos { return x.Test }
func (x *TestDecl) End() token.Pos { return x.Rbrace + 1 }
func (x *BadDecl) Pos() token.Pos  { return x.From }
func (x *BadDecl) End() token.Pos  { return x.To }

func (*FieldDecl) declNode()    {}
func (*PipelineDecl) declNode() {}
func (*ResourceDecl) declNode() {}
func (*RuleDecl) declNode()     {}
func (*TriggerDecl) declNode()  {}
func (*TestDecl) declNode()     {}
func (*BadDecl) declNode()      {}

// Action is what a rule does.
type Action interface {
	Node
	actionNode()
}

// CallAction is an action of the standard library or a custom (WASM) action:
// VERB OBJECT [to TARGET] SETTINGS [as NAME].
type CallAction struct {
	Verb, Object *Ident
	Target       Expr // may be nil
	Settings     []*Setting
	Result       *Ident // may be nil
}

// LetAction sets a variable (let, R-VARIABLE) or computes one (calc, R-MATH).
type LetAction struct {
	Keyword token.Pos
	Calc    bool
	Name    *Ident
	Value   Expr
}

// UpdateAction changes a field of the item (R-UPDATE): update deal.field = EXPR.
type UpdateAction struct {
	Update token.Pos
	Field  Expr
	Value  Expr
}

func (x *CallAction) Pos() token.Pos { return x.Verb.Pos() }
func (x *CallAction) End() token.Pos {
	switch {
	case x.Result != nil:
		return x.Result.End()
	case len(x.Settings) > 0:
		return x.Settings[len(x.Settings)-1].End()
	case x.Target != nil:
		return x.Target.End()
	}
	return x.Object.End()
}
func (x *LetAction) Pos() token.Pos    { return x.Keyword }
func (x *LetAction) End() token.Pos    { return x.Value.End() }
func (x *UpdateAction) Pos() token.Pos { return x.Update }
func (x *UpdateAction) End() token.Pos { return x.Value.End() }

func (*CallAction) actionNode()   {}
func (*LetAction) actionNode()    {}
func (*UpdateAction) actionNode() {}
