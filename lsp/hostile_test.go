package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// Tests of clients that are clumsy or hostile: what editors and scripts
// really send. Each case that once broke the server (or answered wrongly)
// is here.

const hostileSchema = `pipeline deal Sales {
    stage New
    stage Won won
}

field deal.net: money "Net"
provider smsapi "SMSAPI"
`

// session is a client on a pipe, with helpers to send notifications in
// order and read the last diagnostics published for a file.
type session struct {
	*client
	t   *testing.T
	dir string
}

func newSession(t *testing.T, opts Options) *session {
	dir := t.TempDir()
	if opts.StdlibDir == "" {
		opts.StdlibDir = filepath.Join(dir, ".stdlib")
	}
	c := startClient(t, opts)
	t.Cleanup(func() { c.call(t, "shutdown", nil) }) // runs before startClient's exit
	return &session{client: c, t: t, dir: dir}
}

func (s *session) write(name, text string) string {
	s.t.Helper()
	p := filepath.Join(s.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// notify sends a notification, then a round trip, so that everything the
// notification caused has arrived when it returns.
func (s *session) notify(method string, params any) {
	s.t.Helper()
	if err := s.conn.Notify(s.ctx, method, params); err != nil {
		s.t.Fatal(err)
	}
	s.sync()
}

func (s *session) sync() {
	var ignored json.RawMessage
	s.conn.Call(s.ctx, "stagecraft/sync", nil, &ignored)
}

func (s *session) open(path, text string) {
	s.notify("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: uriOf(path), LanguageID: "stagecraft", Version: 1, Text: text}})
}

func (s *session) change(path string, version int32, text string) {
	s.notify("textDocument/didChange", protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uriOf(path)}, Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: text}}})
}

// diags returns the diagnostics last published for path since the last
// drain, and whether any were.
func (s *session) diags(path string) ([]protocol.Diagnostic, bool) {
	s.t.Helper()
	var last []protocol.Diagnostic
	found := false
	for _, n := range s.drain() {
		method, params, _ := strings.Cut(n, " ")
		if method != "textDocument/publishDiagnostics" {
			continue
		}
		var p protocol.PublishDiagnosticsParams
		if err := json.Unmarshal([]byte(params), &p); err != nil {
			s.t.Fatal(err)
		}
		if p.URI == uriOf(path) {
			last, found = p.Diagnostics, true
		}
	}
	return last, found
}

// codes lists the diagnostics' codes and ranges, for comparisons.
func codes(ds []protocol.Diagnostic) string {
	var b []string
	for _, d := range ds {
		b = append(b, fmt.Sprintf("%v@%d:%d-%d:%d", d.Code, d.Range.Start.Line, d.Range.Start.Character, d.Range.End.Line, d.Range.End.Character))
	}
	return strings.Join(b, " ")
}

// request calls a method and returns its raw result or its error.
func (s *session) request(method string, params any) (json.RawMessage, error) {
	var res json.RawMessage
	_, err := s.conn.Call(s.ctx, method, params, &res)
	return res, err
}

// isNull reports whether a result is null (no answer).
func isNull(res json.RawMessage) bool { return len(res) == 0 || string(res) == "null" }

func errCode(err error) jsonrpc2.Code {
	var e *jsonrpc2.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func at(path string, line, char uint32) protocol.TextDocumentPositionParams {
	return protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: uriOf(path)},
		Position: protocol.Position{Line: line, Character: char}}
}

// Positions past the end of a line or of the file, and in the middle of a
// surrogate pair, are answered (LSP: clamp to the line's end), never an
// error or a crash.
func TestPositionsOutOfRange(t *testing.T) {
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema)
	p := s.write("a.rules", "")
	text := "on stage New: send sms text \"😀😀 {deal.net}\"\n"
	s.open(p, text)
	for _, pos := range [][2]uint32{{0, 0}, {0, 29}, {0, 30}, {0, 31}, {0, 1000}, {1, 0}, {1, 5}, {50, 0}, {1 << 31, 1 << 31}} {
		for _, m := range []string{"textDocument/hover", "textDocument/completion", "textDocument/definition", "textDocument/references", "textDocument/prepareRename"} {
			params := map[string]any{"textDocument": map[string]any{"uri": uriOf(p)}, "position": map[string]any{"line": pos[0], "character": pos[1]},
				"context": map[string]any{"includeDeclaration": true}}
			if _, err := s.request(m, params); err != nil && !(m == "textDocument/prepareRename" && errCode(err) == jsonrpc2.InvalidRequest) {
				t.Errorf("%s at %v: %v", m, pos, err)
			}
		}
	}
	// A negative or fractional position is invalid params, not a crash.
	_, err := s.request("textDocument/hover", json.RawMessage(fmt.Sprintf(`{"textDocument":{"uri":%q},"position":{"line":-1,"character":0.5}}`, uriOf(p))))
	if errCode(err) != jsonrpc2.InvalidParams {
		t.Errorf("hover at -1:0.5: %v, want InvalidParams", err)
	}
}

