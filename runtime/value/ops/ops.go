// Package ops is the one table of the language's operators: every overload
// of an operator (its operand types, its result type and its
// implementation over runtime values) declared once, under a stable ID, as
// cel-go declares cel.Overload(id, args, result, binding).
//
// The checker resolves each unary and binary expression to an overload
// (Resolve) and records it in its side tables; lowering writes the
// overload's ID into the IR; the interpreter looks the ID up once, when it
// plans the expression (Lookup), and calls the implementation. So what the
// checker promised is what runs: no operator is matched by name at run
// time, and spec/language.md's table of operators is printed from this one.
//
// The package links compiler/types (declarations only) and runtime/value,
// nothing of the parser or of storage, so both the checker and the runtime
// import it.
package ops

import (
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Op is an operator of the language.
type Op uint8

const (
	Add Op = 1 + iota
	Sub
	Mul
	Div
	Mod
	Neg // unary -
	Not
	And
	Or
	Eq
	Ne
	Lt
	Le
	Gt
	Ge
	In         // x in list
	NotIn      // x not in list
	InRange    // x in lo..hi
	NotInRange // x not in lo..hi
)

var opNames = [...]string{Add: "add", Sub: "sub", Mul: "mul", Div: "div", Mod: "mod", Neg: "neg", Not: "not", And: "and",
	Or: "or", Eq: "eq", Ne: "ne", Lt: "lt", Le: "le", Gt: "gt", Ge: "ge", In: "in", NotIn: "not_in", InRange: "in_range",
	NotInRange: "not_in_range"}

var opSymbols = [...]string{Add: "+", Sub: "-", Mul: "*", Div: "/", Mod: "%", Neg: "-", Not: "not", And: "and", Or: "or",
	Eq: "==", Ne: "!=", Lt: "<", Le: "<=", Gt: ">", Ge: ">=", In: "in", NotIn: "not in", InRange: "in", NotInRange: "not in"}

// String is the operator's name in overload IDs: add, not_in, in_range.
func (op Op) String() string { return opNames[op] }

// Symbol is the operator as the language writes it: +, not in.
func (op Op) Symbol() string { return opSymbols[op] }

// Unary returns the prefix operator written sym (-, not).
func Unary(sym string) (Op, bool) {
	switch sym {
	case "-":
		return Neg, true
	case "not":
		return Not, true
	}
	return 0, false
}

// Binary returns the binary operator written sym; x in lo..hi is InRange,
// not In (the checker picks it by the shape of the right operand).
func Binary(sym string) (Op, bool) {
	for op := Add; op <= NotIn; op++ {
		if op != Neg && op != Not && opSymbols[op] == sym {
			return op, true
		}
	}
	return 0, false
}

// Param is what an operand of an overload may be: one or more kinds of
// type, optionally only the several-valued form of an e-mail or phone field.
type Param struct {
	Name  string // as overload IDs and the spec write it: number, any, emails
	kinds uint32 // a bit per types.Kind
	multi bool
}

// Accepts reports whether an operand of type t fits the parameter.
func (p Param) Accepts(t *types.Type) bool {
	return p.kinds&(1<<t.Kind) != 0 && (!p.multi || t.Multi)
}

// Overload is one meaning of an operator: its operands' types (two for a
// binary operator, three for a range: x, lo, hi), its result type and its
// implementation. Exactly one of Unary, Binary is set; comparisons and
// membership also have Test, the same truth read in place (without copying
// the values), which conditions use.
type Overload struct {
	ID     string
	Op     Op
	Params []Param
	Result *types.Type
	Doc    string // what the spec says of it, beyond its types

	// accept is a condition on the operand types beyond their kinds (the
	// elements of a list compare with x); nil accepts any.
	accept func(args []*types.Type) bool

	Unary  func(v value.Value) value.Value
	Binary func(a, b value.Value) value.Value
	Test   func(a, b *value.Value) bool

	operands Operands
}

// Operands is how the operands of an overload are held at run time, as far
// as the interpreter's specialized comparisons care.
type Operands uint8

const (
	OtherOperands Operands = iota
	Texts                  // each a text, url, file, enum or stage: a value.Text, compared by its S
	Numbers                // each a number or an amount: a value.Number or value.Money, compared by its N
)

// Operands tells how the overload's operands are held at run time.
func (ov *Overload) Operands() Operands { return ov.operands }

// Matches reports whether operands of the given types fit the overload.
func (ov *Overload) Matches(args []*types.Type) bool {
	if len(args) != len(ov.Params) {
		return false
	}
	for i, p := range ov.Params {
		if !p.Accepts(args[i]) {
			return false
		}
	}
	return ov.accept == nil || ov.accept(args)
}

// ResultType is the type of the overload's result for operands of the given
// types: its Result, except that a number computed from number literals
// only is itself a literal (and so adapts to money, as Go's untyped
// constants do).
func (ov *Overload) ResultType(args []*types.Type) *types.Type {
	if ov.Result.Kind != types.Number {
		return ov.Result
	}
	for _, a := range args {
		if !a.Untyped {
			return types.NumberType
		}
	}
	return types.UntypedNum
}

// Overloads returns the whole table, in the order the spec prints it.
func Overloads() []*Overload { return table }

// Lookup returns the overload with the given ID, or nil.
func Lookup(id string) *Overload { return byID[id] }

// Resolve returns the overload of op for operands of the given types and
// the type of its result, or nil when none applies. The overloads of op
// are tried in the table's order with the operands as they are, then, if
// one is money, once more with each number literal taken as money: so
// deal.amount * 2 is money × number, while deal.amount + 2 and
// deal.amount > 1000 are money with money.
func Resolve(op Op, args ...*types.Type) (*Overload, *types.Type) {
	if ov := find(op, args); ov != nil {
		return ov, ov.ResultType(args)
	}
	money, untyped := false, false
	for _, a := range args {
		money = money || a.Kind == types.Money
		untyped = untyped || a.Kind == types.Number && a.Untyped
	}
	if !money || !untyped {
		return nil, nil
	}
	adapted := make([]*types.Type, len(args))
	for i, a := range args {
		adapted[i] = a
		if a.Kind == types.Number && a.Untyped {
			adapted[i] = types.MoneyType
		}
	}
	if ov := find(op, adapted); ov != nil {
		return ov, ov.ResultType(adapted)
	}
	return nil, nil
}

func find(op Op, args []*types.Type) *Overload {
	for _, ov := range byOp[op] {
		if ov.Matches(args) {
			return ov
		}
	}
	return nil
}

func operandsOf(params []Param) Operands {
	const texts = 1<<types.Text | 1<<types.URL | 1<<types.File | 1<<types.Enum | 1<<types.Stage
	const numbers = 1<<types.Number | 1<<types.Money
	allTexts, allNumbers := true, true
	for _, p := range params {
		allTexts = allTexts && p.kinds&^texts == 0
		allNumbers = allNumbers && p.kinds&^numbers == 0
	}
	switch {
	case allTexts:
		return Texts
	case allNumbers:
		return Numbers
	}
	return OtherOperands
}

var (
	byID = map[string]*Overload{}
	byOp = map[Op][]*Overload{}
)

func init() {
	for _, ov := range table {
		if byID[ov.ID] != nil {
			panic("ops: two overloads " + ov.ID)
		}
		byID[ov.ID] = ov
		byOp[ov.Op] = append(byOp[ov.Op], ov)
		ov.operands = operandsOf(ov.Params)
	}
}
