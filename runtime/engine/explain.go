package engine

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/lang/literal"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
)

// Explainer says why a condition is not true, in the language's own
// words: the expression as written, and each value as a literal of the
// language (1500.50, null, "implant", Confirmed, -18d22h30m). A skipped
// rule's timeline line and a failed test expectation are both written by
// it, so that the two read alike.
type Explainer struct {
	Source  func(*ir.Expr) string             // an expression as the source writes it
	Eval    func(*ir.Expr) value.Value        // an expression's value now
	Literal func(value.Value, ir.Kind) string // a value as the language writes it; nil: Literal(v, kind, nil)
}

// opOf is the operator an expression's overload runs (the one the
// checker resolved it to), or 0 when it is no operator: the explanation
// follows what the condition did, not how the operator is spelled.
func opOf(x *ir.Expr) ops.Op {
	if x.Op != ir.OpBinary && x.Op != ir.OpUnary {
		return 0
	}
	if ov := ops.Lookup(x.Overload); ov != nil {
		return ov.Op
	}
	switch x.Name { // a program without overloads (older IR)
	case "and":
		return ops.And
	case "or":
		return ops.Or
	case "not":
		return ops.Not
	}
	return 0
}

// Explain says why x is not true: for an and, the operand that is false
// (explained in turn); for an or, both; for a comparison, the values it
// compared ("d.amount == 800: left is 800.50"; the right one too unless
// it is a literal); otherwise the value x has.
func (e Explainer) Explain(x *ir.Expr) string {
	at, rest := e.why(x)
	return e.Source(at) + rest
}

// why is the sub-expression that decided (x, or an operand of an and) and
// what follows its source in the explanation: ": left is ..." or " is ...".
func (e Explainer) why(x *ir.Expr) (*ir.Expr, string) {
	switch opOf(x) {
	case ops.And:
		for _, y := range []*ir.Expr{x.X, x.Y} {
			if !value.Truth(e.Eval(y)) {
				return e.why(y)
			}
		}
	case ops.Or:
		return x, ": neither holds: " + e.Explain(x.X) + "; " + e.Explain(x.Y)
	case ops.Not:
		return x, ": " + e.Source(x.X) + " is true"
	}
	if x.Op == ir.OpBinary {
		msg := ": left is " + e.lit(e.Eval(x.X), x.X.Kind)
		switch y := x.Y; {
		case written(y): // the source says it
		case y.Op == ir.OpRange: // a range is not the list of its ends
			msg += ", right is " + e.lit(e.Eval(y.X), y.X.Kind) + ".." + e.lit(e.Eval(y.Y), y.Y.Kind)
		default:
			msg += ", right is " + e.lit(e.Eval(y), y.Kind)
		}
		return x, msg
	}
	return x, " is " + e.lit(e.Eval(x), x.Kind)
}

// written reports whether x is a literal, or a list or range of them:
// its value is what its source says.
func written(x *ir.Expr) bool {
	switch x.Op {
	case ir.OpLit:
		return true
	case ir.OpRange:
		return written(x.X) && written(x.Y)
	case ir.OpList:
		for _, a := range x.Args {
			if !written(a) {
				return false
			}
		}
		return true
	}
	return false
}

func (e Explainer) lit(v value.Value, kind ir.Kind) string {
	if e.Literal != nil {
		return e.Literal(v, kind)
	}
	return Literal(v, kind, nil)
}

// timelineLiteral is Literal for a timeline line: a long text cut short,
// so that it is stored once, in its item, not again on every line.
func timelineLiteral(v value.Value, kind ir.Kind) string {
	if v.K == value.Text && utf8.RuneCountInString(v.S) > maxQuote {
		v.S = string([]rune(v.S)[:maxQuote]) + "…"
	}
	return Literal(v, kind, nil)
}

