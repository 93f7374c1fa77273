package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"
)

// TestCompaction edits a file until the replaced texts outweigh the live
// ones, lets the background rebuild finish, and checks that the edit that
// adopts it publishes what a fresh server publishes, at the same ranges,
// and that the FileSet holds no more than the live texts afterwards.
func TestCompaction(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "workspace.rules"), hostileSchema)
	// About 100 KB: garbageFactor times it (1.6 MB) comes after about sixteen edits.
	text := func(i int) string {
		var b strings.Builder
		for r := 0; r < 2000; r++ {
			fmt.Fprintf(&b, "r%d: on stage New if deal.net > %d: send sms text \"hello %d\"\n", r, r, i)
		}
		b.WriteString("on stage Nope: send sms text \"x\"\n") // one error, on the last line
		return b.String()
	}
	path := filepath.Join(dir, "a.rules")
	write(t, path, text(0))
	var last []protocol.Diagnostic
	start := func() (*Server, func(method string, params any)) {
		s, err := NewServer(Options{StdlibDir: filepath.Join(dir, "stdlib")})
		if err != nil {
			t.Fatal(err)
		}
		s.OnNotify(func(method string, params any) error {
			if p, ok := params.(*protocol.PublishDiagnosticsParams); ok && p.URI == uriOf(path) {
				last = p.Diagnostics
			}
			return nil
		})
		call := func(method string, params any) {
			raw, _ := json.Marshal(params)
			if _, err := s.Handle(context.Background(), method, raw); err != nil {
				t.Fatalf("%s: %v", method, err)
			}
		}
		call("initialize", map[string]any{})
		return s, call
	}
	s, call := start()
	call("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: uriOf(path), Version: 1, Text: text(0)}})
	w := s.workspaceOf(path)
	edit := func(i int) {
		call("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uriOf(path), "version": i},
			"contentChanges": []map[string]any{{"text": text(i)}}})
	}
	i := 1
	for ; w.rebuild == nil; i++ {
		if i > 40 {
			t.Fatal("no rebuild after 40 edits of 100 KB")
		}
		edit(i)
	}
	// An edit while the rebuild runs (the race detector watches the two
	// checks share the universe), then the one that adopts it.
	// (which adopts it if it is done already).
	r := w.rebuild
	edit(i)
	i++
	<-r.done
	edit(i)
	if w.rebuild != nil || w.fset != r.fset {
		t.Fatal("the finished rebuild was not adopted")
	}
	// The new FileSet holds the live texts, the built-in schema, the
	// snapshot's text of the file edited since, and at most one more edit.
	if n := len(w.fset.Files()); n > len(w.paths)+3 {
		t.Errorf("after compaction the FileSet holds %d files for %d live ones", n, len(w.paths))
	}
	got := codes(last)
	fresh, freshCall := start()
	freshCall("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: uriOf(path), Version: 1, Text: text(i)}})
	_ = fresh
	if want := codes(last); got != want || want != "E102@2000:9-2000:13" {
		t.Errorf("after compaction: %s; a fresh server: %s", got, want)
	}
	// Names resolve in the new FileSet: hover on the first rule's stage.
	raw, _ := json.Marshal(at(path, 0, 14))
	res, err := s.Handle(context.Background(), "textDocument/hover", raw)
	if h, ok := res.(*protocol.Hover); err != nil || !ok || h == nil || h.Range.Start.Character != 13 {
		t.Errorf("hover after compaction: %#v %v", res, err)
	}
}
