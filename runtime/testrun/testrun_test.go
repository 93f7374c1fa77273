package testrun_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/examples"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/testrun"
	"github.com/stagecraft/stagecraft/stdlib"
)

func run(t *testing.T, p *ir.Program) {
	t.Helper()
	if len(p.Tests) == 0 {
		t.Fatal("no tests")
	}
	for _, test := range p.Tests {
		out, err := testrun.Run(p, testLib(t), test)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range out.Failures {
			t.Errorf("%s %q: %s: %s", test.Pos, test.Name, f.Step.Pos, f.Msg)
		}
	}
}

// TestExamples runs the test blocks of examples/, as `stagecraft test examples/` does.
func TestExamples(t *testing.T) {
	p, err := compile.ProgramFiles(examples.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	run(t, p)
}

// TestTestdata runs each file of testdata as a workspace of its own.
func TestTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.rules")
	if len(files) == 0 {
		t.Fatal("no testdata/*.rules: run from the package's folder")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			p, err := compile.Program([]compile.Source{{Name: f, Src: b}})
			if err != nil {
				t.Fatal(err)
			}
			run(t, p)
		})
	}
}

// TestEveryIDTested: every action and trigger of the standard library, and
// the auxiliary rules that are forms of the language, has a test block in
// examples/ that names its catalogue ID.
func TestEveryIDTested(t *testing.T) {
	lib := stdlib.Load()
	ids := []string{"R-VARIABLE", "R-MATH", "R-UPDATE", "R-WASM"}
	for _, a := range lib.Actions {
		ids = append(ids, a.ID)
	}
	for _, tr := range lib.Triggers {
		ids = append(ids, tr.ID)
	}
	p, err := compile.ProgramFiles(examples.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	var names strings.Builder
	for _, test := range p.Tests {
		names.WriteString(test.Name + "\n")
	}
	for _, id := range ids {
		if !strings.Contains(names.String(), id) {
			t.Errorf("no test block in examples/ names %s", id)
		}
	}
}

// FuzzRun compiles the examples' workspace with a fuzzed file added and runs
// every test block of the fuzzed file: whatever checks must run without a
// panic, within the engine's limits.
func FuzzRun(f *testing.F) {
	ws, err := compile.Files(examples.FS, "", "workspace.rules", "triggers.rules", "auxiliary.rules")
	if err != nil {
		f.Fatal(err)
	}
	modules := check.Config{Modules: examples.FS} // the workspace's custom action
	if _, err := compile.ProgramWith(ws, modules); err != nil {
		f.Fatal(err) // else every input would fail to compile, and the fuzzer would test nothing
	}
	for _, s := range []string{
		"test \"t\" {\n    given deal d { title \"x\" amount 5 }\n    move d to Oferta\n    wait 3d\n    expect d.net == null\n}",
		"on stage Nowe if deal.amount / 0 > 1: update deal.comments = \"{deal.amount} {deal.created}\"\ntest \"t\" {\n    given deal d { amount 10 }\n    set d.amount = 11\n}",
		"on stage Kontakt: let x = lower(deal.title) + upper(\"a\")\non stage Kontakt then: update deal.source = x\ntest \"t\" {\n    given deal d { title \"Ab\" }\n    event call outgoing on d\n    expect d.source == \"aba\"\n}",
		// The edges of the value domain (issue 8): overflow to ±Inf in
		// arithmetic, a literal past float64, huge durations, invalid UTF-8.
		"on stage Kontakt: update deal.amount = deal.amount * 10000000000\ntest \"t\" {\n    given deal d { amount 1" + strings.Repeat("0", 300) + " }\n    move d to Kontakt\n    expect d.amount == null\n}",
		"on stage Kontakt: calc z = deal.amount / (deal.amount - deal.amount) * deal.amount\non stage Kontakt then: update deal.amount = z\ntest \"t\" {\n    given deal d { amount 5 }\n    move d to Kontakt\n}",
		"on stage Kontakt: update deal.amount = 1" + strings.Repeat("0", 300) + " * 10000000000\ntest \"t\" {\n    given deal d { amount 1 }\n    move d to Kontakt\n}",
		"on stage Kontakt after 3652058d: update deal.title = \"x\"\ntest \"t\" {\n    given deal d { title \"\xff\xfe\" }\n    move d to Kontakt\n    wait 3652058d\n}",
		"test \"t\" {\n    given deal d { title \"\xed\xa0\x80\" amount -1" + strings.Repeat("0", 300) + " }\n    set d.amount = d.amount * 10000000000\n}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := compile.ProgramWith(append(ws[:len(ws):len(ws)], compile.Source{Name: "fuzz.rules", Src: []byte(src)}), modules)
		if err != nil {
			return
		}
		for _, test := range p.Tests {
			if test.Pos.File != "fuzz.rules" {
				continue
			}
			if _, err := testrun.Run(p, testLib(t), test); err != nil {
				t.Fatal(err)
			}
		}
	})
}