func TestOffsetAt(t *testing.T) {
	text := []byte("a😀b\r\nxy\n")
	for _, c := range []struct {
		line, char uint32
		want       int
	}{
		{0, 0, 0}, {0, 1, 1},
		{0, 2, 5}, // the middle of the pair: after it, never inside its bytes
		{0, 3, 5}, {0, 4, 6},
		{0, 5, 6}, {0, 99, 6}, // past the end: before the \r of \r\n
		{1, 0, 8}, {1, 2, 10}, {1, 9, 10},
		{2, 0, 11}, {3, 4, 11}, // past the last line: the end
	} {
		if got := offsetAt(text, protocol.Position{Line: c.line, Character: c.char}); got != c.want {
			t.Errorf("offsetAt(%d:%d) = %d, want %d", c.line, c.char, got, c.want)
		}
	}
}

// A change to a document the client never opened is applied as if it had
// been opened (the client sends full text): its diagnostics appear.
func TestChangeWithoutOpen(t *testing.T) {
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema)
	p := s.write("a.rules", "on stage New: send sms text \"hi\"\n")
	s.change(p, 7, "on stage Nope: send sms text \"hi\"\n")
	ds, ok := s.diags(p)
	if !ok || len(ds) != 1 || ds[0].Code != "E102" {
		t.Fatalf("diagnostics after a change without open: %v %s", ok, codes(ds))
	}
	// The second open of a document replaces the first's text.
	s.open(p, "on stage New: send sms text \"hi\"\n")
	s.open(p, "on stage Nix: send sms text \"hi\"\n")
	if ds, _ := s.diags(p); len(ds) != 1 {
		t.Fatalf("after two opens: %s", codes(ds))
	}
}

// A ranged change (from a client that ignores the sync kind) is applied
// where it says, in UTF-16 units.
func TestRangedChange(t *testing.T) {
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema)
	p := s.write("a.rules", "")
	s.open(p, "on stage New: send sms text \"😀\"\n")
	s.diags(p)
	s.notify("textDocument/didChange", json.RawMessage(fmt.Sprintf(`{"textDocument":{"uri":%q,"version":2},"contentChanges":[
		{"range":{"start":{"line":0,"character":9},"end":{"line":0,"character":12}},"text":"Nope"},
		{"range":{"start":{"line":0,"character":31},"end":{"line":0,"character":31}},"text":"!"},
		{"range":{"start":{"line":0,"character":14},"end":{"line":0,"character":14}},"text":"  "}]}`, uriOf(p))))
	ds, _ := s.diags(p)
	if codes(ds) != "E102@0:9-0:13" {
		t.Fatalf("after ranged changes: %s", codes(ds))
	}
	res, err := s.request("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uriOf(p)}})
	if err != nil || !strings.Contains(string(res), `on stage Nope: send sms text \"😀!\"`) {
		t.Fatalf("the text after ranged changes: %s %v", res, err)
	}
}

