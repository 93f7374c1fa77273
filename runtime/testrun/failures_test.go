package testrun_test

import (
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/internal/golden"
	"github.com/stagecraft/stagecraft/runtime/testrun"
	"github.com/stagecraft/stagecraft/stdlib"
)

// TestFailures: tests that fail on purpose, and what a user reads then.
// Each file's in.rules is a workspace; its failures section is every
// failed step's message, rewritten by -update.
func TestFailures(t *testing.T) {
	golden.Run(t, "testdata/failures/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		p, err := compile.Program([]compile.Source{{Name: "in.rules", Src: []byte(golden.Section(a, "in.rules"))}})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, test := range p.Tests {
			out, err := testrun.Run(p, stdlib.Runtime(), test)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range out.Failures {
				b.WriteString(f.Step.Pos.String() + ": " + f.Msg + "\n")
			}
		}
		return map[string]string{"failures": b.String()}
	})
}
