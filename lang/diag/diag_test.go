package diag_test

import (
	"testing"

	"github.com/stagecraft/stagecraft/lang/diag"
)

// A list capped by warnings alone has no errors; a dropped error still counts.
func TestCapKeepsSeverity(t *testing.T) {
	var l diag.List
	for i := 0; i < diag.MaxDiagnostics+10; i++ {
		l.Warnf(1, 1, diag.WUnused, "w")
	}
	if l.HasErrors() || l.Dropped() != 10 {
		t.Fatalf("warnings only: HasErrors %v, dropped %d", l.HasErrors(), l.Dropped())
	}
	l.Errorf(1, 1, diag.ESyntax, "e")
	var all diag.List
	all.Append(&l)
	if !all.HasErrors() {
		t.Fatal("a dropped error must count")
	}
}
