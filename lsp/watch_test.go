package lsp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// A client that takes dynamic registrations is asked to watch the .rules
// files (and modules) after initialized; one that does not is not asked.
func TestRegistersFileWatchers(t *testing.T) {
	for _, dynamic := range []bool{true, false} {
		caps := map[string]any{"workspace": map[string]any{"didChangeWatchedFiles": map[string]any{"dynamicRegistration": dynamic}}}
		c := startClientWith(t, Options{StdlibDir: t.TempDir()}, caps)
		var got string
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && got == ""; time.Sleep(10 * time.Millisecond) {
			// The request is sent apart from the handler (see Server.request).
			for _, n := range c.drain() {
				if strings.HasPrefix(n, "client/registerCapability ") {
					got = n
				}
			}
			if !dynamic {
				c.call(t, "stagecraft/sync", nil)
				for _, n := range c.drain() {
					if strings.HasPrefix(n, "client/registerCapability ") {
						got = n
					}
				}
				break
			}
		}
		switch {
		case dynamic && !strings.Contains(got, `"method":"workspace/didChangeWatchedFiles"`):
			t.Errorf("dynamicRegistration true: want a registration of workspace/didChangeWatchedFiles, got %q", got)
		case dynamic && !strings.Contains(got, `"globPattern":"**/*.rules"`):
			t.Errorf("dynamicRegistration true: want a watcher of **/*.rules, got %q", got)
		case !dynamic && got != "":
			t.Errorf("dynamicRegistration false: want no registration, got %q", got)
		}
		c.call(t, "shutdown", nil)
	}
}

// A closed file deleted on disk, with no watcher event, leaves its
// workspace when another file is opened or saved: its declarations go.
func TestDeletedFileDroppedWithoutEvent(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("workspace.rules", "pipeline deal Sprzedaż {\n    stage Nowe\n}\n")
	write("people.rules", "employee anna \"Anna Nowak\" { email \"anna@example.com\" }\n")
	rules := "on stage Nowe: assign task to anna title \"Zadzwoń\"\n"
	write("rules.rules", rules)
	c := startClient(t, Options{StdlibDir: t.TempDir()})
	doc := protocol.TextDocumentItem{URI: uriOf(filepath.Join(dir, "rules.rules")), LanguageID: "stagecraft", Version: 1, Text: rules}
	c.conn.Notify(c.ctx, "textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: doc})
	c.call(t, "stagecraft/sync", nil)
	c.drain()

	if err := os.Remove(filepath.Join(dir, "people.rules")); err != nil {
		t.Fatal(err)
	}
	c.conn.Notify(c.ctx, "textDocument/didSave", protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: doc.URI}})
	c.call(t, "stagecraft/sync", nil)
	notes := strings.Join(c.drain(), "\n")
	if !strings.Contains(notes, "rules.rules") || !strings.Contains(notes, "anna") {
		t.Errorf("after people.rules was deleted and rules.rules saved: want a diagnostic on the use of anna, got:\n%s", notes)
	}
	if strings.Contains(notes, "cannot read") {
		t.Errorf("the deleted file must leave the workspace, not be reported unreadable:\n%s", notes)
	}
	c.call(t, "shutdown", nil)
}
