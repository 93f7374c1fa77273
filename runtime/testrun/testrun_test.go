package testrun_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/examples"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/testrun"
)

func run(t *testing.T, p *ir.Program) {
	t.Helper()
	if len(p.Tests) == 0 {
		t.Fatal("no tests")
	}
	for _, test := range p.Tests {
		out, err := testrun.Run(p, test)
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
	names, _ := fs.Glob(examples.FS, "*.rules")
	sort.Strings(names)
	var srcs []compile.Source
	for _, n := range names {
		b, _ := fs.ReadFile(examples.FS, n)
		srcs = append(srcs, compile.Source{Name: n, Src: b})
	}
	p, err := compile.Program(srcs)
	if err != nil {
		t.Fatal(err)
	}
	run(t, p)
}

// TestTestdata runs each file of testdata as a workspace of its own.
func TestTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.rules")
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
