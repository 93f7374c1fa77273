package ops_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/golden"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
)

const (
	specFile   = "../../../spec/language.md"
	tableStart = "<!-- The table of operators, generated from runtime/value/ops by `go test ./runtime/value/ops -update`. -->\n"
	tableEnd   = "<!-- End of the table of operators. -->\n"
)

// TestSpecTable keeps the table of operators in spec/language.md equal to
// the one in this package: the spec's table is printed from it.
func TestSpecTable(t *testing.T) {
	b, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	spec := string(b)
	i, j := strings.Index(spec, tableStart), strings.Index(spec, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no table of operators between %q and %q", specFile, tableStart, tableEnd)
	}
	golden.File(t, specFile, spec[:i+len(tableStart)]+table()+spec[j:])
}

// table prints the overloads as a Markdown table, one row each.
func table() string {
	var b strings.Builder
	b.WriteString("| operator | operands | result | overload ID | notes |\n| --- | --- | --- | --- | --- |\n")
	for _, ov := range ops.Overloads() {
		var form string
		p := ov.Params
		switch {
		case len(p) == 1 && ov.Op == ops.Not:
			form = "not " + p[0].Name
		case len(p) == 1:
			form = ov.Op.Symbol() + p[0].Name
		case len(p) == 3:
			form = fmt.Sprintf("%s %s %s..%s", p[0].Name, ov.Op.Symbol(), p[1].Name, p[2].Name)
		default:
			form = fmt.Sprintf("%s %s %s", p[0].Name, ov.Op.Symbol(), p[1].Name)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | `%s` | %s |\n", ov.Op.Symbol(), form, ov.Result, ov.ID, ov.Doc)
	}
	return b.String()
}
