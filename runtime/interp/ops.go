package interp

import (
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/value"
)

func (pl *Planner) unary(x *ir.Expr, entity string) Eval {
	inner := pl.Plan(x.X, entity)
	if x.Name == "not" {
		return func(env *Env) value.Value { return value.BoolOf(!value.Truth(inner(env))) }
	}
	return func(env *Env) value.Value { return value.Neg(inner(env)) }
}

func (pl *Planner) binary(x *ir.Expr, entity string) Eval {
	l, r := pl.Plan(x.X, entity), pl.Plan(x.Y, entity)
	switch x.Name {
	case "and":
		return func(env *Env) value.Value {
			if !env.step() || !value.Truth(l(env)) {
				return value.BoolOf(false)
			}
			return value.BoolOf(value.Truth(r(env)))
		}
	case "or":
		return func(env *Env) value.Value {
			if !env.step() {
				return value.BoolOf(false)
			}
			return value.BoolOf(value.Truth(l(env)) || value.Truth(r(env)))
		}
	case "==":
		return func(env *Env) value.Value { return value.BoolOf(env.step() && value.Equal(l(env), r(env))) }
	case "!=":
		return func(env *Env) value.Value { return value.BoolOf(env.step() && !value.Equal(l(env), r(env))) }
	case "<", "<=", ">", ">=":
		test := map[string]func(int) bool{
			"<": func(c int) bool { return c < 0 }, "<=": func(c int) bool { return c <= 0 },
			">": func(c int) bool { return c > 0 }, ">=": func(c int) bool { return c >= 0 },
		}[x.Name]
		return func(env *Env) value.Value {
			c, ok := value.Compare(l(env), r(env))
			return value.BoolOf(env.step() && ok && test(c))
		}
	case "in", "not in":
		want := x.Name == "in"
		rng := x.Y.Op == ir.OpRange
		return func(env *Env) value.Value {
			v, set := l(env), r(env)
			if !env.step() || v.K == value.Null {
				return value.BoolOf(false)
			}
			return value.BoolOf(member(v, set, rng) == want)
		}
	}
	op := x.Name
	return func(env *Env) value.Value {
		if !env.step() {
			return value.Value{}
		}
		return value.Arith(op, l(env), r(env))
	}
}

// member reports whether v is in a list, or within a range [lo, hi].
func member(v, set value.Value, rng bool) bool {
	if rng {
		if len(set.L) != 2 {
			return false
		}
		lo, ok1 := value.Compare(v, set.L[0])
		hi, ok2 := value.Compare(v, set.L[1])
		return ok1 && ok2 && lo >= 0 && hi <= 0
	}
	for _, e := range set.L {
		if value.Equal(v, e) {
			return true
		}
	}
	return false
}

func (pl *Planner) list(x *ir.Expr, entity string) Eval {
	var elems []Eval
	if x.Op == ir.OpRange {
		elems = []Eval{pl.Plan(x.X, entity), pl.Plan(x.Y, entity)}
	}
	for _, a := range x.Args {
		elems = append(elems, pl.Plan(a, entity))
	}
	return func(env *Env) value.Value {
		out := make([]value.Value, len(elems))
		for i, e := range elems {
			out[i] = e(env)
		}
		return value.ListOf(out...)
	}
}

// typedKinds are the calls that make a typed e-mail or phone: mobile("+48...").
var typedKinds = map[string]bool{"work": true, "home": true, "mobile": true, "mailing": true, "other": true}

// Func implements a function of expressions (stdlib/functions.go). It is
// given valid argument types, and must be total: null in, null out.
type Func func(args []value.Value) value.Value

func (pl *Planner) call(x *ir.Expr, entity string) Eval {
	args := make([]Eval, len(x.Args))
	for i, a := range x.Args {
		args[i] = pl.Plan(a, entity)
	}
	if typedKinds[x.Name] && len(args) == 1 {
		kind := x.Name
		return func(env *Env) value.Value { return value.TypedText(kind, args[0](env).S) }
	}
	f := pl.funcs[x.Name]
	return func(env *Env) value.Value {
		if !env.step() || f == nil {
			return value.Value{}
		}
		vals := make([]value.Value, len(args))
		for i, a := range args {
			vals[i] = a(env)
		}
		return f(vals)
	}
}
