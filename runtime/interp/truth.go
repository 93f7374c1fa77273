package interp

import (
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
)

// null is what a reference to a missing value points at. It is never written.
var null value.Value

// truth plans a condition to a bool closure, by the overloads of its
// operators: a chain of and (or of or) runs as one loop, a comparison whose
// operands can be read in place reads them without copying.
func (pl *Planner) truth(x *ir.Expr, entity string) func(*Env) bool {
	if ov := ops.Lookup(x.Overload); ov != nil && (x.Op == ir.OpBinary || x.Op == ir.OpUnary) {
		switch {
		case ov.Op == ops.And || ov.Op == ops.Or:
			return pl.chain(x, ov.Op, entity)
		case ov.Op == ops.Not:
			inner := pl.truth(x.X, entity)
			return func(env *Env) bool { return env.step() && !inner(env) }
		case ov.Test != nil:
			if cmp := pl.compare(x, ov, entity); cmp != nil {
				return cmp
			}
		}
	}
	ev := pl.Plan(x, entity)
	return func(env *Env) bool { return value.Truth(ev(env)) }
}

// chain plans a and b and c (written so, a chain down the left side) as
// one loop over its operands. It takes a step for each operator, as many
// as the operators evaluated one by one would: all of them, since each
// evaluates its left operand first.
func (pl *Planner) chain(x *ir.Expr, op ops.Op, entity string) func(*Env) bool {
	var operands []func(*Env) bool
	n := 0
	for ; isOp(x, op); x = x.X {
		operands = append(operands, pl.truth(x.Y, entity))
		n++
	}
	operands = append(operands, pl.truth(x, entity))
	for i, j := 0, len(operands)-1; i < j; i, j = i+1, j-1 {
		operands[i], operands[j] = operands[j], operands[i]
	}
	if op == ops.And {
		if len(operands) == 2 {
			l, r := operands[0], operands[1]
			return func(env *Env) bool { return env.step() && l(env) && r(env) }
		}
		return func(env *Env) bool {
			if !env.stepN(n) {
				return false
			}
			for _, f := range operands {
				if !f(env) {
					return false
				}
			}
			return true
		}
	}
	if len(operands) == 2 {
		l, r := operands[0], operands[1]
		return func(env *Env) bool { return env.step() && (l(env) || r(env)) }
	}
	return func(env *Env) bool {
		if !env.stepN(n) {
			return false
		}
		for _, f := range operands {
			if f(env) {
				return true
			}
		}
		return false
	}
}

// stepN takes n steps at once, as n calls of step would.
func (env *Env) stepN(n int) bool {
	env.steps += n - 1
	return env.step()
}

// isOp reports whether x is a binary operator of the given kind.
func isOp(x *ir.Expr, op ops.Op) bool {
	if x.Op != ir.OpBinary {
		return false
	}
	ov := ops.Lookup(x.Overload)
	return ov != nil && ov.Op == op
}

// compare plans a comparison or membership test whose operands can be
// read in place; nil if they cannot.
func (pl *Planner) compare(x *ir.Expr, ov *ops.Overload, entity string) func(*Env) bool {
	l, r := pl.ref(x.X, entity), pl.ref(x.Y, entity)
	if l == nil || r == nil {
		return nil
	}
	if x.Y.Op == ir.OpLit {
		if f := compareLiteral(ov, l, pl.literal(x.Y)); f != nil {
			return f
		}
	}
	test := ov.Test
	return func(env *Env) bool { return env.step() && test(l(env), r(env)) }
}

// ref plans an operand that can be read in place: a literal, or a field of
// the item or of a related item; nil for anything else.
func (pl *Planner) ref(x *ir.Expr, entity string) func(*Env) *value.Value {
	switch {
	case x.Op == ir.OpLit:
		v := pl.literal(x)
		return func(*Env) *value.Value { return &v }
	case x.Op == ir.OpField && x.X == nil && len(x.Path) == 1:
		if x.Root == ir.RootSelf { // the item's own field: no root to find
			slot := pl.Slot(entity, x.Path[0])
			return func(env *Env) *value.Value {
				if it := env.Item; it != nil && slot >= 0 && slot < len(it.Fields) {
					return &it.Fields[slot]
				}
				return &null
			}
		}
		root, rootEntity := pl.root(x, entity)
		if rootEntity == "" { // known only at run time: the client, a test's item
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

// compareLiteral specializes the comparisons of a field with a literal,
// the most common conditions, by the overload: equality of texts (text,
// enum, stage, url) with a literal text, and every comparison of numbers
// and amounts with a literal number. The literal is held, not evaluated,
// and compared without a call. nil for any other comparison. The results
// are those of the overload's Test (truth_test.go holds them to it).
func compareLiteral(ov *ops.Overload, l func(*Env) *value.Value, lit value.Value) func(*Env) bool {
	switch ov.Operands() {
	case ops.Texts:
		if lit.K != value.Text || ov.Op != ops.Eq && ov.Op != ops.Ne {
			return nil
		}
		s, eq := lit.S, ov.Op == ops.Eq
		return func(env *Env) bool {
			v := l(env)
			return env.step() && (v.K == value.Text && v.S == s) == eq
		}
	case ops.Numbers:
		if lit.K != value.Number && lit.K != value.Money {
			return nil
		}
		n := lit.N
		switch ov.Op {
		case ops.Eq:
			return func(env *Env) bool {
				v := l(env)
				return env.step() && (v.K == value.Number || v.K == value.Money) && v.N == n
			}
		case ops.Ne:
			return func(env *Env) bool {
				v := l(env)
				return env.step() && !((v.K == value.Number || v.K == value.Money) && v.N == n)
			}
		case ops.Lt:
			return func(env *Env) bool {
				v := l(env)
				return env.step() && (v.K == value.Number || v.K == value.Money) && v.N < n
			}
		case ops.Le:
			return func(env *Env) bool {
				v := l(env)
				return env.step() && (v.K == value.Number || v.K == value.Money) && v.N <= n
			}
		case ops.Gt:
			return func(env *Env) bool {
				v := l(env)
				return env.step() && (v.K == value.Number || v.K == value.Money) && v.N > n
			}
		case ops.Ge:
			return func(env *Env) bool {
				v := l(env)
				return env.step() && (v.K == value.Number || v.K == value.Money) && v.N >= n
			}
		}
	}
	return nil
}
