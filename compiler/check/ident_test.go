package check_test

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/internal/golden"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/format"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// TestIdentGolden checks each case of testdata/ident with the shared
// workspace and records every rule's and trigger's identity ("ident") and
// the diagnostics ("check").
func TestIdentGolden(t *testing.T) {
	u := universe(t)
	ws, err := os.ReadFile("testdata/workspace.rules")
	if err != nil {
		t.Fatal(err)
	}
	golden.Run(t, "testdata/ident/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		srcs := map[string]string{"workspace.rules": string(ws)}
		for _, f := range a.Files {
			if strings.HasSuffix(f.Name, ".rules") {
				srcs[f.Name] = string(f.Data)
			}
		}
		fset, info, ds := checkInfo(t, u, srcs)
		var idents, diags strings.Builder
		for _, r := range info.Rules {
			fmt.Fprintf(&idents, "%s: rule %q\n", where(fset, r.Decl.Pos()), r.Ident)
		}
		for _, tr := range info.Triggers {
			fmt.Fprintf(&idents, "%s: trigger %q\n", where(fset, tr.Decl.Pos()), tr.Ident)
		}
		diag.WriteText(&diags, fset, ds.Sorted(), ds.Dropped())
		return map[string]string{"ident": idents.String(), "check": diags.String()}
	})
}

func where(fset *token.FileSet, p token.Pos) string {
	ps := fset.Position(p)
	return fmt.Sprintf("%s:%d", ps.Filename, ps.Line)
}

// identBlocks are the rules and triggers of TestIdentStable, each marked
// by a comment, in groups that stay together (a then rule stays after the
// rule it follows). The source is untidy so that formatting changes it.
var identBlocks = map[string]string{
	"A": `thanks:on stage Nowe:   send sms text "Dziękujemy" # A`,
	"B": `on stage   Nowe after 1d: send sms text "Przypomnienie" # B`,
	"C": "on stage Oferta: create document template faktura name \"F\" as dok # C1\n" +
		"on stage Oferta then: send email to client.email[work] from sklep subject \"s\" body \"{dok.url}\" use last track_clicks true # C2",
	"D": `on stage Kontakt: update deal.comments = "x" # D`,
	"E": "paid:\nmove to stage Zapłacone when invoice paid # E",
	"F": `move to stage Dostawa when invoice paid name "Dostawa" # F`,
	"G": "on stage Naprawa: run rabat amount deal.amount category \"x\" as wynik # G1\n" +
		"on stage Naprawa then: update deal.net = wynik.price # G2",
}

// identEdits are edits of settings, conditions and timing: none of them
// is part of an identity.
var identEdits = map[string]string{
	"A": `thanks: on stage Nowe after 5m: send sms text "Dziękujemy bardzo" provider smsapi # A`,
	"B": `on stage Nowe after 2d worktime if deal.amount > 100: send sms text "Inne" # B`,
	"C": "on stage Oferta: create document template oferta name \"O\" as dok # C1\n" +
		"on stage Oferta then after 1h: send email to client.email[home] from sklep subject \"t\" body \"{dok.url}\" # C2",
	"D": `on stage Kontakt if deal.paid: update deal.comments = "y" # D`,
	"E": `paid: move to stage Zapłacone when invoice paid allow_back true if deal.amount > 5 # E`,
	"F": `move to stage Dostawa when invoice paid name "Do dostawy" as anna # F`,
	"G": "on stage Naprawa after 7d keep: run rabat amount deal.net category \"y\" as wynik # G1\n" +
		"on stage Naprawa then: update deal.net = wynik.price # G2",
}

// workspace writes files of blocks: "a.rules": "A B".
func identWorkspace(blocks map[string]string, files map[string]string) map[string]string {
	out := map[string]string{}
	for name, list := range files {
		var b strings.Builder
		for _, k := range strings.Fields(list) {
			b.WriteString(blocks[k] + "\n\n")
		}
		out[name] = b.String()
	}
	return out
}

