package plan

import (
	"math/big"
	"strconv"
	"strings"
	"unicode"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/lang/literal"
)

// printer writes IR expressions back in the language's own words, as a
// reviewer would read them in the source: `deal.amount > 1000`,
// `contact.phone[auto]`, `"Dzień dobry {contact.name}"`, `tomorrow + 12:00`.
// Parentheses that the IR no longer holds are put back where precedence
// needs them. A literal the source wrote as a name (a stage, a resource:
// Expr.Name) is printed bare, a text always quoted.
type printer struct{}

// Precedence levels, loosest first, as lang/ast.Precedence has them (this
// package imports only the IR). atom is an operand that never needs
// parentheses.
const (
	precOr = 1 + iota
	precAnd
	precNot
	precCompare
	precRange
	precAdd
	precMul
	precUnary
	atom
)

func binaryPrec(op string) int {
	switch op {
	case "or":
		return precOr
	case "and":
		return precAnd
	case "==", "!=", "<", "<=", ">", ">=", "in", "not in":
		return precCompare
	case "+", "-":
		return precAdd
	case "*", "/", "%":
		return precMul
	}
	return atom
}

func prec(e *ir.Expr) int {
	switch e.Op {
	case ir.OpBinary:
		return binaryPrec(e.Name)
	case ir.OpRange:
		return precRange
	case ir.OpUnary:
		if e.Name == "not" {
			return precNot
		}
		return precUnary
	}
	return atom
}

// expr prints e; nil prints as "".
func (p *printer) expr(e *ir.Expr) string {
	if e == nil {
		return ""
	}
	switch e.Op {
	case ir.OpLit:
		return p.lit(e)
	case ir.OpBuiltin:
		return e.Name
	case ir.OpField, ir.OpVar:
		s := e.Name
		if e.X != nil {
			s = p.operand(e.X, atom)
		}
		for _, f := range e.Path {
			s += "." + f
		}
		return s
	case ir.OpTypeSel:
		return p.operand(e.X, atom) + "[" + e.Sel + "]"
	case ir.OpUnary:
		if e.Name == "not" {
			// not takes everything up to the next and/or.
			return "not " + p.operand(e.X, precNot)
		}
		return e.Name + p.operand(e.X, atom)
	case ir.OpBinary:
		lp := binaryPrec(e.Name)
		left, right := lp, lp+1 // left-associative
		if lp == precCompare {
			left = lp + 1 // comparisons do not chain
		}
		return p.operand(e.X, left) + " " + e.Name + " " + p.operand(e.Y, right)
	case ir.OpRange:
		return p.operand(e.X, precRange+1) + ".." + p.operand(e.Y, precRange+1)
	case ir.OpCall:
		return e.Name + "(" + p.list(e.Args) + ")"
	case ir.OpAddress:
		return e.Sel + "(" + p.expr(e.X) + ")"
	case ir.OpList:
		return "[" + p.list(e.Args) + "]"
	case ir.OpTemplate:
		var b strings.Builder
		b.WriteByte('"')
		for _, a := range e.Args {
			if a.Op == ir.OpLit && a.Kind == "text" && a.Pos == (ir.Pos{}) {
				b.WriteString(literal.Escape(a.Lit))
				continue
			}
			b.WriteString("{" + p.expr(a) + "}")
		}
		b.WriteByte('"')
		return b.String()
	}
	return e.Lit
}

// operand prints e as an operand that binds at least as tightly as min,
// in parentheses otherwise.
func (p *printer) operand(e *ir.Expr, min int) string {
	s := p.expr(e)
	if prec(e) < min {
		return "(" + s + ")"
	}
	return s
}

func (p *printer) list(es []*ir.Expr) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = p.expr(e)
	}
	return strings.Join(s, ", ")
}

func (p *printer) lit(e *ir.Expr) string {
	switch e.Kind {
	case "text", "ref":
		if e.Name != "" && bare(e.Name) {
			return e.Name
		}
		return `"` + literal.Escape(e.Lit) + `"`
	}
	return e.Lit
}

// QuoteName writes a stage or pipeline name bare when it can be, quoted
// otherwise, as `stagecraft fmt` does.
func QuoteName(s string) string {
	if bare(s) {
		return s
	}
	return `"` + literal.Escape(s) + `"`
}

// reserved are the language's reserved words (spec/language.md), which a
// bare name cannot be.
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`on stage move to when as after at if then and or not in true false
		null let calc update given expect event wait set`) {
		reserved[w] = true
	}
}

func bare(s string) bool {
	if s == "" || reserved[s] {
		return false
	}
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// key is an expression's meaning as a string, for comparing two programs:
// positions, static types and variable slots left out (they follow from
// the schema and from where the text stands), durations by their length
// (1d and 24h are the same wait), everything else exactly.
func key(e *ir.Expr) string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	writeKey(&b, e)
	return b.String()
}

func writeKey(b *strings.Builder, e *ir.Expr) {
	b.WriteString("(")
	b.WriteString(string(e.Op))
	lit := e.Lit
	if e.Op == ir.OpLit && e.Kind == "duration" {
		if secs, err := literal.Duration(lit); err == nil {
			lit = strconv.FormatInt(secs, 10) + "s"
		}
	}
	if e.Op == ir.OpLit && (e.Kind == ir.KindNumber || e.Kind == ir.KindMoney) {
		// 1.2 and 1.20, 1000 and 1e3: the same number, no change.
		if r, ok := new(big.Rat).SetString(lit); ok {
			lit = r.RatString()
		}
	}
	name := e.Name
	if e.Op == ir.OpLit {
		name = "" // Oferta and "Oferta": the same text, no change
	}
	for _, s := range []string{lit, name, strings.Join(e.Path, "."), e.Sel} {
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(s))
	}
	for _, x := range []*ir.Expr{e.X, e.Y} {
		if x != nil {
			b.WriteByte(' ')
			writeKey(b, x)
		} else {
			b.WriteString(" -")
		}
	}
	for _, a := range e.Args {
		b.WriteByte(' ')
		writeKey(b, a)
	}
	b.WriteString(")")
}

// Source writes an expression as the language writes it (a name bare, a
// text quoted): what a timeline quotes when it explains a condition.
func Source(e *ir.Expr) string { return (&printer{}).expr(e) }
