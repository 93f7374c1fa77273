package parser_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stagecraft/stagecraft/internal/golden"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/format"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// TestGolden parses each in.rules and records the declarations it found and
// the diagnostics, in the "parse" section.
func TestGolden(t *testing.T) {
	golden.Run(t, "testdata/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		fset := token.NewFileSet()
		f, ds := parser.ParseFile(fset.AddFile("in.rules", []byte(golden.Section(a, "in.rules"))))
		var b strings.Builder
		for _, d := range f.Decls {
			p, e := fset.Position(d.Pos()), fset.Position(d.End())
			fmt.Fprintf(&b, "%d:%d-%d:%d %s\n", p.Line, p.Column, e.Line, e.Column, describe(d))
		}
		diag.WriteText(&b, fset, ds.Sorted(), ds.Dropped())
		out := map[string]string{"parse": b.String()}
		for _, s := range a.Files {
			if s.Name == "fixes" { // recorded where a case has the section
				var fx strings.Builder
				for _, d := range ds.Sorted() {
					for _, f := range d.Fixes {
						p, e := fset.Position(f.Pos), fset.Position(f.End)
						fmt.Fprintf(&fx, "%d:%d-%d:%d: %s\n", p.Line, p.Column, e.Line, e.Column, f.Title)
					}
				}
				out["fixes"] = fx.String()
			}
		}
		return out
	})
}

func describe(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.RuleDecl:
		then := ""
		if d.Then.IsValid() {
			then = " then"
		}
		return label(d.Label) + "rule on " + d.Stage.Stage.Value + then + ": " + actionName(d.Action)
	case *ast.TriggerDecl:
		return label(d.Label) + "trigger to " + d.Stage.Stage.Value + " when " + d.Event[0].Name + " " + d.Event[1].Name
	case *ast.FieldDecl:
		return "field " + d.Entity.Name + "." + d.Name.Name
	case *ast.PipelineDecl:
		return fmt.Sprintf("pipeline %s with %d stages", d.Name.Value, len(d.Stages))
	case *ast.ResourceDecl:
		return d.Kind.Name + " " + d.Name.Name
	case *ast.TestDecl:
		return fmt.Sprintf("test %s with %d statements", d.Name.Raw, len(d.Stmts))
	}
	return "bad declaration"
}

func label(l *ast.Ident) string {
	if l == nil {
		return ""
	}
	return "label " + l.Name + " "
}

func actionName(a ast.Action) string {
	switch a := a.(type) {
	case *ast.CallAction:
		return a.Verb.Name + "_" + a.Object.Name
	case *ast.LetAction:
		if a.Calc {
			return "calc"
		}
		return "let"
	}
	return "update"
}

// TestGrammarSpec keeps spec/grammar.ebnf equal to participle's own rendering.
func TestGrammarSpec(t *testing.T) {
	golden.File(t, "../../spec/grammar.ebnf", parser.Grammar()+"\n")
}

// TestDesignCard: the line of the design card parses as written.
func TestDesignCard(t *testing.T) {
	src := `on stage Dostawa after 180d: send sms to contact.phone[auto] text "..."`
	fset := token.NewFileSet()
	f, ds := parser.ParseFile(fset.AddFile("card.rules", []byte(src)))
	if ds.Len() != 0 || len(f.Decls) != 1 {
		t.Fatalf("got %d diagnostics, %d declarations", ds.Len(), len(f.Decls))
	}
	r := f.Decls[0].(*ast.RuleDecl)
	call := r.Action.(*ast.CallAction)
	if r.Stage.Stage.Value != "Dostawa" || r.Timing.After.Raw != "180d" || call.Verb.Name+" "+call.Object.Name != "send sms" ||
		format.Expr(call.Target) != "contact.phone[auto]" || len(call.Settings) != 1 || call.Settings[0].Key.Name != "text" {
		t.Errorf("parsed as %#v", r)
	}
}