// Condition says why a rule's condition is false, for its timeline: "its
// condition deal.amount > 1000 is false: left is null"; of an and, the
// operand that is false with its values.
func (e Explainer) Condition(cond *ir.Expr) string {
	src := e.Source(cond)
	at, rest := e.why(cond)
	switch {
	case at != cond:
		return "its condition " + src + " is false: " + e.Source(at) + rest
	case rest == " is false":
		return "its condition " + src + " is false"
	case strings.HasPrefix(rest, " is "): // null, or not a bool
		return "its condition " + src + rest
	}
	return "its condition " + src + " is false" + rest
}

// EmptyTime says why a rule's time is empty: the expression, and the
// field in it that has no value ("its time deal.visit_date - 1d is empty:
// deal.visit_date is null").
func (e Explainer) EmptyTime(at *ir.Expr) string {
	msg := "its time " + e.Source(at) + " is empty"
	if y := e.nullOperand(at); y != nil && y != at {
		msg += ": " + e.Source(y) + " is null"
	} else if v := e.Eval(at); !v.IsNull() {
		msg += ": it is " + e.lit(v, at.Kind) + ", not a date, a datetime or a time of day"
	}
	return msg
}

// nullOperand is the first field or variable of x that is null, or nil.
func (e Explainer) nullOperand(x *ir.Expr) *ir.Expr {
	if x == nil {
		return nil
	}
	switch x.Op {
	case ir.OpField, ir.OpVar:
		if e.Eval(x).IsNull() {
			return x
		}
		return nil
	}
	for _, y := range append([]*ir.Expr{x.X, x.Y}, x.Args...) {
		if n := e.nullOperand(y); n != nil {
			return n
		}
	}
	return nil
}

// Literal writes a value as the language writes it; kind is its static
// type's kind (ir.Expr.Kind), which tells a stage from a text. name, when
// not nil, names a referenced item (a test's d).
func Literal(v value.Value, kind ir.Kind, name func(id string) string) string {
	switch v.K {
	case value.Null:
		return "null"
	case value.Text:
		if kind == ir.KindStage {
			return WriteName(v.S)
		}
		if v.Tag != "" { // a typed address: mobile("+48 600 100 200")
			return v.Tag + "(" + literal.Quote(v.S) + ")"
		}
		return literal.Quote(v.S)
	case value.Money:
		if v.N != math.Trunc(v.N) {
			return strconv.FormatFloat(v.N, 'f', 2, 64)
		}
		return literalNumber(v.N)
	case value.Number:
		return literalNumber(v.N)
	case value.Duration:
		// value.String writes one unit that divides it (27270m), which a
		// template inserts; a reader wants the largest units first.
		return literal.FormatDuration(int64(v.N))
	case value.List:
		parts := make([]string, len(v.L))
		for i, x := range v.L {
			parts[i] = Literal(x, "", name)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case value.Ref: // an item by its name; an employee by hers
		if name != nil {
			if n := name(v.S); n != "" {
				return n
			}
		}
		if v.Tag == "user" {
			return WriteName(v.S)
		}
		return literal.Quote(v.S)
	case value.Record: // a result has no literal: what a template inserts
		return literal.Quote(v.String())
	}
	return v.String()
}

// literalNumber writes a number as a literal of the language, in full:
// the language has no exponent (1e21 is E005), nor a negative zero.
func literalNumber(n float64) string {
	if n == 0 {
		return "0"
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// WriteName writes a stage or employee name bare when it is a plain name,
// quoted otherwise ("Zamknięty wygrany").
func WriteName(s string) string {
	if s == "" {
		return `""`
	}
	for i, c := range s {
		if !(c == '_' || unicode.IsLetter(c) || i > 0 && unicode.IsDigit(c)) {
			return literal.Quote(s)
		}
	}
	return s
}

// Internal says whether an effect's field is the server's bookkeeping
// rather than a setting the rules wrote: links, the original links of an
// e-mail with track_clicks, one a line, which a click resolves to. Empty,
// it is not shown (a test's listing of effects, the API's outbox).
func Internal(field string) bool { return field == "links" }
