package check_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// The checker is linear in the rules of one stage: each rule costs the same
// whether the stage has a hundred rules or ten thousand, however many names
// they bind and however long a then chain is. These benchmarks check (not
// parse) n such rules; their ns/rule metric is the figure to watch.

// letRules are n rules of one stage, each binding a variable of its own.
func letRules(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "on stage Nowe: let v%d = deal.amount * %d\n", i, i)
	}
	return b.String()
}

// thenChain is a chain of n rules written then, each reading the variable
// the rule before it set.
func thenChain(n int) string {
	var b strings.Builder
	b.WriteString("on stage Nowe: let v0 = deal.amount\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "on stage Nowe then: let v%d = v%d + 1\n", i, i-1)
	}
	return b.String()
}

func BenchmarkCheckLet1000(b *testing.B)   { benchRules(b, letRules(1000), 1000) }
func BenchmarkCheckLet10000(b *testing.B)  { benchRules(b, letRules(10000), 10000) }
func BenchmarkCheckThen1000(b *testing.B)  { benchRules(b, thenChain(1000), 1000) }
func BenchmarkCheckThen10000(b *testing.B) { benchRules(b, thenChain(10000), 10000) }

// benchRules parses src once beside the examples' workspace and checks it
// b.N times.
func benchRules(b *testing.B, src string, n int) {
	u := universe(b)
	ws := readDir(b, "../../examples")["workspace.rules"]
	fset := token.NewFileSet()
	var files []*ast.File
	for _, s := range []struct{ name, src string }{{"workspace.rules", ws}, {"gen.rules", src}} {
		f, ds := parser.ParseFile(fset.AddFile(s.name, []byte(s.src)))
		if ds.HasErrors() {
			b.Fatalf("%s does not parse: %v", s.name, ds.Sorted()[0])
		}
		files = append(files, f)
	}
	if _, ds := check.Check(fset, files, u); ds.HasErrors() {
		var w strings.Builder
		diag.WriteText(&w, fset, ds.Sorted()[:1], 0)
		b.Fatalf("generated rules have errors:\n%s", w.String())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		check.Check(fset, files, u)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rule")
}