// Files move between workspaces when a workspace.rules appears or goes
// away, whether the client reports it (didChangeWatchedFiles) or not; a
// file in no workspace is checked alone, and its diagnostics go when it
// is closed.
func TestWorkspaceMarker(t *testing.T) {
	for _, watched := range []bool{true, false} {
		t.Run(fmt.Sprint("watched=", watched), func(t *testing.T) {
			s := newSession(t, Options{})
			p := s.write("sub/a.rules", "on stage New: send sms text \"hi\"\n")
			s.open(p, "on stage New: send sms text \"hi\"\n")
			if ds, _ := s.diags(p); codes(ds) != "E102@0:9-0:12" {
				t.Fatalf("alone: %s", codes(ds))
			}
			marker := s.write("workspace.rules", hostileSchema)
			event := func(typ protocol.FileChangeType) {
				if watched {
					s.notify("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{{URI: uriOf(marker), Type: typ}}})
				} else {
					s.change(p, 2, "on stage New: send sms text \"hi\"\n")
				}
			}
			event(protocol.FileChangeTypeCreated)
			if ds, ok := s.diags(p); !ok || len(ds) != 0 {
				t.Fatalf("in the new workspace: %v %s", ok, codes(ds))
			}
			if err := os.Remove(marker); err != nil {
				t.Fatal(err)
			}
			s.drain()
			event(protocol.FileChangeTypeDeleted)
			notes := s.drain()
			// The file is alone again; workspace.rules, deleted, has its
			// (empty) diagnostics cleared.
			var got []string
			for _, n := range notes {
				if strings.HasPrefix(n, "textDocument/publishDiagnostics") {
					got = append(got, n)
				}
			}
			sort.Strings(got)
			if len(got) != 2 || !strings.Contains(got[0], `a.rules","version":`) || !strings.Contains(got[0], `"E102"`) ||
				!strings.Contains(got[1], `workspace.rules","diagnostics":[]}`) {
				t.Fatalf("after the marker went: %q", got)
			}
			s.notify("textDocument/didClose", protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: uriOf(p)}})
			if ds, ok := s.diags(p); !ok || len(ds) != 0 {
				t.Fatalf("closing a lone file clears its diagnostics: %v %s", ok, codes(ds))
			}
		})
	}
}

// A rename in the editor is a close, a delete, a create and an open: the
// old name's diagnostics are cleared, the new one's published.
func TestRenameFile(t *testing.T) {
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema)
	old := s.write("a.rules", "on stage Nope: send sms text \"hi\"\n")
	s.open(old, "on stage Nope: send sms text \"hi\"\n")
	s.diags(old)
	nu := filepath.Join(s.dir, "b.rules")
	if err := os.Rename(old, nu); err != nil {
		t.Fatal(err)
	}
	s.notify("textDocument/didClose", protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: uriOf(old)}})
	s.notify("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{
		{URI: uriOf(old), Type: protocol.FileChangeTypeDeleted}, {URI: uriOf(nu), Type: protocol.FileChangeTypeCreated}}})
	s.open(nu, "on stage Nope: send sms text \"hi\"\n")
	notes := strings.Join(s.drain(), "\n")
	if !strings.Contains(notes, string(uriOf(old))+`","diagnostics":[]`) {
		t.Errorf("the old name's diagnostics are not cleared:\n%s", notes)
	}
	if !strings.Contains(notes, string(uriOf(nu))) || strings.Count(notes, `"E102"`) != 1 {
		t.Errorf("the new name's diagnostics, once:\n%s", notes)
	}
}

// An empty file, and a file over the parser's 1 MiB limit, get answers:
// the huge one its one diagnostic, quickly, and no crash anywhere.
func TestEmptyAndHugeFiles(t *testing.T) {
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema)
	p := s.write("empty.rules", "")
	s.open(p, "")
	if ds, ok := s.diags(p); !ok || len(ds) != 0 {
		t.Fatalf("empty file: %v %s", ok, codes(ds))
	}
	for _, m := range []string{"textDocument/hover", "textDocument/completion", "textDocument/definition"} {
		if _, err := s.request(m, at(p, 0, 0)); err != nil {
			t.Errorf("%s in an empty file: %v", m, err)
		}
	}
	for _, m := range []string{"textDocument/documentSymbol", "textDocument/foldingRange", "textDocument/formatting"} {
		if res, err := s.request(m, map[string]any{"textDocument": map[string]any{"uri": uriOf(p)}}); err != nil || isNull(res) {
			t.Errorf("%s of an empty file: %s %v", m, res, err)
		}
	}
	huge := s.write("huge.rules", "")
	line := "on stage New: send sms text \"hello\"\n"
	text := strings.Repeat(line, 5<<20/len(line)+1)
	s.open(huge, text)
	ds, _ := s.diags(huge)
	if codes(ds) != "E090@0:0-0:0" {
		t.Fatalf("a 5 MB file: %s", codes(ds))
	}
	last := uint32(strings.Count(text, "\n"))
	if _, err := s.request("textDocument/completion", at(huge, last-1, 14)); err != nil {
		t.Errorf("completion in a 5 MB file: %v", err)
	}
}