func TestLimits(t *testing.T) {
	for name, src := range map[string]string{
		"E090": strings.Repeat("# x\n", parser.MaxSourceBytes/4+1),
		"E091": "on stage A if " + strings.Repeat("(", parser.MaxDepth+1) + "1" + strings.Repeat(")", parser.MaxDepth+1) + ": let x = 1",
		"E092": "on stage A: let x = " + strings.Repeat("1 + ", parser.MaxDeclTokens/2) + "1",
	} {
		fset := token.NewFileSet()
		_, ds := parser.ParseFile(fset.AddFile("big.rules", []byte(src)))
		got := ds.Sorted()
		if len(got) != 1 || string(got[0].Code) != name {
			t.Errorf("%s: got %v", name, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`on stage Dostawa after 180d: send sms to contact.phone[auto] text "..."`,
		"pipeline deal S {\n stage A\n stage \"B c\" won\n}\n",
		`move to stage X when invoice paid allow_back true as anna # c`,
		"test \"t\" {\n given deal d { title \"x\" }\n expect d.stage == A\n}",
		`field deal.x: enum("a", "b") "X"`,
		"repeat_lead: # c\non stage A after 1d: create lead name \"x\"\npaid: move to stage X when invoice paid",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		fset := token.NewFileSet()
		file, ds := parser.ParseFile(fset.AddFile("f.rules", []byte(src)))
		if ds.HasErrors() {
			return
		}
		once := format.File(file, []byte(src))
		fset2 := token.NewFileSet()
		file2, ds2 := parser.ParseFile(fset2.AddFile("f.rules", once))
		if ds2.HasErrors() {
			t.Fatalf("formatted source does not parse:\n%s\n%v", once, ds2.Sorted())
		}
		if twice := format.File(file2, once); string(twice) != string(once) {
			t.Fatalf("fmt is not idempotent:\n%s\n---\n%s", once, twice)
		}
		if len(file2.Comments) != len(file.Comments) {
			t.Fatalf("fmt lost comments: %d -> %d", len(file.Comments), len(file2.Comments))
		}
	})
}

func FuzzLex(f *testing.F) {
	f.Add(`"a\{b}" 12:30 2026-01-02T03:04 1h30m 6mo 1.5 # c`)
	f.Add("ł ź \"unterminated\n !@$")
	f.Fuzz(func(t *testing.T, src string) {
		fset := token.NewFileSet()
		file, _ := parser.ParseFile(fset.AddFile("f.rules", []byte(src)))
		for _, c := range file.Comments {
			if c.Pos() < file.Pos() || c.End() > file.End() {
				t.Fatalf("comment %q outside the file", c.Text)
			}
		}
	})
}

// TestPrecedence: the flat run of operands and operators gets the grouping
// of spec/language.md's table.
func TestPrecedence(t *testing.T) {
	for src, want := range map[string]string{
		`a or b and c`:            `(a or (b and c))`,
		`not a == b and c`:        `((not (a == b)) and c)`,
		`a + b * c - d`:           `((a + (b * c)) - d)`,
		`-a * b`:                  `((-a) * b)`,
		`x in 1 + 1..5`:           `(x in ((1 + 1)..5))`,
		`x not in [a] or y`:       `((x not in [a]) or y)`,
		`a == not b and c`:        `((a == (not b)) and c)`,
		`deal.amount % 3 / 2 > 1`: `(((deal.amount % 3) / 2) > 1)`,
	} {
		fset := token.NewFileSet()
		f, ds := parser.ParseFile(fset.AddFile("p.rules", []byte("on stage S if "+src+": send sms text \"x\"")))
		if ds.Len() != 0 {
			t.Errorf("%s: %v", src, ds.Sorted())
			continue
		}
		if got := grouped(f.Decls[0].(*ast.RuleDecl).Cond); got != want {
			t.Errorf("%s: got %s, want %s", src, got, want)
		}
	}
}

func TestComparisonsDoNotChain(t *testing.T) {
	fset := token.NewFileSet()
	_, ds := parser.ParseFile(fset.AddFile("p.rules", []byte(`on stage S if a < b < c: send sms text "x"`)))
	got := ds.Sorted()
	if len(got) != 1 || got[0].Code != diag.ESyntax || fset.Position(got[0].Pos).Column != 21 {
		t.Fatalf("got %v, want one E001 at column 21", got)
	}
}

func grouped(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.BinaryExpr:
		return "(" + grouped(e.X) + " " + e.Op + " " + grouped(e.Y) + ")"
	case *ast.UnaryExpr:
		if e.Op == "not" {
			return "(not " + grouped(e.X) + ")"
		}
		return "(-" + grouped(e.X) + ")"
	case *ast.RangeExpr:
		return "(" + grouped(e.Lo) + ".." + grouped(e.Hi) + ")"
	}
	return format.Expr(e)
}

// TestLabelPositions: a labelled declaration starts at its label; On and
// Move stay the positions of their keywords.
func TestLabelPositions(t *testing.T) {
	src := "repeat_lead:   on stage Won: send sms text \"x\"\npaid:\n    move to stage Paid when invoice paid\n"
	fset := token.NewFileSet()
	f, ds := parser.ParseFile(fset.AddFile("l.rules", []byte(src)))
	if ds.Len() != 0 || len(f.Decls) != 2 {
		t.Fatalf("got %v, %d declarations", ds.Sorted(), len(f.Decls))
	}
	at := func(p token.Pos) string { ps := fset.Position(p); return fmt.Sprintf("%d:%d", ps.Line, ps.Column) }
	r := f.Decls[0].(*ast.RuleDecl)
	if r.Label == nil || r.Label.Name != "repeat_lead" || at(r.Pos()) != "1:1" || at(r.On) != "1:16" {
		t.Errorf("rule: label %v at %s, on at %s", r.Label, at(r.Pos()), at(r.On))
	}
	tr := f.Decls[1].(*ast.TriggerDecl)
	if tr.Label == nil || tr.Label.Name != "paid" || at(tr.Pos()) != "2:1" || at(tr.Move) != "3:5" {
		t.Errorf("trigger: label %v at %s, move at %s", tr.Label, at(tr.Pos()), at(tr.Move))
	}
	plain, _ := parser.ParseFile(token.NewFileSet().AddFile("p.rules", []byte("on stage Won: send sms text \"x\"\n")))
	if r := plain.Decls[0].(*ast.RuleDecl); r.Label != nil || r.Pos() != r.On {
		t.Errorf("unlabelled rule: label %v", r.Label)
	}
}

// TestCRLFRanges: a file with CRLF line ends gives the diagnostics a LF
// one gives, at the same places (an unterminated string's range took the
// \r in).
func TestCRLFRanges(t *testing.T) {
	src := "on stage Nowe: send sms text \"abc\non stage Nowe: send sms text 'x'\npipeline deal P {\n    stage A\n"
	ranges := func(src string) string {
		fset := token.NewFileSet()
		_, ds := parser.ParseFile(fset.AddFile("in.rules", []byte(src)))
		var b strings.Builder
		for _, d := range ds.Sorted() {
			p, e := fset.Position(d.Pos), fset.Position(d.End)
			fmt.Fprintf(&b, "%s %d:%d-%d:%d\n", d.Code, p.Line, p.Column, e.Line, e.Column)
		}
		return b.String()
	}
	lf, crlf := ranges(src), ranges(strings.ReplaceAll(src, "\n", "\r\n"))
	if lf != crlf {
		t.Errorf("LF:\n%s\nCRLF:\n%s", lf, crlf)
	}
}
