// Package lsp is stagecraft's language server: what `stagecraft lsp` runs
// over stdio for editors. It speaks the Language Server Protocol (the
// transport and the message types come from go.lsp.dev) and answers from
// the same front end as the CLI: the parser, the checker's side tables
// (Info.Defs and Info.Uses) and the printer of `fmt`, so that an editor
// shows what `stagecraft check` prints, at the same UTF-16 ranges.
//
// A file belongs to the workspace that package internal/workspace finds
// for it (the nearest folder holding workspace.rules); the whole workspace
// is checked on every change, files not open in the editor included. Each
// file's parse is kept until its text changes, and each rule's until its
// own text changes, so that an edit parses the rules it changed and
// re-checks the files it can affect (spec/lsp.md, Speed).
//
// Messages are handled one at a time, in the order they arrive: a change
// is checked and its diagnostics are published before the next request
// is read, so that every answer sees the text the client last sent.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/internal/compile"
)

// Options configure a Server.
type Options struct {
	// StdlibDir is the folder where the built-in schema (stdlib/crm.rules,
	// compiled into the binary) is written so that go-to-definition on a
	// built-in field has a file to open. Empty: a folder of the user's
	// cache (os.UserCacheDir).
	StdlibDir string
	// MaxMessage is the largest message, in bytes, the client may send;
	// a larger one ends the session with ErrMessageTooLarge before its
	// body is read. 0 means DefaultMaxMessage (16 MiB).
	MaxMessage int64
	// GCPercent is the garbage collector's target (debug.SetGCPercent)
	// while Serve runs, unless GOGC is set in the environment, which wins;
	// 0 means DefaultGCPercent; negative: Go's own setting is left alone.
	GCPercent int
}

// DefaultGCPercent is the garbage collector's target while Serve runs.
// An edit of a 5,000-rule workspace leaves about 2 MB of garbage over a
// live heap of about 20 MB: at Go's default of 100 the collector runs
// every few edits and takes a fifth of an edit's CPU (BenchmarkEdit: 5.5
// to 6.5 ms of CPU an edit at 100, 4.2 to 5 at 400). The heap grows to
// five times the live one between collections; GOMEMLIMIT still caps it.
const DefaultGCPercent = 400

// Server is one client's session. Its methods are called by Serve's
// connection, one message at a time.
type Server struct {
	mu      sync.Mutex
	opts    Options
	u       *check.Universe
	state   lifecycle
	docs    map[string]*document  // open documents, by absolute path
	spaces  map[string]*workspace // by root (or by path, for a file in no workspace)
	notify  func(method string, params any) error
	request func(method string, params any) // a request to the client, answered later (watch.go)
	stdPath string                          // the path crm.rules was written to, once it was

	canWatch bool // the client takes a registration of watched files (watch.go)

	// published is, by path, a fingerprint of the diagnostics last sent,
	// for the whole session: a file may move between workspaces.
	published map[string]string
	rehoming  bool // rehome is reloading the workspaces

	// exitSeen is closed by the client's exit: Serve returns then, though
	// its stream's reader may stay blocked (stdin, whose Close cannot
	// stop a read in progress).
	exitSeen     chan struct{}
	exitSeenOnce sync.Once
}

type lifecycle int

const (
	starting lifecycle = iota // before initialize
	running
	shutDown // after shutdown, waiting for exit
	exited   // exit after shutdown
	aborted  // exit without shutdown
)

// document is a file open in the editor: its text is the editor's, not
// the disk's.
type document struct {
	path    string
	version int32
	text    []byte
}

// errExitWithoutShutdown is Serve's error when the client says exit
// without asking for shutdown first: LSP's exit code 1.
var errExitWithoutShutdown = errors.New("lsp: exit without shutdown")

