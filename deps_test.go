package stagecraft_test

import (
	"os/exec"
	"strings"
	"testing"
)

// allowed writes down which of our packages each package may import, like
// Go's own go/build/deps_test.go: lang below compiler; the runtime takes
// the compiler's IR, never the parser or checker; stdlib declares for the
// checker and implements for the engine; cmd wires it all. A new arrow is a
// design decision: add it here on purpose.
var allowed = map[string][]string{
	"lang/token":         {},
	"lang/diag":          {"lang/token"},
	"lang/ast":           {"lang/token"},
	"lang/parser":        {"lang/ast", "lang/diag", "lang/token"},
	"lang/format":        {"lang/ast", "lang/parser", "lang/token"},
	"compiler/types":     {"lang/token"},
	"compiler/check":     {"compiler/types", "lang/ast", "lang/diag", "lang/parser", "lang/token"},
	"stdlib":             {"compiler/types", "runtime/action", "runtime/interp", "runtime/value"},
	"runtime/action":     {"compiler/ir", "runtime/interp", "runtime/value"},
	"internal/golden":    {},
	"lang/literal":       {},
	"compiler/ir":        {},
	"compiler/lower":     {"compiler/check", "compiler/ir", "compiler/types", "lang/ast", "lang/literal", "lang/token"},
	"compiler/plan":      {"compiler/ir"},
	"runtime/value":      {"lang/literal"},
	"runtime/interp":     {"compiler/ir", "runtime/value"},
	"runtime/store":      {},
	"runtime/engine":     {"compiler/ir", "compiler/plan", "runtime/action", "runtime/interp", "runtime/store", "runtime/value"},
	"runtime/testrun":    {"compiler/ir", "runtime/engine", "runtime/interp", "runtime/store", "runtime/value"},
	"examples":           {},
	"internal/workspace": {},
	"internal/compile":   {"compiler/check", "compiler/ir", "compiler/lower", "lang/ast", "lang/diag", "lang/parser", "lang/token", "stdlib"},
	"cmd/stagecraft": {"compiler/ir", "compiler/lower", "compiler/plan", "examples", "internal/compile", "internal/workspace", "lang/diag", "lang/format", "lang/parser", "lang/token",
		"runtime/engine", "runtime/store", "runtime/testrun", "stdlib"},
	"": {},
}

// external lists the only packages allowed to import each third-party module.
var external = map[string][]string{
	"github.com/alecthomas/participle": {"lang/parser"},
	"github.com/cockroachdb/pebble":    {"runtime/store"},
}

func TestDeps(t *testing.T) {
	const mod = "github.com/stagecraft/stagecraft"
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(strings.TrimPrefix(fields[0], mod), "/")
		ok, known := allowed[pkg]
		if !known {
			t.Errorf("package %q is not in deps_test.go: add it with its allowed imports", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			for ext, users := range external {
				if strings.HasPrefix(imp, ext) && !contains(users, pkg) {
					t.Errorf("%s imports %s; only %v may", pkg, imp, users)
				}
			}
			if !strings.HasPrefix(imp, mod+"/") {
				continue
			}
			if dep := strings.TrimPrefix(imp, mod+"/"); !contains(ok, dep) {
				t.Errorf("%s imports %s, which deps_test.go does not allow", pkg, dep)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
