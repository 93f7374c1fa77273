package interp_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

const workspace = `
pipeline deal Sales {
    stage New
    stage Won won
    stage Lost lost
}
on stage New if deal.amount > 1000 and contact.city == "Warsaw" and deal.stage != Lost: update deal.source = "x"
`

// world serves one contact.
type world struct{ contact *interp.Item }

func (w world) Load(entity, id string) *interp.Item {
	if entity == "contact" && id == w.contact.ID {
		return w.contact
	}
	return nil
}
func (world) Named(string) *interp.Item { return nil }
func (world) Var(int) value.Value       { return value.Value{} }

func setup(t testing.TB, amount float64, city, stage string) (func(*interp.Env) bool, *interp.Env) {
	t.Helper()
	p, err := compile.Program([]compile.Source{{Name: "w.rules", Src: []byte(workspace)}})
	if err != nil {
		t.Fatal(err)
	}
	pl := interp.NewPlanner(p, nil)
	cond := pl.Truth(p.Rules[0].Cond, "deal")
	deal := item(p, pl, "deal", "1", map[string]value.Value{"amount": value.MoneyOf(amount), "stage": value.TextOf(stage), "contact": value.RefOf("contact", "2")})
	contact := item(p, pl, "contact", "2", map[string]value.Value{"city": value.TextOf(city)})
	env := &interp.Env{World: world{contact}}
	env.Reset(deal)
	return cond, env
}

func item(p *ir.Program, pl *interp.Planner, entity, id string, fields map[string]value.Value) *interp.Item {
	for _, e := range p.Entities {
		if e.Name == entity {
			it := &interp.Item{ID: id, Entity: entity, Fields: make([]value.Value, len(e.Fields))}
			for k, v := range fields {
				it.Fields[pl.Slot(entity, k)] = v
			}
			return it
		}
	}
	return nil
}

func TestCondition(t *testing.T) {
	for _, c := range []struct {
		amount      float64
		city, stage string
		want        bool
	}{
		{5000, "Warsaw", "New", true},
		{500, "Warsaw", "New", false},
		{5000, "Kraków", "New", false},
		{5000, "Warsaw", "Lost", false},
		{5000, "", "New", false}, // null city: == is false
	} {
		cond, env := setup(t, c.amount, c.city, c.stage)
		if got := cond(env); got != c.want {
			t.Errorf("%v: got %v, want %v", c, got, c.want)
		}
	}
}

// BenchmarkCondition evaluates the condition over an item, reusing
// the Env as the engine does for the rules of one item.
func BenchmarkCondition(b *testing.B) {
	cond, env := setup(b, 5000, "Warsaw", "New")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !cond(env) {
			b.Fatal("false")
		}
		env.Reset(env.Item)
	}
}

// TestBudgets: an evaluation stops past MaxSteps, and a template past
// MaxTextBytes, each with an error the engine puts on the timeline.
func TestBudgets(t *testing.T) {
	pl := interp.NewPlanner(&ir.Program{}, nil)
	one := &ir.Expr{Op: ir.OpLit, Kind: "number", Lit: "1"}
	sum := one
	for i := 0; i <= interp.MaxSteps; i++ {
		sum = &ir.Expr{Op: ir.OpBinary, Name: "+", Overload: "add_number_number", X: sum, Y: one}
	}
	env := &interp.Env{World: world{}}
	env.Reset(nil)
	if v := pl.Plan(sum, "deal")(env); env.Err() == nil || !v.IsNull() {
		t.Errorf("%d additions: %v, error %v", interp.MaxSteps+1, v, env.Err())
	}

	big := &ir.Expr{Op: ir.OpLit, Kind: "text", Lit: strings.Repeat("ż", interp.MaxTextBytes/2)}
	tmpl := &ir.Expr{Op: ir.OpTemplate, Args: []*ir.Expr{big, big}}
	env.Reset(nil)
	if v := pl.Plan(tmpl, "deal")(env); env.Err() == nil || len(v.S) > interp.MaxTextBytes || !utf8.ValidString(v.S) {
		t.Errorf("template of %d bytes: %d bytes, error %v", 2*len(big.Lit), len(v.S), env.Err())
	}
}

// x[type] is one value where the checker types it as one (a text's
// placeholder), and every value of the type as an action's `to`, which
// chooses the first or the last.
func TestTypeSelectorIsOneValue(t *testing.T) {
	src := workspace + `on stage New: send email to contact.email[work] subject "s" body "{contact.email[work]}"` + "\n"
	p, err := compile.Program([]compile.Source{{Name: "w.rules", Src: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	pl := interp.NewPlanner(p, nil)
	r := p.Rules[1]
	deal := item(p, pl, "deal", "1", map[string]value.Value{"contact": value.RefOf("contact", "2")})
	work := func(s string) value.Value { return value.TypedText("work", s) }
	contact := item(p, pl, "contact", "2", map[string]value.Value{"email": value.ListOf(work("a@x.pl"), work("b@x.pl"))})
	env := &interp.Env{World: world{contact}}
	env.Reset(deal)
	var body value.Value
	for _, s := range r.Action.Settings {
		if s.Name == "body" {
			body = pl.Plan(s.Value, "deal")(env)
		}
	}
	if body.S != "a@x.pl" {
		t.Errorf("the body inserts %q, want the first work address", body.S)
	}
	if to := pl.Recipients(r.Action.Target, "deal")(env); to.K != value.List || len(to.L) != 2 {
		t.Errorf("to = %v, want both work addresses for the action to choose from", to)
	}
}

// namedWorld serves one test item, whatever its name.
type namedWorld struct{ it *interp.Item }

func (w namedWorld) Load(string, string) *interp.Item { return nil }
func (w namedWorld) Named(string) *interp.Item        { return w.it }
func (namedWorld) Var(int) value.Value                { return value.Value{} }

// TestRootNotName: the item a field starts from is the one its Root names,
// whatever the name written: a test's item called contact is that item,
// not a contact of the running one.
func TestRootNotName(t *testing.T) {
	p, err := compile.Program([]compile.Source{{Name: "w.rules", Src: []byte(workspace)}})
	if err != nil {
		t.Fatal(err)
	}
	pl := interp.NewPlanner(p, nil)
	contact := item(p, pl, "contact", "7", map[string]value.Value{"city": value.TextOf("Gdańsk")})
	env := &interp.Env{World: namedWorld{contact}}
	env.Reset(nil)
	x := &ir.Expr{Op: ir.OpField, Kind: ir.KindText, Root: ir.RootTestItem, Name: "contact", Path: []string{"city"}}
	if v := pl.Plan(x, ""); v(env).S != "Gdańsk" {
		t.Errorf("a test item named contact: %v", v(env))
	}
	x = &ir.Expr{Op: ir.OpField, Kind: ir.KindText, Root: ir.RootSelf, Name: "anything", Path: []string{"city"}}
	env.Reset(contact)
	if v := pl.Plan(x, "contact"); v(env).S != "Gdańsk" {
		t.Errorf("the item itself, named otherwise: %v", v(env))
	}
}