// Ranges are right in a file with \r\n line ends, and after a byte-order
// mark, which counts as one UTF-16 unit as editors that keep it count it.
func TestCRLFAndBOM(t *testing.T) {
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema)
	p := s.write("a.rules", "")
	crlf := "# a comment\r\non stage New: send sms text \"hi\"\r\non stage Nope: send sms text \"hi\"\r\n"
	s.open(p, crlf)
	if ds, _ := s.diags(p); codes(ds) != "E102@2:9-2:13" {
		t.Fatalf("CRLF: %s", codes(ds))
	}
	res, err := s.request("textDocument/hover", at(p, 1, 10))
	if err != nil || !strings.Contains(string(res), `"range":{"start":{"line":1,"character":9},"end":{"line":1,"character":12}}`) {
		t.Errorf("hover in a CRLF file: %s %v", res, err)
	}
	res, err = s.request("textDocument/completion", at(p, 1, 99))
	if err != nil || !strings.Contains(string(res), `"range":{"start":{"line":1,"character":32},"end":{"line":1,"character":32}}`) && string(res) != `{"isIncomplete":false,"items":[]}` {
		t.Errorf("completion past the end of a CRLF line: %s %v", res, err)
	}
	res, err = s.request("textDocument/formatting", map[string]any{"textDocument": map[string]any{"uri": uriOf(p)}})
	if err != nil {
		t.Errorf("formatting a CRLF file: %v", err)
	}
	_ = res
	// A byte-order mark is not counted, as check --format=json does not
	// count it (editors do not show it): a position sent back names the
	// same place.
	s.change(p, 2, "\ufeffon stage Nope: send sms text \"hi\"\n")
	if ds, _ := s.diags(p); codes(ds) != "E102@0:9-0:13" {
		t.Fatalf("BOM: %s", codes(ds))
	}
	s.change(p, 3, "\ufeffon stage New: send sms text \"hi\"\n")
	res, err = s.request("textDocument/hover", at(p, 0, 9))
	if err != nil || !strings.Contains(string(res), `"range":{"start":{"line":0,"character":9},"end":{"line":0,"character":12}}`) {
		t.Errorf("hover after a BOM: %s %v", res, err)
	}
}

// Rename refuses a name that is taken (two stages, fields or resources
// of one name would not check) or a keyword, with a reason.
func TestRenameRefused(t *testing.T) {
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema+"employee anna \"Anna\" { email \"anna@example.com\" }\nfield deal.gross: money \"Gross\"\n")
	p := s.write("a.rules", "")
	s.open(p, "on stage New if deal.net > 0: send sms text \"hi\" as sent_sms\non stage New then: send sms text \"{sent_sms.status}\"\non stage New: assign task to anna title \"x\"\n")
	for _, c := range []struct {
		line, char uint32
		name, want string
	}{
		{0, 10, "Won", "stage Won already exists"},
		{0, 10, "won", ""}, // a keyword as a stage name is quoted: "won"
		{0, 21, "gross", "field deal.gross already exists"},
		{0, 21, "amount", "field deal.amount already exists"},
		{0, 21, "then", "is a keyword"},
		{2, 30, "smsapi", "smsapi already exists"},
		{2, 30, "9lives", "invalid name"},
		{0, 21, "", "invalid name"},
	} {
		res, err := s.request("textDocument/rename", protocol.RenameParams{TextDocumentPositionParams: at(p, c.line, c.char), NewName: c.name})
		if c.want == "" {
			if err != nil {
				t.Errorf("rename %d:%d to %q: %v", c.line, c.char, c.name, err)
			}
			continue
		}
		if err == nil || errCode(err) != jsonrpc2.InvalidParams || !strings.Contains(err.Error(), c.want) {
			t.Errorf("rename %d:%d to %q: %s %v, want InvalidParams %q", c.line, c.char, c.name, res, err, c.want)
		}
	}
}

