package check_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/lower"
	"github.com/stagecraft/stagecraft/internal/golden"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
	"github.com/stagecraft/stagecraft/stdlib"
)

func universe(tb testing.TB) *check.Universe {
	u, err := check.NewUniverse(stdlib.Load())
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

// checkSources parses and checks named sources as one workspace.
func checkSources(tb testing.TB, u *check.Universe, srcs map[string]string) (*token.FileSet, *diag.List) {
	fset, _, ds := checkInfo(tb, u, srcs)
	return fset, ds
}

// checkInfo parses and checks named sources as one workspace, in the order
// of their names, and returns what the checker learned.
func checkInfo(tb testing.TB, u *check.Universe, srcs map[string]string) (*token.FileSet, *check.Info, *diag.List) {
	fset := token.NewFileSet()
	var all diag.List
	var files []*ast.File
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, ds := parser.ParseFile(fset.AddFile(n, []byte(srcs[n])))
		all.Append(ds)
		files = append(files, f)
	}
	info, ds := testConfig(tb).Check(fset, files, u)
	all.Append(ds)
	return fset, info, &all
}

// TestGolden checks every *.rules section of a case together with the
// shared workspace (testdata/workspace.rules) and records the diagnostics.
func TestGolden(t *testing.T) {
	u := universe(t)
	ws, err := os.ReadFile("testdata/workspace.rules")
	if err != nil {
		t.Fatal(err)
	}
	golden.Run(t, "testdata/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		srcs := map[string]string{"workspace.rules": string(ws)}
		for _, f := range a.Files {
			if strings.HasSuffix(f.Name, ".rules") {
				srcs[f.Name] = string(f.Data)
			}
		}
		fset, ds := checkSources(t, u, srcs)
		var b strings.Builder
		diag.WriteText(&b, fset, ds.Sorted(), ds.Dropped())
		out := map[string]string{"check": b.String()}
		if golden.Section(a, "fixes") != "" || *golden.Update && hasSection(a, "fixes") {
			out["fixes"] = fixes(fset, ds.Sorted())
		}
		return out
	})
}

func hasSection(a *txtar.Archive, name string) bool {
	for _, f := range a.Files {
		if f.Name == name {
			return true
		}
	}
	return false
}

// fixes renders the fixes that diagnostics carry, one a line: where the
// diagnostic is, the span replaced and the new text. A case records them
// when it has a fixes section.
func fixes(fset *token.FileSet, ds []diag.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		for _, f := range d.Fixes {
			p, e := fset.Position(f.Pos), fset.Position(f.End)
			fmt.Fprintf(&b, "%s:%d:%d-%d:%d: %s[%s]: %s\n", p.Filename, p.Line, p.Column, e.Line, e.Column, d.Severity, d.Code, f.Title)
		}
	}
	return b.String()
}

// TestExamples: the examples workspace checks without errors or warnings.
func TestExamples(t *testing.T) {
	srcs := readDir(t, "../../examples")
	fset, ds := checkSources(t, universe(t), srcs)
	if ds.Len() > 0 {
		var b strings.Builder
		diag.WriteText(&b, fset, ds.Sorted(), ds.Dropped())
		t.Errorf("examples have diagnostics:\n%s", b.String())
	}
}

// TestMisspelledField is the trial of the issue: every contact.phone of the
// examples becomes contact.fone, and each occurrence is one error suggesting phone.
func TestMisspelledField(t *testing.T) {
	srcs := readDir(t, "../../examples")
	want := 0
	for n, s := range srcs {
		want += strings.Count(s, "contact.phone")
		srcs[n] = strings.ReplaceAll(s, "contact.phone", "contact.fone")
	}
	_, ds := checkSources(t, universe(t), srcs)
	got := ds.Sorted()
	if len(got) != want || want == 0 {
		t.Fatalf("got %d diagnostics for %d occurrences: %v", len(got), want, got)
	}
	for _, d := range got {
		if d.Code != diag.EUnknownField || !strings.Contains(d.Hint, `"phone"`) {
			t.Errorf("got %v", d)
		}
	}
}

func readDir(t testing.TB, dir string) map[string]string {
	paths, _ := filepath.Glob(filepath.Join(dir, "*.rules"))
	srcs := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs[filepath.Base(p)] = string(b)
	}
	return srcs
}

