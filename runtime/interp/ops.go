package interp

import (
	"fmt"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
)

// unknown plans an operator whose overload this build does not have (a
// program lowered by another build): its value is null, and the evaluation
// fails with an error that the engine writes on the timeline.
func unknown(x *ir.Expr) Eval {
	err := fmt.Errorf("%s: operator %s has no overload %q in this build", x.Pos, x.Name, x.Overload)
	return func(env *Env) value.Value {
		if env.err == nil {
			env.err = err
		}
		return value.Value{}
	}
}

// unary plans a prefix operator: its overload's implementation, found once.
func (pl *Planner) unary(x *ir.Expr, entity string) Eval {
	ov := ops.Lookup(x.Overload)
	if ov == nil || ov.Unary == nil {
		return unknown(x)
	}
	inner, f := pl.Plan(x.X, entity), ov.Unary
	return func(env *Env) value.Value { return f(inner(env)) }
}

// binary plans a binary operator: its overload's implementation, found
// once, except that and and or evaluate their right operand only when the
// left does not decide.
func (pl *Planner) binary(x *ir.Expr, entity string) Eval {
	ov := ops.Lookup(x.Overload)
	if ov == nil || ov.Binary == nil {
		return unknown(x)
	}
	l, r := pl.Plan(x.X, entity), pl.Plan(x.Y, entity)
	switch ov.Op {
	case ops.And:
		return func(env *Env) value.Value {
			if !env.step() || !value.Truth(l(env)) {
				return value.BoolOf(false)
			}
			return value.BoolOf(value.Truth(r(env)))
		}
	case ops.Or:
		return func(env *Env) value.Value {
			if !env.step() {
				return value.BoolOf(false)
			}
			return value.BoolOf(value.Truth(l(env)) || value.Truth(r(env)))
		}
	}
	f := ov.Binary
	if ov.Test != nil { // a comparison: false, not null, past the budget
		return func(env *Env) value.Value {
			a, b := l(env), r(env)
			if !env.step() {
				return value.BoolOf(false)
			}
			return f(a, b)
		}
	}
	return func(env *Env) value.Value {
		if !env.step() {
			return value.Value{}
		}
		return f(l(env), r(env))
	}
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

// Func implements a function of expressions (stdlib/functions.go). It is
// given valid argument types, and must be total: null in, null out.
type Func func(args []value.Value) value.Value

func (pl *Planner) call(x *ir.Expr, entity string) Eval {
	args := make([]Eval, len(x.Args))
	for i, a := range x.Args {
		args[i] = pl.Plan(a, entity)
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
