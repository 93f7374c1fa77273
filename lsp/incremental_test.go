package lsp

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/internal/typing"
	"github.com/stagecraft/stagecraft/lang/diag"
)

// TestEditsSameAsFullCheck types into the example workspace at random,
// many edits over several files, and after each compares the diagnostics
// the server last published for every file with those of a full check of
// the same texts (compile.Check, as `stagecraft check` runs it): what the
// server keeps between edits (the parses of unchanged files and rules,
// the checker's results per file) must never show.
func TestEditsSameAsFullCheck(t *testing.T) {
	dir, names, texts, lines := exampleWorkspace(t)
	original := map[string]string{}
	for n, s := range texts {
		original[n] = s
	}

	s, err := NewServer(Options{StdlibDir: filepath.Join(dir, "stdlib")})
	if err != nil {
		t.Fatal(err)
	}
	published := map[string]string{} // by path, the JSON of the last diagnostics sent
	s.OnNotify(func(method string, params any) error {
		if p, ok := params.(*protocol.PublishDiagnosticsParams); ok && method == "textDocument/publishDiagnostics" {
			path, err := pathOf(p.URI)
			if err != nil {
				return err
			}
			b, err := json.Marshal(p.Diagnostics)
			if err != nil {
				return err
			}
			published[path] = string(b)
		}
		return nil
	})
	call := func(method string, params any) {
		t.Helper()
		raw, err := json.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Handle(context.Background(), method, raw); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
	}
	call("initialize", map[string]any{})
	version := int32(1)
	for _, n := range names {
		call("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: uriOf(n), Version: version, Text: texts[n]}})
	}
	snippets := []string{"x", " ", "\n", "\"", "{", "}", ":", "then ", "on stage Nowe: send sms text \"a\"\n",
		"lab: ", "# note\n", "  ", "deal.amount > 5", "after 3d ", "'", "é", "(", "let v = 1", "{v}", "\n\n",
		// names one file's rule sets and another's uses, by mistake (E115)
		"\nbind: on stage Nowe: let shared = 1\n", "\non stage Nowe: send sms text \"{shared}\"\n"}
	rng := rand.New(rand.NewPCG(1, 2))
	rounds := 300
	if testing.Short() {
		rounds = 40
	}
	for i := 0; i < rounds; i++ {
		n := names[rng.IntN(len(names))]
		if i%60 == 59 {
			texts[n] = original[n]
		} else {
			texts[n] = typing.Edit(rng, texts[n], lines, snippets)
		}
		version++
		call("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uriOf(n), "version": version},
			"contentChanges": []map[string]any{{"text": texts[n]}}})
		want := fullCheck(t, names, texts)
		for _, p := range names {
			if published[p] != want[p] {
				t.Fatalf("edit %d (of %s): the diagnostics of %s differ from a full check's\nserver: %s\nfull:   %s", i, filepath.Base(n), filepath.Base(p), published[p], want[p])
			}
		}
	}
}

// exampleWorkspace copies the examples into a new folder and returns it,
// its rules files sorted, their texts by path and all their lines.
func exampleWorkspace(t *testing.T) (dir string, names []string, texts map[string]string, lines []string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../examples")); err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.rules"))
	if err != nil || len(names) < 3 {
		t.Fatalf("the examples: %v, %v", names, err)
	}
	sort.Strings(names)
	texts = map[string]string{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		texts[n] = string(b)
		lines = append(lines, strings.SplitAfter(string(b), "\n")...)
	}
	return dir, names, texts, lines
}

// fullCheck is, by path, the JSON of the diagnostics that a check of the
// texts from scratch gives, rendered as the server renders them.
func fullCheck(t *testing.T, names []string, texts map[string]string) map[string]string {
	t.Helper()
	var srcs []compile.Source
	for _, n := range names {
		srcs = append(srcs, compile.Source{Name: n, Src: []byte(texts[n])})
	}
	c, err := compile.Check(srcs)
	if err != nil {
		t.Fatal(err)
	}
	w := &workspace{fset: c.Fset, diags: map[string][]diag.Diagnostic{}}
	for _, d := range c.Diags.Sorted() {
		if f := c.Fset.File(d.Pos); f != nil {
			w.diags[f.Name()] = append(w.diags[f.Name()], d)
		}
	}
	out := map[string]string{}
	for _, n := range names {
		b, err := json.Marshal(w.lspDiagnostics(n))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = string(b)
	}
	return out
}