func TestDiagnosticLimit(t *testing.T) {
	var b strings.Builder
	for i := 0; i < diag.MaxDiagnostics+50; i++ {
		fmt.Fprintf(&b, "on stage Nowe: send sms text \"{contact.nme%d}\"\n", i)
	}
	_, ds := checkSources(t, universe(t), map[string]string{"many.rules": b.String(), "ws.rules": "pipeline deal S {\n    stage Nowe\n}\nprovider p\n"})
	if ds.Len() != diag.MaxDiagnostics || ds.Dropped() == 0 || !ds.HasErrors() {
		t.Errorf("kept %d, dropped %d", ds.Len(), ds.Dropped())
	}
}

// workspaceN generates a workspace of n rules over the examples' schema.
func workspaceN(n int) map[string]string {
	var b strings.Builder
	actions := []string{
		`send sms to contact.phone[mobile] text "Dzień dobry {contact.name}, zamówienie {deal.id} jest w drodze."`,
		`send email to client.email[work] from sklep subject "Oferta {deal.title}" body "Kwota: {deal.amount}"`,
		`assign task to piotr title "Przygotuj {deal.title}" deadline now + 4h`,
		`update deal.comments = "Sprawdzone {deal.id}"`,
	}
	stages := []string{"Nowe", "Kontakt", "Oferta", "Dostawa", "Zapłacone"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "on stage %s after %dd if deal.amount > %d and contact.city == \"Warszawa\": %s\n",
			stages[i%len(stages)], i%30+1, i*10, actions[i%len(actions)])
	}
	return map[string]string{"gen.rules": b.String()}
}

// BenchmarkCheck1000 parses and checks a generated 1,000-rule workspace.
func BenchmarkCheck1000(b *testing.B) { benchCheck(b, 1000) }

// BenchmarkRecheck100 re-checks a 100-rule file, as an editor does on a keystroke.
func BenchmarkRecheck100(b *testing.B) { benchCheck(b, 100) }

func benchCheck(b *testing.B, n int) {
	u := universe(b)
	srcs := readDir(b, "../../examples")
	srcs = map[string]string{"workspace.rules": srcs["workspace.rules"]}
	for k, v := range workspaceN(n) {
		srcs[k] = v
	}
	if _, ds := checkSources(b, u, srcs); ds.HasErrors() {
		b.Fatalf("generated workspace has errors: %v", ds.Sorted()[:1])
	}
	size := 0
	for _, s := range srcs {
		size += len(s)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		checkSources(b, u, srcs)
	}
}

func FuzzCheck(f *testing.F) {
	u := universe(f)
	ws := readDir(f, "../../examples")["workspace.rules"]
	for _, s := range []string{
		`on stage Dostawa after 180d: send sms to contact.phone[auto] text "..."`,
		`on stage Oferta: let x = deal.amount * 2`,
		`move to stage Zapłacone when invoice paid as anna`,
		"paid: move to stage Zapłacone when invoice paid\npaid: on stage Nowe then: send sms text \"x\"\non stage Nowe: let x = 1\non stage Nowe: let x = 2",
		`on stage Nowe if deal.stage != Przegrany and deal.amount in 1..5: send chat text "{deal.title}"`,
		"test \"t\" {\n    given deal d { title \"x\" }\n    expect d.stage == Nowe\n}",
		`on stage Oferta: let x = 2 * 1d`,
		`on stage Oferta at deal.delivery_date - 1d: send sms text "{deal.net * 1.23}"`,
		`on stage Oferta if deal.close_date - 2h < today: let y = deal.amount / (deal.net - deal.net)`,
		`on stage Oferta if not (deal.category in ["Meble"] or deal.paid): update deal.net = -deal.amount % 7`,
		`on stage Nowe: calc z = (deal.delivery_date - now) * 200 + 1d`,
		`on stage Nowe if deal.title + "x" != contact.name and 1..2 == 3: let w = tomorrow + 14:00`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		fset, files, info, ds := checkFiles(t, u, map[string]string{"ws.rules": ws, "f.rules": src})
		for n, obj := range info.Defs {
			if info.Uses[n] != nil {
				t.Fatalf("%s: a name in Defs and Uses", fset.Position(n.Pos()))
			}
			if obj.ObjPos() != n.Pos() {
				t.Fatalf("%s: a name declares %s, declared at %s", fset.Position(n.Pos()), obj.ObjName(), fset.Position(obj.ObjPos()))
			}
		}
		for n, obj := range info.Uses {
			if p := obj.ObjPos(); p.IsValid() && fset.File(p) == nil {
				t.Fatalf("%s: %s refers to a position outside the FileSet", fset.Position(n.Pos()), obj.ObjName())
			}
		}
		seen := map[string]bool{}
		for _, r := range info.Rules {
			if seen[r.Ident] || r.Ident == "" {
				t.Fatalf("rule identity %q is empty or taken", r.Ident)
			}
			seen[r.Ident] = true
		}
		for _, tr := range info.Triggers {
			if seen[tr.Ident] || tr.Ident == "" {
				t.Fatalf("trigger identity %q is empty or taken", tr.Ident)
			}
			seen[tr.Ident] = true
		}
		if !ds.HasErrors() {
			evaluate(t, lower.Lower(fset, files, info))
		}
	})
}

