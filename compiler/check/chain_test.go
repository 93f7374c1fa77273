package check_test

import (
	"fmt"
	"hash/fnv"
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
	conf := testConfig(b)
	if _, ds := conf.Check(fset, files, u); ds.HasErrors() {
		var w strings.Builder
		diag.WriteText(&w, fset, ds.Sorted()[:1], 0)
		b.Fatalf("generated rules have errors:\n%s", w.String())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		conf.Check(fset, files, u)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rule")
}

// TestLongChainIdent: a then chain's identities are held whole up to
// check.MaxIdent bytes and shortened past it, as a function of the whole
// identity: the chain's first identity, the rule's action, and the FNV-1a
// digest of the whole. Two chains that would have the same whole
// identities (a second `send sms` chain, numbered #2) keep distinct ones.
func TestLongChainIdent(t *testing.T) {
	const n = 200
	var b strings.Builder
	for c := 0; c < 2; c++ {
		// The chains differ in their first rule's text: the same rule
		// written twice would be an error (E119), not a second identity.
		fmt.Fprintf(&b, "on stage Nowe: send sms text \"chain %d\"\n", c)
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "on stage Nowe then: send sms text \"x\"\n")
		}
	}
	_, info, ds := checkInfo(t, universe(t), map[string]string{"ws.rules": readDir(t, "../../examples")["workspace.rules"], "gen.rules": b.String()})
	if ds.HasErrors() {
		t.Fatal(ds.Sorted()[0])
	}
	if len(info.Rules) != 2*n {
		t.Fatalf("%d rules", len(info.Rules))
	}
	seen := map[string]bool{}
	shortened := 0
	for c := 0; c < 2; c++ {
		head := "deal/Sprzedaż/Nowe: send sms"
		if c == 1 {
			head += " #2"
		}
		whole := head
		for i := 0; i < n; i++ {
			if i > 0 {
				whole += " then send sms"
			}
			want := whole
			if len(whole) > check.MaxIdent {
				h := fnv.New64a()
				h.Write([]byte(whole))
				want = fmt.Sprintf("%s then … then send sms {%016x}", head, h.Sum64())
				shortened++
			}
			got := info.Rules[c*n+i].Ident
			if got != want {
				t.Fatalf("chain %d rule %d: identity %q, want %q", c, i, got, want)
			}
			if seen[got] {
				t.Fatalf("identity %q twice", got)
			}
			seen[got] = true
		}
	}
	if shortened == 0 || shortened == 2*n {
		t.Errorf("%d of %d identities shortened", shortened, 2*n)
	}
}
