package parser_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/typing"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// TestCacheSameAsParse edits a file at random, many times over, as a
// user types, deletes and pastes, and parses each text twice: with a Cache
// that kept the rules of the text before, and afresh. The trees and the
// diagnostics must be the same, positions included.
func TestCacheSameAsParse(t *testing.T) {
	var src strings.Builder
	for _, name := range []string{"furniture.rules", "triggers.rules", "communication.rules", "repeat.rules"} {
		b, err := os.ReadFile(filepath.Join("../../examples", name))
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	base := src.String()
	lines := strings.SplitAfter(base, "\n")
	snippets := []string{"x", " ", "\n", "\"", "{", "}", ":", "then ", "on stage Nowe: send sms text \"a\"\n",
		"lab: ", "# note\n", "  ", "deal.amount > 5", "after 3d ", "\n\n", "'", "é", "(", "[a, b]"}
	rounds := 120
	if testing.Short() {
		rounds = 20
	}
	reused := 0
	for seed := uint64(1); seed <= 3; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		fset := token.NewFileSet()
		var cache parser.Cache
		text := base
		last, _ := cache.ParseFile(fset.AddFile("a.rules", []byte(text)))
		for i := 0; i < rounds; i++ {
			text = typing.Edit(rng, text, lines, snippets)
			if i%40 == 0 {
				text = base // back to a text of many good rules, some of them moved
			}
			tf := fset.AddFile("a.rules", []byte(text))
			got, gotDs := cache.ParseFile(tf)
			want, wantDs := parser.ParseFile(tf)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d, edit %d: the trees differ (%d and %d declarations)\n%s", seed, i, len(got.Decls), len(want.Decls), firstDeclDiff(fset, got, want))
			}
			if !reflect.DeepEqual(gotDs.Sorted(), wantDs.Sorted()) {
				t.Fatalf("seed %d, edit %d: the diagnostics differ", seed, i)
			}
			before := map[ast.Decl]bool{}
			for _, d := range last.Decls {
				before[d] = true
			}
			for _, d := range got.Decls {
				if before[d] {
					reused++
				}
			}
			last = got
		}
	}
	if reused == 0 {
		t.Fatal("no rule was taken from the cache")
	}
}

// firstDeclDiff describes the first declaration where two trees differ.
func firstDeclDiff(fset *token.FileSet, a, b *ast.File) string {
	for i := range min(len(a.Decls), len(b.Decls)) {
		if !reflect.DeepEqual(a.Decls[i], b.Decls[i]) {
			return "at " + fset.Position(b.Decls[i].Pos()).String() + ": " + describe(b.Decls[i])
		}
	}
	return "in their number"
}

// TestParseConcurrently parses from several goroutines at once, as the
// API server's checks do: one parse reuses the kept token buffer, the
// others make their own, and every tree is the one a parse alone gives.
func TestParseConcurrently(t *testing.T) {
	b, err := os.ReadFile("../../examples/furniture.rules")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	tf := fset.AddFile("furniture.rules", b)
	want, _ := parser.ParseFile(tf)
	done := make(chan *ast.File)
	for range 4 {
		go func() {
			var last *ast.File
			for range 20 {
				last, _ = parser.ParseFile(tf)
			}
			done <- last
		}()
	}
	for range 4 {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Error("a parse alongside others gave another tree")
		}
	}
}

// TestCacheKeepsNoOldText: the rules a Cache keeps hold copies of their
// own text, not pieces of the whole text they were parsed from, so that
// an editor's edits, each parsing one rule anew, do not keep every text
// the file ever had alive (with pieces: one 100 kB text per edit).
func TestCacheKeepsNoOldText(t *testing.T) {
	const rules, edits = 1500, 200
	lines := make([]string, rules)
	for i := range lines {
		lines[i] = fmt.Sprintf("on stage Nowe: send sms to contact.phone[mobile] text \"Dzień dobry, zamówienie %d jest gotowe\"\n", i)
	}
	var cache parser.Cache
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	size := len(strings.Join(lines, ""))
	var before uint64
	for i := range edits {
		lines[i] = strings.Replace(lines[i], "gotowe", "wysłane", 1)
		text := strings.Join(lines, "")
		// A FileSet of its own, dropped after the parse, as the language
		// server drops a replaced text: only the Cache can keep it.
		fset := token.NewFileSet()
		if _, ds := cache.ParseFile(fset.AddFile("a.rules", []byte(text))); ds.Len() != 0 {
			t.Fatalf("edit %d: %d diagnostics", i, ds.Len())
		}
		if i == 0 {
			before = heap()
		}
	}
	after := heap()
	if grew := int64(after) - int64(before); grew > int64(10*size) {
		t.Errorf("after %d edits of a %d kB file the heap grew by %d kB: the cache keeps old texts", edits, size>>10, grew>>10)
	}
	runtime.KeepAlive(&cache)
}