// catalogue lists every ID of the catalogue. TestExamples checks the
// examples that use them; this test keeps every ID named in examples/ and spec/.
var catalogue = []string{
	"M-STAGE", "M-ONE-ACTION", "M-DELAY", "M-WORKTIME", "M-CONDITION", "M-FIELDS", "M-AUX", "M-CUSTOM",
	"M-TRIGGER", "M-SCENARIO",
	"R-EMAIL", "R-CALL", "R-CHAT", "R-SMS", "R-REPEAT-LEAD", "R-COPY-DEAL", "R-ACTIVITY", "R-RESPONSIBLE",
	"R-NOTIFY", "R-TASK", "R-DOCUMENT", "R-VARIABLE", "R-MATH", "R-UPDATE", "R-WEBHOOK", "R-WASM",
	"T-EMAIL-OPENED", "T-LINK-CLICKED", "T-EMAIL-IN", "T-EMAIL-OUT", "T-CALLBACK-FORM", "T-FORM", "T-CALL-OUT",
	"T-CALL-IN", "T-CALL-MISSED", "T-CHAT-FIRST", "T-CHAT-ACCEPTED", "T-CHAT-SLA", "T-CHAT-TEXT",
	"T-INVOICE-PAID", "T-FIELD-CHANGED",
}

func TestCatalogueCoverage(t *testing.T) {
	var examples, spec strings.Builder
	for _, s := range readDir(t, "../../examples") {
		examples.WriteString(s)
	}
	for _, p := range []string{"language.md", "stdlib.md"} {
		b, err := os.ReadFile(filepath.Join("../../spec", p))
		if err != nil {
			t.Fatal(err)
		}
		spec.Write(b)
	}
	for _, id := range catalogue {
		if !strings.Contains(examples.String(), id) {
			t.Errorf("%s is not used in examples/", id)
		}
		if !strings.Contains(spec.String(), id) {
			t.Errorf("%s is not in spec/", id)
		}
	}
}

// TestDuplicateOrder: of two declarations of one resource in two files,
// the one in the later file (by name) is the duplicate, whatever order
// the files are given in, and the error names the first as related.
func TestDuplicateOrder(t *testing.T) {
	u := universe(t)
	for _, order := range [][]string{{"a.rules", "b.rules"}, {"b.rules", "a.rules"}} {
		fset := token.NewFileSet()
		var files []*ast.File
		for _, n := range order {
			f, _ := parser.ParseFile(fset.AddFile(n, []byte("mailbox sklep \"s@x.example\"\n")))
			files = append(files, f)
		}
		_, ds := check.Check(fset, files, u)
		got := ds.Sorted()
		if len(got) != 1 || got[0].Code != diag.EDuplicate {
			t.Fatalf("%v: got %v", order, got)
		}
		if p := fset.Position(got[0].Pos); p.Filename != "b.rules" {
			t.Errorf("%v: duplicate reported in %s, want b.rules", order, p.Filename)
		}
		if len(got[0].Related) != 1 || fset.Position(got[0].Related[0].Pos).Filename != "a.rules" {
			t.Errorf("%v: related %v, want the declaration in a.rules", order, got[0].Related)
		}
	}
}