// TestIdentStable: a rule's or trigger's identity does not change when its
// file is formatted, when rules are reordered, when its settings are
// edited, or when it moves to another file of the workspace.
func TestIdentStable(t *testing.T) {
	u := universe(t)
	ws, err := os.ReadFile("testdata/workspace.rules")
	if err != nil {
		t.Fatal(err)
	}
	base := identWorkspace(identBlocks, map[string]string{"a.rules": "A B C D", "b.rules": "E F G"})
	formatted := map[string]string{}
	for name, src := range base {
		fset := token.NewFileSet()
		f, ds := parser.ParseFile(fset.AddFile(name, []byte(src)))
		if ds.HasErrors() {
			t.Fatalf("%s: %v", name, ds.Sorted())
		}
		formatted[name] = string(format.File(f, []byte(src)))
		if formatted[name] == src {
			t.Fatalf("%s: formatting changed nothing", name)
		}
	}
	variants := map[string]map[string]string{
		"formatted": formatted,
		"reordered": identWorkspace(identBlocks, map[string]string{"a.rules": "D C B A", "b.rules": "G F E"}),
		"edited":    identWorkspace(identEdits, map[string]string{"a.rules": "A B C D", "b.rules": "E F G"}),
		"moved":     identWorkspace(identBlocks, map[string]string{"a.rules": "C A", "b.rules": "E B G", "c.rules": "F D"}),
		"renamed":   identWorkspace(identBlocks, map[string]string{"x.rules": "A B C D", "w.rules": "E F G"}),
	}
	want := markedIdents(t, u, ws, base, "")
	if len(want) != 9 {
		t.Fatalf("base workspace: %d marked rules and triggers, want 9: %v", len(want), want)
	}
	for name, srcs := range variants {
		if got := markedIdents(t, u, ws, srcs, ""); !maps.Equal(got, want) {
			t.Errorf("%s: identities changed:\n got %v\nwant %v", name, got, want)
		}
	}

	// Without labels, two alike rules swap identities when they swap
	// places: what W005 warns about.
	alike := map[string]string{"X": `on stage Kontakt: send sms text "1" # X`, "Y": `on stage Kontakt after 1d: send sms text "2" # Y`}
	xy := markedIdents(t, u, ws, identWorkspace(alike, map[string]string{"a.rules": "X Y"}), diag.WSameIdent)
	yx := markedIdents(t, u, ws, identWorkspace(alike, map[string]string{"a.rules": "Y X"}), diag.WSameIdent)
	if xy["X"] != yx["Y"] || xy["Y"] != yx["X"] || xy["X"] == xy["Y"] {
		t.Errorf("alike rules: X Y gives %v, Y X gives %v", xy, yx)
	}
}

// markedIdents checks a workspace, which must be free of diagnostics other
// than allowed ones, and returns each rule's and trigger's identity by its
// marker comment: the first comment after its start.
func markedIdents(t *testing.T, u *check.Universe, ws []byte, srcs map[string]string, allowed diag.Code) map[string]string {
	t.Helper()
	srcs["workspace.rules"] = string(ws)
	fset, info, ds := checkInfo(t, u, srcs)
	if slices.ContainsFunc(ds.Sorted(), func(d diag.Diagnostic) bool { return d.Code != allowed }) {
		var b strings.Builder
		diag.WriteText(&b, fset, ds.Sorted(), ds.Dropped())
		t.Fatalf("diagnostics:\n%s", b.String())
	}
	out := map[string]string{}
	mark := func(p token.Pos, ident string) {
		f := fset.File(p)
		rest := string(f.Source()[f.Offset(p):])
		_, m, _ := strings.Cut(rest, "# ")
		m, _, _ = strings.Cut(m, "\n")
		if out[m] != "" {
			t.Fatalf("marker %q twice", m)
		}
		out[m] = ident
	}
	for _, r := range info.Rules {
		mark(r.Decl.Pos(), r.Ident)
	}
	for _, tr := range info.Triggers {
		mark(tr.Decl.Pos(), tr.Ident)
	}
	return out
}