// TestNavigationAfterEditsSameAsFresh types into the examples at random,
// as TestEditsSameAsFullCheck does, and every few edits asks the server
// for hover, definition and references at random places of the edited
// file, comparing each answer with that of a new server opened on the
// same texts: the parses and check results kept from edit to edit (rules
// moved to new places, side tables per file) must answer as a first
// parse and check do.
func TestNavigationAfterEditsSameAsFresh(t *testing.T) {
	dir, names, texts, lines := exampleWorkspace(t)
	open := func() func(method string, params any) string {
		s, err := NewServer(Options{StdlibDir: filepath.Join(dir, "stdlib")})
		if err != nil {
			t.Fatal(err)
		}
		s.OnNotify(func(string, any) error { return nil })
		call := func(method string, params any) string {
			t.Helper()
			raw, err := json.Marshal(params)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Handle(context.Background(), method, raw)
			if err != nil {
				t.Fatalf("%s: %v", method, err)
			}
			out, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			return string(out)
		}
		call("initialize", map[string]any{})
		for _, n := range names {
			call("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: uriOf(n), Version: 1, Text: texts[n]}})
		}
		return call
	}
	kept := open()
	snippets := []string{"x", " ", "\n", "\"", ":", "then ", "on stage Nowe: send sms text \"a\"\n", "# note\n", "deal.amount > 5",
		"after 3d ", "let v = 1", "{v}", "\n\n", "\non stage Nowe: let shared = 1\n"}
	rng := rand.New(rand.NewPCG(3, 4))
	rounds := 200
	if testing.Short() {
		rounds = 30
	}
	asked := 0
	for i := 0; i < rounds; i++ {
		n := names[rng.IntN(len(names))]
		texts[n] = typing.Edit(rng, texts[n], lines, snippets)
		kept("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uriOf(n), "version": i + 2},
			"contentChanges": []map[string]any{{"text": texts[n]}}})
		if i%10 != 9 {
			continue
		}
		fresh := open()
		ls := strings.Split(texts[n], "\n")
		for range 8 {
			line := rng.IntN(len(ls))
			char := rng.IntN(len([]rune(ls[line])) + 1) // the examples' lines are within the BMP: runes are UTF-16 units
			at := map[string]any{"textDocument": map[string]any{"uri": uriOf(n)}, "position": map[string]any{"line": line, "character": char}}
			for _, method := range []string{"textDocument/hover", "textDocument/definition", "textDocument/references"} {
				params := at
				if method == "textDocument/references" {
					params = map[string]any{"textDocument": at["textDocument"], "position": at["position"], "context": map[string]any{"includeDeclaration": true}}
				}
				got, want := kept(method, params), fresh(method, params)
				if got != want {
					t.Fatalf("edit %d, %s at %s:%d:%d: the server after edits answers\n%s\na new server answers\n%s", i, method, filepath.Base(n), line, char, got, want)
				}
				if want != "null" && want != "[]" {
					asked++
				}
			}
		}
	}
	if asked == 0 {
		t.Fatal("no question had an answer: the test compares nothing")
	}
	t.Logf("%d answers compared", asked)
}

// TestHoverInAHalfTypedLine: a line that does not parse yet still has
// hover where completion knows the word (a stage after `on stage`), and
// none for a word it does not know.
func TestHoverInAHalfTypedLine(t *testing.T) {
	dir, names, texts, _ := exampleWorkspace(t)
	s, err := NewServer(Options{StdlibDir: filepath.Join(dir, "stdlib")})
	if err != nil {
		t.Fatal(err)
	}
	s.OnNotify(func(string, any) error { return nil })
	call := func(method string, params any) string {
		t.Helper()
		raw, err := json.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Handle(context.Background(), method, raw)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		out, _ := json.Marshal(res)
		return string(out)
	}
	call("initialize", map[string]any{})
	n := names[0]
	text := texts[n] + "\non stage Nowe: send sms to deal.\n"
	call("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: uriOf(n), Version: 1, Text: text}})
	line := strings.Count(texts[n], "\n") + 1
	hover := func(char int) string {
		return call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uriOf(n)}, "position": map[string]any{"line": line, "character": char}})
	}
	if got := hover(len("on stage No")); !strings.Contains(got, "Nowe: stage of Sprzedaż") {
		t.Errorf("hover on the stage of a half-typed rule: %s", got)
	}
	if got := hover(len("on stage Nowe: send sms to de")); got != "null" {
		t.Errorf("hover on a word completion says nothing of: %s, want null", got)
	}
}
