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

// TestReplacedTextsLeave edits a large file many times and checks that the
// workspace's FileSet holds the live texts only (and the built-in schema)
// after each edit, while the diagnostics are a fresh server's, at the same
// ranges, and names still resolve.
func TestReplacedTextsLeave(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "workspace.rules"), hostileSchema)
	text := func(i int) string {
		var b strings.Builder
		for r := 0; r < 2000; r++ {
			fmt.Fprintf(&b, "r%d: on stage New if deal.net > %d: send sms text \"hello %d\"\n", r, r, i*(r%3))
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
	const edits = 40
	for i := 1; i <= edits; i++ {
		call("textDocument/didChange", map[string]any{"textDocument": map[string]any{"uri": uriOf(path), "version": i + 1},
			"contentChanges": []map[string]any{{"text": text(i)}}})
		if n := len(w.fset.Files()); n != len(w.paths)+1 {
			t.Fatalf("after edit %d the FileSet holds %d files for %d live ones and the schema", i, n, len(w.paths))
		}
	}
	got := codes(last)
	_, freshCall := start()
	freshCall("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: uriOf(path), Version: 1, Text: text(edits)}})
	if want := codes(last); got != want || want != "E102@2000:9-2000:13" {
		t.Errorf("after %d edits: %s; a fresh server: %s", edits, got, want)
	}
	// Names resolve: hover on the first rule's stage.
	raw, _ := json.Marshal(at(path, 0, 14))
	res, err := s.Handle(context.Background(), "textDocument/hover", raw)
	if h, ok := res.(*protocol.Hover); err != nil || !ok || h == nil || h.Range.Start.Character != 13 {
		t.Errorf("hover after %d edits: %#v %v", edits, res, err)
	}
}
