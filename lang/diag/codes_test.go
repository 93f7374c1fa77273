package diag_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/golden"
	"github.com/stagecraft/stagecraft/lang/diag"
)

// TestErrorCodesSpec keeps spec/errors.md equal to the code table.
func TestErrorCodesSpec(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Diagnostic codes\n\nGenerated from lang/diag/codes.go by `go test ./lang/diag -update`. Codes are stable and\nappend-only. E: errors (exit 1). W: warnings (exit 0).\n\n| code | meaning |\n| --- | --- |\n")
	seen := map[diag.Code]bool{}
	for _, c := range diag.Codes {
		if seen[c.Code] {
			t.Errorf("code %s listed twice", c.Code)
		}
		seen[c.Code] = true
		fmt.Fprintf(&b, "| %s | %s |\n", c.Code, c.Summary)
	}
	golden.File(t, "../../spec/errors.md", b.String())
}