// Completion offers nothing inside a comment or a plain string, and the
// declaration keywords at column 0 and at the end of the file.
func TestCompletionPlaces(t *testing.T) {
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema)
	p := s.write("a.rules", "")
	s.open(p, "# on stage \non stage New: send sms text \"on stage \" # send \n\n")
	labels := func(line, char uint32) string {
		res, err := s.request("textDocument/completion", at(p, line, char))
		if err != nil {
			t.Fatalf("completion at %d:%d: %v", line, char, err)
		}
		var list protocol.CompletionList
		json.Unmarshal(res, &list)
		var out []string
		for _, it := range list.Items {
			out = append(out, it.Label)
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		line, char uint32
		want       string
	}{
		{0, 11, ""},                      // in a comment
		{1, 41, ""},                      // in a string
		{1, 52, ""},                      // in a trailing comment
		{1, 0, "on stage,move to stage"}, // column 0: the declarations
		{3, 0, "on stage,move to stage"}, // the end of the file
	} {
		got := labels(c.line, c.char)
		if !strings.HasPrefix(got, c.want) || c.want == "" && got != "" {
			t.Errorf("completion at %d:%d: %q, want %q...", c.line, c.char, got, c.want)
		}
	}
	// Hover on blank space and on a keyword: no answer, no error.
	for _, pos := range [][2]uint32{{2, 0}, {1, 1}, {1, 40}} {
		if res, err := s.request("textDocument/hover", at(p, pos[0], pos[1])); err != nil || !isNull(res) {
			t.Errorf("hover at %v: %s %v", pos, res, err)
		}
	}
}

// The lifecycle: requests after shutdown fail with InvalidRequest,
// unknown requests with MethodNotFound; unknown notifications and
// cancellations are ignored and the session goes on.
func TestLifecycleAndUnknown(t *testing.T) {
	c := startClient(t, Options{StdlibDir: t.TempDir()})
	s := &session{client: c, t: t, dir: t.TempDir()}
	if _, err := s.request("textDocument/unknown", map[string]any{}); errCode(err) != jsonrpc2.MethodNotFound {
		t.Errorf("unknown request: %v, want MethodNotFound", err)
	}
	s.notify("$/unknownNotification", map[string]any{"x": 1})
	s.notify("$/cancelRequest", map[string]any{"id": 99})
	s.notify("$/cancelRequest", map[string]any{"id": "no such"})
	if notes := s.drain(); len(notes) != 0 {
		t.Errorf("ignored notifications caused %q", notes)
	}
	// A notification the server cannot follow is logged, not silent.
	s.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": "untitled:1", "text": ""}})
	if notes := strings.Join(s.drain(), "\n"); !strings.Contains(notes, "window/logMessage") || !strings.Contains(notes, "only file:// URIs") {
		t.Errorf("a didOpen of an untitled document: %q", notes)
	}
	if _, err := s.request("initialize", map[string]any{}); errCode(err) != jsonrpc2.InvalidRequest {
		t.Errorf("a second initialize: %v", err)
	}
	if _, err := s.request("shutdown", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.request("textDocument/hover", at("/x.rules", 0, 0)); errCode(err) != jsonrpc2.InvalidRequest {
		t.Errorf("hover after shutdown: %v, want InvalidRequest", err)
	}
}

// Requests from many goroutines at once, changes among them, all get
// their answers (the server takes them in turn; run with -race).
func TestConcurrentRequests(t *testing.T) {
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema)
	p := s.write("a.rules", "")
	s.open(p, "on stage New: send sms text \"{deal.net}\"\n")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if g%4 == 0 {
					text := fmt.Sprintf("on stage New: send sms text \"{deal.net} %d\"\n", i)
					if err := s.conn.Notify(s.ctx, "textDocument/didChange", map[string]any{
						"textDocument":   map[string]any{"uri": uriOf(p), "version": i},
						"contentChanges": []map[string]any{{"text": text}}}); err != nil {
						errs <- err
					}
					continue
				}
				if _, err := s.request("textDocument/hover", at(p, 0, 32)); err != nil {
					errs <- err
				}
				if _, err := s.request("textDocument/completion", at(p, 0, 34)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A panic in a handler fails that request with InternalError and leaves
// the session working.
func TestPanicRecovered(t *testing.T) {
	handlers["test/panic"] = func(*Server, context.Context, json.RawMessage) (any, error) { panic("boom") }
	defer delete(handlers, "test/panic")
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema)
	p := s.write("a.rules", "on stage Nope: send sms text \"hi\"\n")
	s.open(p, "on stage Nope: send sms text \"hi\"\n")
	if _, err := s.request("test/panic", nil); errCode(err) != jsonrpc2.InternalError || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("a panicking handler: %v", err)
	}
	if res, err := s.request("textDocument/hover", at(p, 0, 10)); err != nil || !isNull(res) {
		t.Fatalf("after a panic: %s %v", res, err)
	}
	s.change(p, 2, "on stage New: send sms text \"hi\"\n")
	if ds, ok := s.diags(p); !ok || len(ds) != 0 {
		t.Fatalf("after a panic, a change is checked: %v %s", ok, codes(ds))
	}
}

