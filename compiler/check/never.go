package check

import (
	"fmt"
	"math"
	"strconv"

	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/format"
)

// Conditions that can never hold. A rule whose condition is always false
// never runs (W004) and a trigger whose condition is always false never
// fires (W002): both are almost always a mistake (a < written for a >, two
// bounds swapped) that would otherwise show only as nothing happening.
//
// The analysis is deliberately small and exact: it folds literals (false,
// 1 > 2, not true) and intersects the bounds that the conjuncts of an
// `and` put on one path compared with number literals (deal.amount > 1000
// and deal.amount < 500). It says "never" only when that is certain;
// anything it does not understand may hold.

// neverTrue explains why the bool expression e can never be true, or
// returns "" when it may be.
func neverTrue(e ast.Expr) string {
	if v, ok := constBool(e); ok {
		if !v {
			if _, lit := ast.Unparen(e).(*ast.BasicLit); lit {
				return "its condition is false"
			}
			return fmt.Sprintf("%s is always false", exprText(e))
		}
		return ""
	}
	if x, ok := e.(*ast.BinaryExpr); ok && x.Op == "or" {
		if neverTrue(x.X) != "" && neverTrue(x.Y) != "" {
			return fmt.Sprintf("neither side of %s can be true", exprText(e))
		}
		return ""
	}
	var conj []ast.Expr
	conjuncts(e, &conj)
	if len(conj) < 2 {
		return ""
	}
	for _, c := range conj {
		if why := neverTrue(c); why != "" {
			return why
		}
	}
	// Intersect the bounds of each path, in the order paths first appear.
	type bounds struct {
		lo, hi       float64
		loIn, hiIn   bool     // whether lo and hi themselves are allowed
		first, clash ast.Expr // the conjuncts that made the range empty
	}
	var order []string
	byPath := map[string]*bounds{}
	for _, c := range conj {
		path, op, n, ok := compareLit(c)
		if !ok {
			continue
		}
		b := byPath[path]
		if b == nil {
			b = &bounds{lo: math.Inf(-1), hi: math.Inf(1), loIn: true, hiIn: true, first: c}
			byPath[path] = b
			order = append(order, path)
		}
		switch op {
		case ">", ">=":
			if n > b.lo || n == b.lo && op == ">" {
				b.lo, b.loIn = n, op == ">="
			}
		case "<", "<=":
			if n < b.hi || n == b.hi && op == "<" {
				b.hi, b.hiIn = n, op == "<="
			}
		case "==":
			if n > b.lo || n == b.lo && !b.loIn {
				b.lo, b.loIn = n, true
			}
			if n < b.hi || n == b.hi && !b.hiIn {
				b.hi, b.hiIn = n, true
			}
		}
		if b.clash == nil && (b.lo > b.hi || b.lo == b.hi && !(b.loIn && b.hiIn)) {
			b.clash = c
		}
	}
	for _, p := range order {
		if b := byPath[p]; b.clash != nil {
			return fmt.Sprintf("%s and %s cannot both hold", exprText(b.first), exprText(b.clash))
		}
	}
	return ""
}

// conjuncts appends the operands of a chain of `and`, parentheses removed.
func conjuncts(e ast.Expr, out *[]ast.Expr) {
	e = ast.Unparen(e)
	if x, ok := e.(*ast.BinaryExpr); ok && x.Op == "and" {
		conjuncts(x.X, out)
		conjuncts(x.Y, out)
		return
	}
	*out = append(*out, e)
}

// compareLit matches PATH op NUMBER or NUMBER op PATH, with op one of
// < <= > >= ==, and returns it as PATH op NUMBER.
func compareLit(e ast.Expr) (path, op string, n float64, ok bool) {
	x, isBin := e.(*ast.BinaryExpr)
	if !isBin {
		return "", "", 0, false
	}
	flip := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "=="}
	if flip[x.Op] == "" {
		return "", "", 0, false
	}
	if n, ok := number(x.Y); ok && isPath(x.X) {
		return exprString(x.X), x.Op, n, true
	}
	if n, ok := number(x.X); ok && isPath(x.Y) {
		return exprString(x.Y), flip[x.Op], n, true
	}
	return "", "", 0, false
}

func isPath(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return true
	case *ast.SelectorExpr:
		return isPath(e.X)
	}
	return false
}

// number is the value of a number literal, negated or not.
func number(e ast.Expr) (float64, bool) {
	e = ast.Unparen(e)
	neg := false
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == "-" {
		neg, e = true, ast.Unparen(u.X)
	}
	l, ok := e.(*ast.BasicLit)
	if !ok || l.Kind != ast.Number {
		return 0, false
	}
	f, err := strconv.ParseFloat(l.Raw, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		f = -f
	}
	return f, true
}

// constBool folds a bool expression made of literals only.
func constBool(e ast.Expr) (v, ok bool) {
	switch e := ast.Unparen(e).(type) {
	case *ast.BasicLit:
		if e.Kind == ast.Bool {
			return e.Raw == "true", true
		}
	case *ast.UnaryExpr:
		if e.Op == "not" {
			v, ok := constBool(e.X)
			return !v, ok
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case "and", "or":
			x, okx := constBool(e.X)
			y, oky := constBool(e.Y)
			// false and anything is false; true or anything is true
			if e.Op == "and" && (okx && !x || oky && !y) {
				return false, true
			}
			if e.Op == "or" && (okx && x || oky && y) {
				return true, true
			}
			if okx && oky {
				return e.Op == "and" && x && y || e.Op == "or" && (x || y), true
			}
		case "<", "<=", ">", ">=", "==", "!=":
			x, okx := number(e.X)
			y, oky := number(e.Y)
			if !okx || !oky {
				return false, false
			}
			switch e.Op {
			case "<":
				return x < y, true
			case "<=":
				return x <= y, true
			case ">":
				return x > y, true
			case ">=":
				return x >= y, true
			case "==":
				return x == y, true
			default:
				return x != y, true
			}
		}
	}
	return false, false
}

// exprText is an expression as the user wrote it (layout aside), for messages.
func exprText(e ast.Expr) string { return format.Expr(e) }
