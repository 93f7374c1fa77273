package testrun

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
)

// opOf is the operator an expression's overload runs (the one the checker
// resolved it to), or 0 when it is no operator: the explanation
// follows what the condition did, not how the operator is spelled.
func opOf(x *ir.Expr) ops.Op {
	if x.Op != ir.OpBinary && x.Op != ir.OpUnary {
		return 0
	}
	if ov := ops.Lookup(x.Overload); ov != nil {
		return ov.Op
	}
	return 0
}

// A failed expectation is reported in the language's own words: the
// expression as the test writes it, and each value as a literal of the
// language (1500, 2026-11-23T09:00, "Sofa", Zapłacone, anna), never as Go
// would print it.

// explain says why a condition is not true: which operand of an and is
// false, and the values a comparison compared.
func (r *runner) explain(x *ir.Expr) string {
	src := exprText(x)
	switch {
	case opOf(x) == ops.And:
		for _, y := range []*ir.Expr{x.X, x.Y} {
			if !value.Truth(r.eval(y, "")) {
				return r.explain(y)
			}
		}
	case opOf(x) == ops.Or:
		return src + ": neither holds: " + r.explain(x.X) + "; " + r.explain(x.Y)
	case x.Op == ir.OpBinary:
		msg := src + ": left is " + r.literal(r.eval(x.X, ""), x.X.Kind)
		if x.Y.Op != ir.OpLit {
			msg += ", right is " + r.literal(r.eval(x.Y, ""), x.Y.Kind)
		}
		return msg
	case opOf(x) == ops.Not:
		return src + ": " + exprText(x.X) + " is true"
	}
	return src + " is " + r.literal(r.eval(x, ""), x.Kind)
}

// literal writes a value as the language writes it; kind is its static
// type's kind (ir.Expr.Kind), which tells a stage from a text.
func (r *runner) literal(v value.Value, kind ir.Kind) string {
	switch v.K {
	case value.Null:
		return "null"
	case value.Text:
		if kind == "stage" {
			return writeName(v.S)
		}
		if v.Tag != "" { // a typed address: mobile("+48 600 100 200")
			return v.Tag + "(" + quoteText(v.S) + ")"
		}
		return quoteText(v.S)
	case value.Money:
		if v.N != float64(int64(v.N)) {
			return strconv.FormatFloat(v.N, 'f', 2, 64)
		}
		return v.String()
	case value.List:
		parts := make([]string, len(v.L))
		for i, e := range v.L {
			parts[i] = r.literal(e, "")
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case value.Ref: // an item of the test by its name; an employee by hers
		if name := r.nameOf(v.S); name != "" {
			return name
		}
		if v.Tag == "user" {
			return writeName(v.S)
		}
		return quoteText(v.S)
	case value.Record: // a result has no literal: what a template inserts
		return quoteText(v.String())
	}
	return v.String()
}

// quoteText writes a string literal: the escapes of the language, braces
// escaped so that the literal is not a template.
func quoteText(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case '"', '\\', '{', '}':
			b.WriteByte('\\')
			b.WriteRune(c)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// writeName writes a stage or employee name bare when it is a plain name,
// quoted otherwise ("Zamknięty wygrany").
func writeName(s string) string {
	for i, c := range s {
		if !(c == '_' || unicode.IsLetter(c) || i > 0 && unicode.IsDigit(c)) {
			return quoteText(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

// writeText writes what an effect recorded, which is text, as the
// language would write it: kind is the type the expectation gave it; ""
// when unknown, and then a text that reads as a number, date, datetime or
// bool is written as one (a deadline is 2026-11-23T13:00, not a string).
func writeText(s string, kind ir.Kind) string {
	switch kind {
	case "text", "url", "stage", "enum", "email", "phone", "resource", "ref":
		return quoteText(s)
	case "":
		if s == "true" || s == "false" {
			return s
		}
		for _, parse := range []func(string) (value.Value, error){value.ParseNumber, value.ParseDate, value.ParseDateTime} {
			if _, err := parse(s); err == nil && s != "" && !strings.HasPrefix(s, "+") {
				return s
			}
		}
		return quoteText(s)
	}
	if s == "" {
		return "null"
	}
	return s
}

// Operator precedence as spec/language.md gives it, loosest first, to
// write an expression back with the brackets it needs.
var precedence = map[string]int{
	"or": 1, "and": 2, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4, "not in": 4,
	"+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
}

// exprText writes an IR expression as the test wrote it (up to spacing
// and brackets).
func exprText(x *ir.Expr) string {
	switch x.Op {
	case ir.OpLit:
		switch x.Kind {
		case "text":
			return quoteText(x.Lit)
		case "stage", "ref", "resource", "enum":
			return writeName(x.Lit)
		}
		return x.Lit
	case ir.OpBuiltin:
		return x.Name
	case ir.OpField, ir.OpVar:
		return strings.Join(append([]string{x.Name}, x.Path...), ".")
	case ir.OpTypeSel:
		return exprText(x.X) + "[" + x.Sel + "]"
	case ir.OpAddress:
		return x.Sel + "(" + exprText(x.X) + ")"
	case ir.OpUnary:
		if x.Name == "not" {
			return "not " + operand(x.X, 3)
		}
		return "-" + operand(x.X, 7)
	case ir.OpBinary:
		p := precedence[x.Name]
		return operand(x.X, p) + " " + x.Name + " " + operand(x.Y, p+1)
	case ir.OpRange:
		return operand(x.X, 5) + ".." + operand(x.Y, 5)
	case ir.OpCall, ir.OpList:
		args := make([]string, len(x.Args))
		for i, a := range x.Args {
			args[i] = exprText(a)
		}
		if x.Op == ir.OpList {
			return "[" + strings.Join(args, ", ") + "]"
		}
		return x.Name + "(" + strings.Join(args, ", ") + ")"
	case ir.OpTemplate:
		var b strings.Builder
		b.WriteByte('"')
		for _, a := range x.Args {
			if a.Op == ir.OpLit && a.Kind == "text" {
				q := quoteText(a.Lit)
				b.WriteString(q[1 : len(q)-1])
				continue
			}
			b.WriteString("{" + exprText(a) + "}")
		}
		b.WriteByte('"')
		return b.String()
	}
	return "?"
}

// operand writes x where an operator of precedence min stands, in
// brackets if it binds more loosely.
func operand(x *ir.Expr, min int) string {
	s := exprText(x)
	if x.Op == ir.OpBinary && precedence[x.Name] < min || x.Op == ir.OpUnary && x.Name == "not" && min > 3 {
		return "(" + s + ")"
	}
	return s
}
