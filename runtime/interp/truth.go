package interp

import (
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// null is what a reference to a missing value points at. It is never written.
var null value.Value

// truth plans a condition to a bool closure.
func (pl *Planner) truth(x *ir.Expr, entity string) func(*Env) bool {
	switch {
	case x.Op == ir.OpBinary && (x.Name == "and" || x.Name == "or"):
		l, r := pl.truth(x.X, entity), pl.truth(x.Y, entity)
		if x.Name == "and" {
			return func(env *Env) bool { return env.step() && l(env) && r(env) }
		}
		return func(env *Env) bool { return env.step() && (l(env) || r(env)) }
	case x.Op == ir.OpUnary && x.Name == "not":
		inner := pl.truth(x.X, entity)
		return func(env *Env) bool { return env.step() && !inner(env) }
	case x.Op == ir.OpBinary:
		if cmp := pl.compare(x, entity); cmp != nil {
			return cmp
		}
	}
	ev := pl.Plan(x, entity)
	return func(env *Env) bool { return value.Truth(ev(env)) }
}

// compare plans a comparison whose operands can be read in place; nil if
// they cannot.
func (pl *Planner) compare(x *ir.Expr, entity string) func(*Env) bool {
	l, r := pl.ref(x.X, entity), pl.ref(x.Y, entity)
	if l == nil || r == nil {
		return nil
	}
	if x.Y.Op == ir.OpLit {
		if f := compareLiteral(x.Name, l, pl.literal(x.Y)); f != nil {
			return f
		}
	}
	switch x.Name {
	case "==":
		return func(env *Env) bool { return env.step() && value.EqualRef(l(env), r(env)) }
	case "!=":
		return func(env *Env) bool { return env.step() && !value.EqualRef(l(env), r(env)) }
	case "<":
		return func(env *Env) bool { c, ok := value.CompareRef(l(env), r(env)); return env.step() && ok && c < 0 }
	case "<=":
		return func(env *Env) bool { c, ok := value.CompareRef(l(env), r(env)); return env.step() && ok && c <= 0 }
	case ">":
		return func(env *Env) bool { c, ok := value.CompareRef(l(env), r(env)); return env.step() && ok && c > 0 }
	case ">=":
		return func(env *Env) bool { c, ok := value.CompareRef(l(env), r(env)); return env.step() && ok && c >= 0 }
	}
	return nil
}

// ref plans an operand that can be read in place: a literal, or a field of
// the item or of a related item; nil for anything else.
func (pl *Planner) ref(x *ir.Expr, entity string) func(*Env) *value.Value {
	switch {
	case x.Op == ir.OpLit:
		v := pl.literal(x)
		return func(*Env) *value.Value { return &v }
	case x.Op == ir.OpField && x.X == nil && len(x.Path) == 1:
		root, rootEntity := pl.root(x.Name, entity)
		if rootEntity == "" || rootEntity == "client" {
			return nil
		}
		slot := pl.Slot(rootEntity, x.Path[0])
		return func(env *Env) *value.Value {
			it := root(env)
			if it == nil || slot < 0 || slot >= len(it.Fields) {
				return &null
			}
			return &it.Fields[slot]
		}
	}
	return nil
}

// compareLiteral specializes the comparisons of a field with a literal
// number or text, the most common conditions: the literal is held, not
// evaluated, and compared without a call. nil for any other comparison.
// The results are those of value.EqualRef and value.CompareRef.
func compareLiteral(op string, l func(*Env) *value.Value, lit value.Value) func(*Env) bool {
	switch {
	case lit.K == value.Text && (op == "==" || op == "!="):
		s, eq := lit.S, op == "=="
		return func(env *Env) bool {
			v := l(env)
			return env.step() && (v.K == value.Text && v.S == s) == eq
		}
	case lit.K == value.Number:
		n := lit.N
		var test func(float64) bool
		switch op {
		case "==":
			test = func(a float64) bool { return a == n }
		case "<":
			test = func(a float64) bool { return a < n }
		case "<=":
			test = func(a float64) bool { return a <= n }
		case ">":
			test = func(a float64) bool { return a > n }
		case ">=":
			test = func(a float64) bool { return a >= n }
		default:
			return nil
		}
		return func(env *Env) bool {
			v := l(env)
			return env.step() && (v.K == value.Number || v.K == value.Money) && test(v.N)
		}
	}
	return nil
}