// Serve runs a session over rwc (stdin and stdout for `stagecraft lsp`)
// until the client says exit or the stream ends. It returns nil after a
// shutdown and exit, as LSP asks.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	s, err := NewServer(opts)
	if err != nil {
		return err
	}
	if opts.GCPercent == 0 {
		opts.GCPercent = DefaultGCPercent
	}
	if _, set := os.LookupEnv("GOGC"); !set && opts.GCPercent > 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(opts.GCPercent))
	}
	conn := jsonrpc2.NewConn(newStream(rwc, opts.MaxMessage))
	s.notify = func(method string, params any) error { return conn.Notify(ctx, method, params) }
	s.request = func(method string, params any) {
		// Not waited for here: the answer is read by the loop that is
		// running this very handler, which would wait for itself.
		go func() {
			var ignored json.RawMessage
			if _, err := conn.Call(ctx, method, params, &ignored); err != nil {
				s.logf(protocol.MessageTypeWarning, "%s: %v", method, err)
			}
		}()
	}
	conn.Go(ctx, s.handle)
	select {
	case <-conn.Done():
	case <-s.exitSeen:
		// Closed without waiting for the reader: a stream like stdin
		// keeps it blocked until the process ends, which it does now.
		conn.Close()
	case <-ctx.Done():
		// Not waiting for the reader either (stdin: see above).
		conn.Close()
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case exited:
		return nil
	case aborted:
		return errExitWithoutShutdown
	}
	if err := conn.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("lsp: %w", err)
	}
	return errors.New("lsp: the client closed the stream without shutdown and exit")
}

// NewServer returns a server that is not connected: Serve connects one;
// tests and benchmarks may call Handle directly.
func NewServer(opts Options) (*Server, error) {
	u, err := compile.Universe()
	if err != nil {
		return nil, err
	}
	return &Server{opts: opts, u: u, docs: map[string]*document{}, spaces: map[string]*workspace{}, published: map[string]string{},
		notify: func(string, any) error { return nil }, request: func(string, any) {}, exitSeen: make(chan struct{})}, nil
}

// OnNotify sets where the server's notifications to the client go (for
// callers of Handle; Serve sends them on its connection).
func (s *Server) OnNotify(fn func(method string, params any) error) { s.notify = fn }

// logf sends window/logMessage: what the user should be able to find in
// the editor's log, such as why a notification was not followed.
func (s *Server) logf(typ protocol.MessageType, format string, args ...any) {
	s.notify("window/logMessage", &protocol.LogMessageParams{Type: typ, Message: "stagecraft: " + fmt.Sprintf(format, args...)})
}

// errNotInitialized is LSP's ServerNotInitialized.
const errNotInitialized jsonrpc2.Code = -32002

// Handle answers one message: the result of a request, or nil for a
// notification. It is exported for tests and benchmarks that drive a
// server without a stream.
func (s *Server) Handle(ctx context.Context, method string, params json.RawMessage) (res any, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		// A bug must not end the editor's session: the request fails with
		// what happened, the stack goes to stderr, and the workspaces,
		// which the panic may have left half-updated, are reloaded from
		// the open documents and the disk when next needed.
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "stagecraft lsp: panic in %s: %v\n%s", method, r, debug.Stack())
			s.spaces = map[string]*workspace{}
			res, err = nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "internal error in %s: %v (please report it)", method, r)
		}
	}()
	switch {
	case method == "initialize":
		if s.state != starting {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "initialize was already called")
		}
		s.state = running
		s.readClientCapabilities(params)
		return s.initialize(), nil
	case method == "exit":
		if s.state == shutDown {
			s.state = exited
		} else {
			s.state = aborted
		}
		s.exitSeenOnce.Do(func() { close(s.exitSeen) })
		return nil, nil
	case s.state == starting:
		return nil, jsonrpc2.Errorf(errNotInitialized, "%s before initialize", method)
	case s.state != running:
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "%s after shutdown", method)
	}
	h, ok := handlers[method]
	if !ok {
		return nil, errUnknownMethod
	}
	return h(s, ctx, params)
}

var errUnknownMethod = errors.New("unknown method")

// handle adapts Handle to jsonrpc2.
func (s *Server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	res, err := s.Handle(ctx, req.Method(), req.Params())
	_, isCall := req.(*jsonrpc2.Call)
	if errors.Is(err, errUnknownMethod) {
		if !isCall {
			return nil // an unknown notification ($/cancelRequest, $/setTrace, ...) is ignored, as LSP allows
		}
		err = jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "method not supported: %s", req.Method())
	}
	if !isCall {
		if err != nil {
			// A notification has no answer to carry its error: the
			// client's log does.
			s.logf(protocol.MessageTypeError, "%s: %v", req.Method(), err)
		}
		return nil
	}
	return reply(ctx, res, err)
}

