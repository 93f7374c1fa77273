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

// TestItemsInRemoved: with a store's counts, a removed stage and pipeline
// say how many items stay in them; others are not counted.
func TestItemsInRemoved(t *testing.T) {
	a := &txtar.Archive{Files: []txtar.File{
		{Name: "old.rules", Data: []byte("pipeline deal Serwis {\n    stage A\n    stage B\n}\npipeline lead Stare {\n    stage X\n}\n")},
		{Name: "new.rules", Data: []byte("pipeline deal Serwis {\n    stage A\n}\n")},
	}}
	old, new := programs(t, a)
	p := plan.Compare(old, new)
	if !p.Strands() {
		t.Fatal("a plan removing a stage should ask for its items")
	}
	p.SetItems(map[string]int{plan.ItemsKey("deal", "Serwis", "A"): 5, plan.ItemsKey("deal", "Serwis", "B"): 2,
		plan.ItemsKey("lead", "Stare", "X"): 1, plan.ItemsKey("deal", "Sprzedaż", "Nowe"): 3, plan.ItemsKey("lead", "Stare/VIP", "X"): 4})
	var b strings.Builder
	if err := p.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"- stage Serwis.B (deal) (removed; 2 items stay in it, under no rules, until moved)",
		"- pipeline Stare (lead) (removed; 1 item stays in it, under no rules, until moved)",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan:\n%s\nwants the line %q", b.String(), want)
		}
	}
	if plan.Compare(new, new).Strands() {
		t.Error("a plan removing nothing asks for items")
	}
}

// TestModules: a module whose bytes changed is a difference a reviewer
// sees; the same bytes at another path (the rules moved) are none.
func TestModules(t *testing.T) {
	m := func(path, hash string) *ir.Module {
		return &ir.Module{Path: path, Hash: hash, Name: "vat", Version: "1.0.0"}
	}
	old := &ir.Program{Modules: []*ir.Module{m("a/vat.wasm", "sha256:1111111111111111"), m("a/x.wasm", "sha256:22")}}
	new := &ir.Program{Modules: []*ir.Module{m("a/vat.wasm", "sha256:3333333333333333"), m("b/x.wasm", "sha256:22")}}
	var b strings.Builder
	if err := plan.Compare(old, new).WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `declarations:
  ~ module a/vat.wasm: vat 1.0.0 sha256:111111111111 → vat 1.0.0 sha256:333333333333 (the rules that run its actions run the new code, pending ones too)
0 changed, 0 added, 0 removed, 0 moved; 1 declaration differs
`
	if b.String() != want {
		t.Errorf("plan:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestLabelPins: a label both programs have pins its rule, even when
// another rule now has its old definition: the runs stay with the label.
func TestLabelPins(t *testing.T) {
	a := &txtar.Archive{Files: []txtar.File{
		{Name: "old.rules", Data: []byte("a: on stage Nowe after 1d: send sms text \"X\"\n")},
		{Name: "new.rules", Data: []byte("a: on stage Nowe after 1d: send sms text \"Y\"\nc: on stage Nowe after 1d: send sms text \"X\"\n")},
	}}
	old, new := programs(t, a)
	p := plan.Compare(old, new)
	if c := p.Of("rule", "a"); c == nil || c.Kind != plan.Changed || c.Ident != "a" {
		t.Errorf("a: %+v, want changed, still a", c)
	}
}

// TestLabelPinsFollower: a follower's label that both programs have pins
// it too: f relabelled g, and f reused for another rule, is not paired
// with g (g added, f changed and moved).
func TestLabelPinsFollower(t *testing.T) {
	a := &txtar.Archive{Files: []txtar.File{
		{Name: "old.rules", Data: []byte("lead: on stage Nowe after 1d: send sms text \"L\"\nf: on stage Nowe then after 1d: send sms text \"F\"\n")},
		{Name: "new.rules", Data: []byte("lead: on stage Nowe after 1d: send sms text \"L\"\ng: on stage Nowe then after 1d: send sms text \"F\"\nf: on stage Kontakt after 2d: send sms text \"other\"\n")},
	}}
	old, new := programs(t, a)
	p := plan.Compare(old, new)
	if c := p.Of("rule", "f"); c == nil || c.Ident != "f" {
		t.Errorf("f: %+v, want still f", c)
	}
	for _, c := range p.Changes {
		if c.Ident == "g" && c.Kind != plan.Added {
			t.Errorf("g: %+v, want added", c)
		}
	}
}

// TestNumbersAsNumbers: a number written otherwise (1.2 and 1.20, 1000
// and 1e3) is no change.
func TestNumbersAsNumbers(t *testing.T) {
	a := &txtar.Archive{Files: []txtar.File{
		{Name: "old.rules", Data: []byte("on stage Nowe if deal.amount > 1000: send sms text \"x\"\n")},
		{Name: "new.rules", Data: []byte("on stage Nowe if deal.amount > 1000.00: send sms text \"x\"\n")},
	}}
	old, new := programs(t, a)
	if p := plan.Compare(old, new); !p.Empty() {
		t.Errorf("1000 and 1000.00: %+v", p.Changes)
	}
}
