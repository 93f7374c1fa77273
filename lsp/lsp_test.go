package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/internal/golden"
)

// The protocol tests: each testdata/*.txtar holds a workspace (sections
// under ws/), a script of client messages (section "script") and the
// transcript the server answered with (section "transcript"), rewritten
// with -update. The client talks to Serve over a pipe, as an editor does.
//
// Script lines (positions are LSP's: 0-based line, UTF-16 character):
//
//	open FILE                    didOpen with the file's section (none: the disk's text)
//	change FILE SECTION          didChange to the text of another section
//	save FILE | close FILE
//	hover|complete|definition|references|prepareRename FILE LINE:CHAR
//	rename FILE LINE:CHAR NEWNAME
//	codeAction FILE LINE:CHAR LINE:CHAR
//	format|symbols|folding FILE
func TestProtocol(t *testing.T) {
	golden.Run(t, "testdata/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		dir := t.TempDir()
		ws := filepath.Join(dir, "ws")
		for _, f := range a.Files {
			if strings.HasPrefix(f.Name, "ws/") {
				p := filepath.Join(dir, f.Name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		c := startClient(t, Options{StdlibDir: filepath.Join(dir, "stdlib")})
		var out strings.Builder
		norm := func(s string) string {
			s = strings.ReplaceAll(s, string(uriOf(dir)), "file://$WORK")
			return strings.ReplaceAll(s, dir, "$WORK")
		}
		for _, line := range strings.Split(strings.TrimSpace(golden.Section(a, "script")), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			fmt.Fprintf(&out, "> %s\n", line)
			res := c.do(t, a, ws, line)
			for _, n := range c.drain() {
				fmt.Fprintf(&out, "< %s\n", norm(n))
			}
			if res != "" {
				out.WriteString(norm(res) + "\n")
			}
		}
		c.call(t, "shutdown", nil)
		for _, n := range c.drain() {
			fmt.Fprintf(&out, "< %s\n", norm(n))
		}
		return map[string]string{"transcript": out.String()}
	})
}

// client is the test's end of the pipe.
type client struct {
	conn  jsonrpc2.Conn
	mu    sync.Mutex
	notes []string
	ctx   context.Context
	done  chan error
}

func startClient(t *testing.T, opts Options) *client {
	t.Helper()
	return startClientWith(t, opts, map[string]any{})
}

// startClientWith starts a session whose client says it has caps (the
// initialize params' capabilities).
func startClientWith(t *testing.T, opts Options, caps map[string]any) *client {
	t.Helper()
	a, b := net.Pipe()
	ctx := context.Background()
	c := &client{ctx: ctx, done: make(chan error, 1)}
	go func() { c.done <- Serve(ctx, a, opts) }()
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(b))
	c.conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		c.mu.Lock()
		c.notes = append(c.notes, req.Method()+" "+compact(req.Params()))
		c.mu.Unlock()
		return reply(ctx, nil, nil)
	})
	t.Cleanup(func() {
		c.conn.Notify(ctx, "exit", nil)
		if err := <-c.done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		c.conn.Close()
	})
	c.call(t, "initialize", map[string]any{"processId": 1, "capabilities": caps})
	c.conn.Notify(ctx, "initialized", map[string]any{})
	return c
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

func (c *client) drain() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.notes
	c.notes = nil
	return n
}

// call sends a request and returns its result, indented, or its error.
func (c *client) call(t *testing.T, method string, params any) string {
	t.Helper()
	var res json.RawMessage
	_, err := c.conn.Call(c.ctx, method, params, &res)
	if err != nil {
		return "error: " + err.Error()
	}
	var b bytes.Buffer
	if err := json.Indent(&b, res, "", "  "); err != nil {
		return string(res)
	}
	return b.String()
}