// Saving workspace.rules, or an editor's save that reports a delete and a
// create of it, re-reads it in its workspace: the workspaces are not
// reloaded from disk (a full parse and check of every file).
func TestMarkerSaveKeepsWorkspace(t *testing.T) {
	s, err := NewServer(Options{StdlibDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "workspace.rules")
	write(t, marker, hostileSchema)
	a := filepath.Join(dir, "a.rules")
	write(t, a, "on stage Won: send sms text \"hi\"\n")
	call := func(method string, params any) {
		raw, _ := json.Marshal(params)
		if _, err := s.Handle(context.Background(), method, raw); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
	}
	call("initialize", map[string]any{})
	call("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: uriOf(marker), Version: 1, Text: hostileSchema}})
	w := s.workspaceOf(marker)
	renamed := strings.Replace(hostileSchema, "stage Won won", "stage Won2 won", 1)
	write(t, marker, renamed)
	call("textDocument/didSave", protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: uriOf(marker)}, Text: renamed})
	call("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{
		{URI: uriOf(marker), Type: protocol.FileChangeTypeDeleted}, {URI: uriOf(marker), Type: protocol.FileChangeTypeCreated}}})
	if s.workspaceOf(marker) != w {
		t.Fatal("saving workspace.rules reloaded the workspaces")
	}
	// The closed file sees the saved schema: its stage is gone.
	w.check(s.u)
	if ds := w.diags[a]; len(ds) != 1 || ds[0].Code != "E102" {
		t.Fatalf("a.rules after the schema changed: %v", ds)
	}
}

// A custom action's module built (or rebuilt) after the workspace was
// checked: the watched-file event makes the workspace read it again, so
// its E008 goes, although no rules file changed.
func TestModuleRebuilt(t *testing.T) {
	mod, err := os.ReadFile("../examples/actions/wat/rabat.wasm")
	if err != nil {
		t.Fatal(err)
	}
	s := newSession(t, Options{})
	schema := hostileSchema + "action rabat \"m.wasm\"\n"
	p := s.write("workspace.rules", schema)
	s.open(p, schema)
	if ds, _ := s.diags(p); !strings.Contains(codes(ds), "E008") {
		t.Fatalf("a missing module: %s", codes(ds))
	}
	m := filepath.Join(s.dir, "m.wasm")
	if err := os.WriteFile(m, mod, 0o644); err != nil {
		t.Fatal(err)
	}
	s.notify("workspace/didChangeWatchedFiles", protocol.DidChangeWatchedFilesParams{Changes: []*protocol.FileEvent{{URI: uriOf(m), Type: protocol.FileChangeTypeCreated}}})
	if _, err := s.request("textDocument/hover", at(p, 0, 0)); err != nil { // answered in order: the event is done
		t.Fatal(err)
	}
	if ds, ok := s.diags(p); !ok || strings.Contains(codes(ds), "E008") {
		t.Fatalf("the module built: %v %s", ok, codes(ds))
	}
}

// TestRenameWithUnparsedUse: a rename is refused while a line that does
// not parse writes the name, which the checker resolved nothing in and a
// rename would leave as it is; fixed, the rename goes on.
func TestRenameWithUnparsedUse(t *testing.T) {
	s := newSession(t, Options{})
	s.write("workspace.rules", hostileSchema)
	p := s.write("a.rules", "")
	s.open(p, "on stage New: send sms text \"a\"\nr1: on stage New after 1,5d: send sms text \"b\"\n")
	_, err := s.request("textDocument/rename", protocol.RenameParams{TextDocumentPositionParams: at(p, 0, 10), NewName: "Fresh"})
	if err == nil || errCode(err) != jsonrpc2.InvalidRequest || !strings.Contains(err.Error(), "a.rules:2, which does not parse, writes it") {
		t.Fatalf("rename with New in a line that does not parse: %v", err)
	}
	s.change(p, 2, "on stage New: send sms text \"a\"\nr1: on stage New after 1d12h: send sms text \"b\"\n")
	res, err := s.request("textDocument/rename", protocol.RenameParams{TextDocumentPositionParams: at(p, 0, 10), NewName: "Fresh"})
	if err != nil || !strings.Contains(string(res), "Fresh") {
		t.Fatalf("rename once the line parses: %s %v", res, err)
	}
}
