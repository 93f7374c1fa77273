package rpc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/compile"
)

// TestRefusal: a refused rule set's message names each error by
// file:line:col as check does, at most refusalErrors of them, then how
// many more there are.
func TestRefusal(t *testing.T) {
	var src strings.Builder
	src.WriteString("pipeline deal P {\n    stage A\n}\n")
	for i := range 25 {
		fmt.Fprintf(&src, "on stage Nowhere%d: update deal.title = \"x\"\n", i)
	}
	ch, err := compile.Check([]compile.Source{{Name: "w.rules", Src: []byte(src.String())}})
	if err != nil {
		t.Fatal(err)
	}
	msg := refusal(ch.Fset, ch.Diags.Sorted())
	lines := strings.Split(msg, "\n")
	if lines[0] != "25 errors in the rule set; the running version stays:" {
		t.Errorf("first line %q", lines[0])
	}
	if want := `w.rules:4:10: error[E102]: unknown stage "Nowhere0" (`; len(lines) < 2 || !strings.HasPrefix(lines[1], want) {
		t.Errorf("second line %q, want %q", lines[1], want)
	}
	if len(lines) != 1+refusalErrors+1 || lines[len(lines)-1] != "... and 5 more (the CheckFailure detail has them all)" {
		t.Errorf("%d lines, the last %q", len(lines), lines[len(lines)-1])
	}
}