func (c *client) do(t *testing.T, a *txtar.Archive, ws, line string) string {
	t.Helper()
	f := strings.Fields(line)
	if len(f) < 2 {
		t.Fatalf("bad script line %q", line)
	}
	file := filepath.Join(filepath.Dir(ws), f[1])
	doc := protocol.TextDocumentIdentifier{URI: uriOf(file)}
	pos := func(i int) protocol.Position {
		if len(f) <= i {
			t.Fatalf("%q: want LINE:CHAR in field %d", line, i+1)
		}
		l, ch, _ := strings.Cut(f[i], ":")
		ln, err1 := strconv.Atoi(l)
		cn, err2 := strconv.Atoi(ch)
		if err1 != nil || err2 != nil {
			t.Fatalf("%q: bad position %q", line, f[i])
		}
		return protocol.Position{Line: uint32(ln), Character: uint32(cn)}
	}
	at := func() protocol.TextDocumentPositionParams {
		return protocol.TextDocumentPositionParams{TextDocument: doc, Position: pos(2)}
	}
	notify := func(method string, params any) string {
		if err := c.conn.Notify(c.ctx, method, params); err != nil {
			t.Fatal(err)
		}
		// A round trip: the server handles messages in order, so its
		// answer comes after every notification the one above caused.
		var ignored json.RawMessage
		c.conn.Call(c.ctx, "stagecraft/sync", nil, &ignored)
		return ""
	}
	switch f[0] {
	case "open":
		text := golden.Section(a, f[1])
		if text == "" {
			// a file of no section: one the server wrote (stdlib/crm.rules)
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			text = string(b)
		}
		return notify("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
			URI: doc.URI, LanguageID: "stagecraft", Version: 1, Text: text}})
	case "change":
		return notify("textDocument/didChange", protocol.DidChangeTextDocumentParams{
			TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: doc, Version: 2},
			ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: golden.Section(a, f[2])}}})
	case "save":
		return notify("textDocument/didSave", protocol.DidSaveTextDocumentParams{TextDocument: doc})
	case "close":
		return notify("textDocument/didClose", protocol.DidCloseTextDocumentParams{TextDocument: doc})
	case "hover":
		return c.call(t, "textDocument/hover", at())
	case "complete":
		res := c.call(t, "textDocument/completion", protocol.CompletionParams{TextDocumentPositionParams: at()})
		var list protocol.CompletionList
		if err := json.Unmarshal([]byte(res), &list); err != nil {
			return res
		}
		// One line per item, to keep the transcripts readable:
		// label, detail, and the edit when it differs from the label.
		var b strings.Builder
		for _, it := range list.Items {
			fmt.Fprintf(&b, "%s | %s", it.Label, it.Detail)
			if it.TextEdit != nil && it.TextEdit.NewText != it.Label {
				fmt.Fprintf(&b, " | %q at %d:%d-%d:%d", it.TextEdit.NewText, it.TextEdit.Range.Start.Line, it.TextEdit.Range.Start.Character,
					it.TextEdit.Range.End.Line, it.TextEdit.Range.End.Character)
			}
			b.WriteByte('\n')
		}
		return strings.TrimSuffix(b.String(), "\n")
	case "definition":
		return c.call(t, "textDocument/definition", at())
	case "references":
		return c.call(t, "textDocument/references", protocol.ReferenceParams{TextDocumentPositionParams: at(),
			Context: protocol.ReferenceContext{IncludeDeclaration: true}})
	case "prepareRename":
		return c.call(t, "textDocument/prepareRename", at())
	case "rename":
		if len(f) < 4 {
			t.Fatalf("%q: rename FILE LINE:CHAR NEWNAME", line)
		}
		return c.call(t, "textDocument/rename", protocol.RenameParams{TextDocumentPositionParams: at(), NewName: strings.Join(f[3:], " ")})
	case "codeAction":
		return c.call(t, "textDocument/codeAction", protocol.CodeActionParams{TextDocument: doc,
			Range: protocol.Range{Start: pos(2), End: pos(3)}})
	case "format":
		return c.call(t, "textDocument/formatting", protocol.DocumentFormattingParams{TextDocument: doc})
	case "symbols":
		return c.call(t, "textDocument/documentSymbol", protocol.DocumentSymbolParams{TextDocument: doc})
	case "folding":
		return c.call(t, "textDocument/foldingRange", protocol.FoldingRangeParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{TextDocument: doc}})
	case "raw":
		return c.call(t, f[1], json.RawMessage(strings.Join(f[2:], " ")))
	}
	t.Fatalf("unknown script command %q", f[0])
	return ""
}
