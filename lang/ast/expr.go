package ast

import "github.com/stagecraft/stagecraft/lang/token"

// Expr is an expression.
type Expr interface {
	Node
	exprNode()
}

// LitKind is the kind of a literal.
type LitKind int

const (
	Number   LitKind = iota // 12, 3.5
	String                  // "text with {placeholders}"
	Duration                // 180d, 1h30m, 6mo
	Date                    // 2026-12-24
	DateTime                // 2026-12-24T14:00
	Clock                   // 14:00, a time of day
	Bool                    // true, false
	Null                    // null
)

var litKindNames = [...]string{"number", "string", "duration", "date", "date-time", "time of day", "bool", "null"}

func (k LitKind) String() string { return litKindNames[k] }

// BasicLit is a literal. A String literal is a template: Parts holds its
// literal text and its {placeholders} in order.
type BasicLit struct {
	ValuePos token.Pos
	Kind     LitKind
	Raw      string // as written
	Value    string // for strings: the text with escapes resolved and placeholders kept as written
	Parts    []TemplatePart
}

// TemplatePart is a piece of a string: literal text, or a placeholder
// expression ({contact.name}) when Expr is set.
type TemplatePart struct {
	Text string
	Expr Expr
}

// IsTemplate reports whether the string has a placeholder.
func (x *BasicLit) IsTemplate() bool {
	for _, p := range x.Parts {
		if p.Expr != nil {
			return true
		}
	}
	return false
}

// SelectorExpr selects a field: deal.amount.
type SelectorExpr struct {
	X   Expr
	Sel *Ident
}

// TypeSelExpr picks one value of a multi-valued e-mail or phone field by its
// type: contact.phone[mobile], contact.email[auto].
type TypeSelExpr struct {
	X      Expr
	Lbrack token.Pos
	Type   *Ident
	Rbrack token.Pos
}

// CallExpr calls a built-in function: lower(contact.name).
type CallExpr struct {
	Fun    *Ident
	Args   []Expr
	Rparen token.Pos
}

// UnaryExpr is -x or not x.
type UnaryExpr struct {
	OpPos token.Pos
	Op    string
	X     Expr
}

// BinaryExpr is x OP y, where OP is an arithmetic, comparison, logical or
// membership operator ("in", "not in").
type BinaryExpr struct {
	X     Expr
	OpPos token.Pos
	Op    string
	Y     Expr
}

// Precedence levels of the operators, loosest first. Binary operators of one
// level associate to the left, except comparisons, which do not chain. The
// prefix `not` takes everything down to the next `and` or `or`; the prefix
// `-` takes only the operand after it.
const (
	PrecOr      = 1 + iota // or
	PrecAnd                // and
	PrecNot                // not x
	PrecCompare            // == != < <= > >= in, not in
	PrecRange              // lo..hi
	PrecAdd                // + -
	PrecMul                // * / %
)

// Precedence returns the level of a binary operator, or 0 for an unknown one.
func Precedence(op string) int {
	switch op {
	case "or":
		return PrecOr
	case "and":
		return PrecAnd
	case "==", "!=", "<", "<=", ">", ">=", "in", "not in":
		return PrecCompare
	case "..":
		return PrecRange
	case "+", "-":
		return PrecAdd
	case "*", "/", "%":
		return PrecMul
	}
	return 0
}

// RangeExpr is lo..hi, the right operand of `in`.
type RangeExpr struct {
	Lo, Hi Expr
}

// ListExpr is [a, b, c].
type ListExpr struct {
	Lbrack token.Pos
	Elems  []Expr
	Rbrack token.Pos
}

// ParenExpr is (x).
type ParenExpr struct {
	Lparen token.Pos
	X      Expr
	Rparen token.Pos
}

// BadExpr stands for an expression that could not be parsed (a bad placeholder).
type BadExpr struct {
	From, To token.Pos
}

func (x *BasicLit) Pos() token.Pos     { return x.ValuePos }
func (x *BasicLit) End() token.Pos     { return x.ValuePos + token.Pos(len(x.Raw)) }
func (x *SelectorExpr) Pos() token.Pos { return x.X.Pos() }
func (x *SelectorExpr) End() token.Pos { return x.Sel.End() }
func (x *TypeSelExpr) Pos() token.Pos  { return x.X.Pos() }
func (x *TypeSelExpr) End() token.Pos  { return x.Rbrack + 1 }
func (x *CallExpr) Pos() token.Pos     { return x.Fun.Pos() }
func (x *CallExpr) End() token.Pos     { return x.Rparen + 1 }
func (x *UnaryExpr) Pos() token.Pos    { return x.OpPos }
func (x *UnaryExpr) End() token.Pos    { return x.X.End() }
func (x *BinaryExpr) Pos() token.Pos   { return x.X.Pos() }
func (x *BinaryExpr) End() token.Pos   { return x.Y.End() }
func (x *RangeExpr) Pos() token.Pos    { return x.Lo.Pos() }
func (x *RangeExpr) End() token.Pos    { return x.Hi.End() }
func (x *ListExpr) Pos() token.Pos     { return x.Lbrack }
func (x *ListExpr) End() token.Pos     { return x.Rbrack + 1 }
func (x *ParenExpr) Pos() token.Pos    { return x.Lparen }
func (x *ParenExpr) End() token.Pos    { return x.Rparen + 1 }
func (x *BadExpr) Pos() token.Pos      { return x.From }
func (x *BadExpr) End() token.Pos      { return x.To }

func (*Ident) exprNode()        {}
func (*BasicLit) exprNode()     {}
func (*SelectorExpr) exprNode() {}
func (*TypeSelExpr) exprNode()  {}
func (*CallExpr) exprNode()     {}
func (*UnaryExpr) exprNode()    {}
func (*BinaryExpr) exprNode()   {}
func (*RangeExpr) exprNode()    {}
func (*ListExpr) exprNode()     {}
func (*ParenExpr) exprNode()    {}
func (*BadExpr) exprNode()      {}

// Unparen strips parentheses.
func Unparen(e Expr) Expr {
	for {
		p, ok := e.(*ParenExpr)
		if !ok {
			return e
		}
		e = p.X
	}
}
