package check_test

import (
	"testing"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
	"github.com/stagecraft/stagecraft/stdlib"
)

// evaluate runs every expression of a checked program's rules and
// triggers, and every expression within them, over an item whose fields
// all hold a value (and whose related items do too), and fails unless each
// gives a value of the type the checker gave it (or null), without an
// evaluation error: what the checker decided is what runs.
func evaluate(t *testing.T, p *ir.Program) {
	t.Helper()
	pl := interp.NewPlanner(p, stdlib.Runtime().Funcs)
	w := &filled{p: p, pl: pl, items: map[string]*interp.Item{}}
	check := func(x *ir.Expr, entity string) {
		walk(x, func(x *ir.Expr) {
			want := kindType(string(x.Kind))
			env := &interp.Env{World: w, Now: 1795424400} // 2026-11-23T09:00
			env.Reset(w.item(entity))
			got := pl.Plan(x, entity)(env)
			if env.Err() != nil {
				t.Fatalf("%s: %v", x.Pos, env.Err())
			}
			if !ops.Holds(want, got) {
				t.Fatalf("%s: %s %s gives %#v, not a %s", x.Pos, x.Op, x.Name+x.Overload, got, x.Kind)
			}
			if want.Kind == types.Bool {
				env.Reset(w.item(entity))
				if c := pl.Truth(x, entity)(env); c != value.Truth(got) {
					t.Fatalf("%s: as a condition %v, as a value %#v", x.Pos, c, got)
				}
			}
		})
	}
	for _, r := range p.Rules {
		for _, x := range []*ir.Expr{r.Cond, r.At, r.Action.Target, r.Action.Value} {
			check(x, r.Entity)
		}
		for _, s := range r.Action.Settings {
			check(s.Value, r.Entity)
		}
	}
	for _, tr := range p.Triggers {
		check(tr.Cond, tr.Entity)
		for _, s := range tr.Settings {
			check(s.Value, tr.Entity)
		}
	}
}

// walk calls f on x and every expression within it.
func walk(x *ir.Expr, f func(*ir.Expr)) {
	if x == nil {
		return
	}
	f(x)
	walk(x.X, f)
	walk(x.Y, f)
	for _, a := range x.Args {
		walk(a, f)
	}
}

// kindType is the type an IR expression's Kind names, as far as ops.Holds
// reads it; "" (no type recorded) promises nothing.
func kindType(kind string) *types.Type {
	switch kind {
	case "emails":
		return types.EmailsType
	case "phones":
		return types.PhonesType
	case "ref":
		return types.UserType
	}
	for k := types.Null; k <= types.Resource; k++ {
		if k.String() == kind {
			return &types.Type{Kind: k}
		}
	}
	return types.InvalidType
}

// filled is a world whose items have a value in every field.
type filled struct {
	p     *ir.Program
	pl    *interp.Planner
	items map[string]*interp.Item
}

func (w *filled) Load(entity, id string) *interp.Item { return w.item(entity) }
func (w *filled) Named(string) *interp.Item           { return nil }
func (w *filled) Var(int) value.Value                 { return value.Value{} }

// item is the one item of an entity, its fields filled by their kinds.
func (w *filled) item(entity string) *interp.Item {
	if it := w.items[entity]; it != nil {
		return it
	}
	for _, e := range w.p.Entities {
		if e.Name != entity {
			continue
		}
		it := &interp.Item{ID: "1", Entity: entity, Fields: make([]value.Value, len(e.Fields))}
		for i, f := range e.Fields {
			it.Fields[i] = sample(f, w.p)
		}
		w.items[entity] = it
		return it
	}
	return nil
}

// sample is a value of a field's type.
func sample(f *ir.Field, p *ir.Program) value.Value {
	switch f.Kind {
	case "text", "url", "file":
		return value.TextOf("x")
	case "enum":
		return value.TextOf(f.Values[0])
	case "stage":
		for _, pl := range p.Pipelines {
			return value.TextOf(pl.Stages[0].Name)
		}
	case "number":
		return value.NumberOf(1e200) // large: products leave the range of numbers
	case "money":
		return value.MoneyOf(12.5)
	case "date":
		return value.Value{K: value.Date, N: 1795392000} // 2026-11-23
	case "datetime":
		return value.Value{K: value.DateTime, N: 1795424400}
	case "bool":
		return value.BoolOf(true)
	case "email", "phone":
		return value.TypedText("work", "a@example.com")
	case "emails", "phones":
		return value.ListOf(value.TypedText("work", "a@example.com"), value.TypedText("mobile", "+48 600 100 200"))
	case "entity":
		return value.RefOf(f.Ref, "1")
	case "list":
		return value.ListOf(value.RefOf(f.Ref, "1"))
	}
	return value.Value{}
}
