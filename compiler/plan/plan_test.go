package plan_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/examples"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/internal/golden"
)

// schema is the workspace every case shares unless it has a
// workspace.rules section of its own.
const schema = `pipeline deal Sprzedaż {
    stage Nowe
    stage Kontakt
    stage Dostawa
    stage Zapłacone
    stage "Zamknięty wygrany" won
    stage Przegrany lost
}
pipeline lead Leady {
    stage Nowy
    stage Odrzucony lost
}
field deal.delivery_date: datetime "Data dostawy"
provider smsapi "SMSAPI"
mailbox sklep "sklep@meble.example"
template faktura "Faktura VAT"
employee anna "Anna Nowak" { email "anna@meble.example" }
employee piotr "Piotr Magazynier" { email "piotr@meble.example" }
calendar praca {
    timezone "Europe/Warsaw"
    days [mon, tue, wed, thu, fri]
    hours [09:00, 17:00]
}
`

// programs compiles a case's two sides: old.rules or old/*.rules, new.rules
// or new/*.rules, each with the shared workspace.
func programs(t *testing.T, a *txtar.Archive) (old, new *ir.Program) {
	t.Helper()
	shared := []compile.Source{{Name: "workspace.rules", Src: []byte(schema)}}
	if ws := golden.Section(a, "workspace.rules"); ws != "" {
		shared[0].Src = []byte(ws)
	}
	side := func(name string) *ir.Program {
		srcs := append([]compile.Source(nil), shared...)
		for _, f := range a.Files {
			if f.Name == name+".rules" || strings.HasPrefix(f.Name, name+"/") && strings.HasSuffix(f.Name, ".rules") {
				srcs = append(srcs, compile.Source{Name: f.Name, Src: f.Data})
			}
		}
		p, err := compile.Program(srcs)
		if err != nil {
			t.Fatalf("%s does not compile:\n%v", name, err)
		}
		return p
	}
	return side("old"), side("new")
}

// TestGolden compares the two sides of each case and records the plan as
// text and as JSON; the reverse comparison must be its mirror image.
func TestGolden(t *testing.T) {
	golden.Run(t, "testdata/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		old, new := programs(t, a)
		p := plan.Compare(old, new)
		var text strings.Builder
		if err := p.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		var js strings.Builder
		if err := p.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		checkPlan(t, p, old, new)
		checkPlan(t, plan.Compare(new, old), new, old)
		return map[string]string{"plan": text.String(), "json": js.String()}
	})
}

// checkPlan checks what holds of every plan: each rule and trigger of
// either side is in it once, Of finds each old one, and the reverse plan
// has as many changed, moved and unchanged, added and removed swapped.
func checkPlan(t *testing.T, p *plan.Plan, old, new *ir.Program) {
	t.Helper()
	type key struct{ what, ident string }
	olds, news := map[key]bool{}, map[key]bool{}
	for _, r := range old.Rules {
		olds[key{"rule", r.Ident}] = true
	}
	for _, r := range old.Triggers {
		olds[key{"trigger", r.Ident}] = true
	}
	for _, r := range new.Rules {
		news[key{"rule", r.Ident}] = true
	}
	for _, r := range new.Triggers {
		news[key{"trigger", r.Ident}] = true
	}
	for _, c := range p.Changes {
		oldIdent, newIdent := c.Ident, c.Ident
		if c.OldIdent != "" {
			oldIdent = c.OldIdent
		}
		if c.Kind != plan.Added {
			if !olds[key{c.What, oldIdent}] {
				t.Errorf("%s %q: no such %s in the old program, or listed twice", c.Kind, oldIdent, c.What)
			}
			delete(olds, key{c.What, oldIdent})
			if got := p.Of(c.What, oldIdent); got == nil || got.Ident != c.Ident || got.Kind != c.Kind {
				t.Errorf("Of(%s, %q) = %+v, want the %s change", c.What, oldIdent, got, c.Kind)
			}
		}
		if c.Kind != plan.Removed {
			if !news[key{c.What, newIdent}] {
				t.Errorf("%s %q: no such %s in the new program, or listed twice", c.Kind, newIdent, c.What)
			}
			delete(news, key{c.What, newIdent})
		}
		if (c.Kind == plan.Moved) != (c.FromStage != "") {
			t.Errorf("%s %q: FromStage %q", c.Kind, c.Ident, c.FromStage)
		}
		if (c.Kind == plan.Changed) != (len(c.Settings) > 0) && c.Kind != plan.Moved {
			t.Errorf("%s %q with settings %v", c.Kind, c.Ident, c.Settings)
		}
	}
	for k := range olds {
		t.Errorf("old %s %q is not in the plan", k.what, k.ident)
	}
	for k := range news {
		t.Errorf("new %s %q is not in the plan", k.what, k.ident)
	}
	if p.Of("rule", "no such rule") != nil {
		t.Errorf("Of found a rule that is not there")
	}
}

// TestExamplesUnchanged: the examples workspace compared with itself is
// all unchanged, and so is a second compilation of it.
func TestExamplesUnchanged(t *testing.T) {
	p1, err := compile.ProgramFiles(examples.FS, "examples/")
	if err != nil {
		t.Fatal(err)
	}
	p2, err := compile.ProgramFiles(examples.FS, "other/")
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []*ir.Program{p1, p2} {
		p := plan.Compare(p1, other)
		if n := len(p1.Rules) + len(p1.Triggers); len(p.Changes) != n || p.Count(plan.Unchanged) != n || !p.Empty() {
			t.Errorf("%d changes, %d unchanged; want %d unchanged: %+v", len(p.Changes), p.Count(plan.Unchanged), n, p.Changes)
		}
		checkPlan(t, p, p1, other)
	}
}

// TestJSONRoundTrip: a plan read back (a deploy's stored plan) finds its
// changes with Of as the original does.
func TestJSONRoundTrip(t *testing.T) {
	old, err := compile.Program([]compile.Source{{Name: "w.rules", Src: []byte(schema + `
on stage Dostawa after 180d: send sms text "a"
on stage Nowe: send sms text "b"
`)}})
	if err != nil {
		t.Fatal(err)
	}
	new, err := compile.Program([]compile.Source{{Name: "w.rules", Src: []byte(schema + `
on stage Dostawa after 90d: send sms text "a"
on stage Kontakt: send sms text "b"
`)}})
	if err != nil {
		t.Fatal(err)
	}
	p := plan.Compare(old, new)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back plan.Plan
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	byHand := &plan.Plan{Changes: p.Changes}
	for _, r := range old.Rules {
		want := p.Of("rule", r.Ident)
		if want == nil {
			t.Fatalf("Of(rule, %q) = nil", r.Ident)
		}
		for _, q := range []*plan.Plan{&back, byHand} {
			if got := q.Of("rule", r.Ident); got == nil || got.Ident != want.Ident || got.Kind != want.Kind {
				t.Errorf("Of(rule, %q) = %+v, want %+v", r.Ident, got, want)
			}
		}
	}
	if c := p.Of("rule", "deal/Sprzedaż/Nowe: send sms"); c == nil || c.Kind != plan.Moved || c.Ident != "deal/Sprzedaż/Kontakt: send sms" {
		t.Errorf("the moved rule: %+v", c)
	}
}
