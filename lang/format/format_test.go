package format_test

import (
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stagecraft/stagecraft/internal/golden"
	"github.com/stagecraft/stagecraft/lang/format"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// TestGolden formats in.rules into the "out.rules" section, then checks that
// formatting the output changes nothing and keeps every comment.
func TestGolden(t *testing.T) {
	golden.Run(t, "testdata/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		in := golden.Section(a, "in.rules")
		out, n := formatString(t, in)
		again, m := formatString(t, out)
		if again != out {
			t.Errorf("not idempotent:\n%s", again)
		}
		if n != m || n != strings.Count(in, "#") {
			t.Errorf("comments: %d in source, %d after one pass, %d after two", strings.Count(in, "#"), n, m)
		}
		return map[string]string{"out.rules": out}
	})
}

func formatString(t *testing.T, src string) (string, int) {
	fset := token.NewFileSet()
	f, ds := parser.ParseFile(fset.AddFile("in.rules", []byte(src)))
	if ds.HasErrors() {
		t.Fatalf("does not parse: %v", ds.Sorted())
	}
	return string(format.File(f, []byte(src))), len(f.Comments)
}