// handler answers one method. A notification's result is ignored.
type handler func(s *Server, ctx context.Context, params json.RawMessage) (any, error)

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"initialized": func(s *Server, _ context.Context, _ json.RawMessage) (any, error) {
			s.registerWatchers()
			return nil, nil
		},
		"shutdown": func(s *Server, _ context.Context, _ json.RawMessage) (any, error) {
			s.state = shutDown
			return nil, nil
		},
		"textDocument/didOpen":                decoded((*Server).didOpen),
		"textDocument/didChange":              decoded((*Server).didChange),
		"textDocument/didSave":                decoded((*Server).didSave),
		"textDocument/didClose":               decoded((*Server).didClose),
		"workspace/didChangeWatchedFiles":     decoded((*Server).didChangeWatchedFiles),
		"textDocument/hover":                  decoded((*Server).hover),
		"textDocument/completion":             decoded((*Server).completion),
		"textDocument/definition":             decoded((*Server).definition),
		"textDocument/references":             decoded((*Server).references),
		"textDocument/prepareRename":          decoded((*Server).prepareRename),
		"textDocument/rename":                 decoded((*Server).rename),
		"textDocument/codeAction":             decoded((*Server).codeAction),
		"textDocument/formatting":             decoded((*Server).formatting),
		"textDocument/documentSymbol":         decoded((*Server).documentSymbol),
		"textDocument/foldingRange":           decoded((*Server).foldingRange),
		"workspace/didChangeWorkspaceFolders": func(*Server, context.Context, json.RawMessage) (any, error) { return nil, nil },
	}
}

// decoded wraps a typed method: its params are decoded first, and a
// decoding failure is LSP's InvalidParams with the reason.
func decoded[P any, R any](fn func(*Server, *P) (R, error)) handler {
	return func(s *Server, _ context.Context, raw json.RawMessage) (any, error) {
		var p P
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &p); err != nil {
				return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid params: %v", err)
			}
		}
		r, err := fn(s, &p)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}

func (s *Server) initialize() *protocol.InitializeResult {
	return &protocol.InitializeResult{
		ServerInfo: &protocol.ServerInfo{Name: "stagecraft"},
		Capabilities: protocol.ServerCapabilities{
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: true,
				Change:    protocol.TextDocumentSyncKindFull,
				Save:      &protocol.SaveOptions{IncludeText: true},
			},
			HoverProvider: true,
			CompletionProvider: &protocol.CompletionOptions{
				TriggerCharacters: []string{".", " ", "{", "\""},
			},
			DefinitionProvider:         true,
			ReferencesProvider:         true,
			RenameProvider:             &protocol.RenameOptions{PrepareProvider: true},
			CodeActionProvider:         &protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix, sourceFormat}},
			DocumentFormattingProvider: true,
			DocumentSymbolProvider:     true,
			FoldingRangeProvider:       true,
		},
	}
}

// sourceFormat is the kind of the "format document" code action.
const sourceFormat protocol.CodeActionKind = "source.format"

// pathOf turns a document URI into an absolute, clean path. Only file
// URIs name files that belong to a workspace.
func pathOf(u protocol.DocumentURI) (string, error) {
	s := string(u)
	if !strings.HasPrefix(s, "file://") {
		return "", jsonrpc2.Errorf(jsonrpc2.InvalidParams, "only file:// URIs are supported, got %q", s)
	}
	p := uri.URI(s).Filename()
	if !filepath.IsAbs(p) {
		return "", jsonrpc2.Errorf(jsonrpc2.InvalidParams, "the URI %q has no absolute path", s)
	}
	return filepath.Clean(p), nil
}

// uriOf is the URI of a path.
func uriOf(path string) protocol.DocumentURI { return protocol.DocumentURI(uri.File(path)) }
