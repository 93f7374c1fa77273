package lsp

import (
	"path/filepath"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	ws "github.com/stagecraft/stagecraft/internal/workspace"
)

// The text synchronization notifications. Each updates a document, then
// checks its workspace and publishes what changed (diagnostics.go).

func (s *Server) didOpen(p *protocol.DidOpenTextDocumentParams) (any, error) {
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	if s.isStdlib(path) {
		return nil, nil // the built-in schema, opened from a definition: not checked (stdlib.go)
	}
	// A second open of the same document replaces the first: the client's
	// latest text is what counts.
	s.docs[path] = &document{path: path, version: p.TextDocument.Version, text: []byte(p.TextDocument.Text)}
	w := s.workspaceOf(path)
	w.set(path, loaded{text: s.docs[path].text})
	s.dropGone(w)
	return nil, s.publish(w)
}

// changeEvent is protocol.TextDocumentContentChangeEvent with a range that
// can be told apart from none: the protocol package's Range is a value, so
// a whole-text change would read as an insertion at 0:0.
type changeEvent struct {
	Range *protocol.Range `json:"range,omitempty"`
	Text  string          `json:"text"`
}

// whole reports whether the change is the document's whole text. A range
// of 0:0-0:0 is one too: clients written with go.lsp.dev/protocol cannot
// leave the range out, and send that.
func (c changeEvent) whole() bool { return c.Range == nil || *c.Range == (protocol.Range{}) }

type didChangeParams struct {
	TextDocument   protocol.VersionedTextDocumentIdentifier `json:"textDocument"`
	ContentChanges []changeEvent                            `json:"contentChanges"`
}

func (s *Server) didChange(p *didChangeParams) (any, error) {
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	if s.isStdlib(path) {
		return nil, nil
	}
	d := s.docs[path]
	if d == nil {
		// A change to a document never opened is a client's mistake; with
		// whole texts it can still be followed, so the diagnostics match
		// what the user sees. A ranged change has nothing to apply to.
		if len(p.ContentChanges) == 0 || !p.ContentChanges[0].whole() {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "didChange of %s, which was not opened: send didOpen first", path)
		}
		s.logf(protocol.MessageTypeWarning, "didChange of %s, which was not opened: taken as opened", path)
		d = &document{path: path}
		s.docs[path] = d
	}
	// The server asks for full texts (TextDocumentSyncKindFull), but a
	// client that sends ranges anyway is followed rather than corrupted.
	text := d.text
	for i, c := range p.ContentChanges {
		if c.whole() {
			text = []byte(c.Text)
			continue
		}
		start, end := offsetAt(text, c.Range.Start), offsetAt(text, c.Range.End)
		if end < start {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "change %d of %s: its range ends before it starts", i+1, path)
		}
		next := make([]byte, 0, len(text)-(end-start)+len(c.Text))
		next = append(append(append(next, text[:start]...), c.Text...), text[end:]...)
		text = next
	}
	d.text = text
	d.version = p.TextDocument.Version
	w := s.workspaceOf(path)
	w.set(path, loaded{text: d.text})
	return nil, s.publish(w)
}

func (s *Server) didSave(p *protocol.DidSaveTextDocumentParams) (any, error) {
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	if s.isStdlib(path) {
		return nil, nil
	}
	if d := s.docs[path]; d != nil && p.Text != "" {
		d.text = []byte(p.Text)
	}
	if s.markerMoved(path) {
		// Saving a workspace.rules created it: the files below it
		// change workspace.
		s.rehome()
	}
	w := s.workspaceOf(path)
	w.set(path, s.textOf(path))
	s.dropGone(w)
	return nil, s.publish(w)
}

func (s *Server) didClose(p *protocol.DidCloseTextDocumentParams) (any, error) {
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	if s.docs[path] == nil {
		return nil, nil // closing what is not open: nothing to do
	}
	delete(s.docs, path)
	w := s.workspaceOf(path)
	switch {
	case w.lone:
		// A file in no workspace is checked only while it is open: its
		// diagnostics go with it, as does the memory it took.
		delete(s.spaces, w.root)
		return nil, s.sweep()
	case !exists(path):
		w.remove(path) // an unsaved new file: its diagnostics go with it
	default:
		w.set(path, s.textOf(path)) // the disk's text counts again
	}
	return nil, s.publish(w)
}

// didChangeWatchedFiles follows files changed outside the editor: a file
// not open is read again, a deleted one leaves its workspace. A
// workspace.rules created or deleted moves files between workspaces; a
// changed .wasm module is read again by a full check of its workspace.
func (s *Server) didChangeWatchedFiles(p *protocol.DidChangeWatchedFilesParams) (any, error) {
	touched := map[*workspace]bool{}
	for _, ev := range p.Changes {
		path, err := pathOf(ev.URI)
		if err != nil {
			continue
		}
		if s.markerMoved(path) {
			s.rehome()
			return nil, nil // every workspace was reloaded from disk
		}
		if s.docs[path] != nil || s.isStdlib(path) {
			continue
		}
		if filepath.Ext(path) == ".wasm" {
			// A custom action's module changed (rebuilt, say): the checker
			// reads manifests only when it collects the declarations, so the
			// workspaces under it start over from a full check.
			for _, w := range s.spaces {
				if within(w.root, path) {
					w.inc, w.info = nil, nil
					touched[w] = true
				}
			}
			continue
		}
		for _, w := range s.spaces {
			if _, in := w.files[path]; in || ev.Type == protocol.FileChangeTypeCreated && !w.lone && within(w.root, path) && filepath.Ext(path) == ".rules" {
				if ev.Type == protocol.FileChangeTypeDeleted {
					w.remove(path)
				} else {
					w.set(path, s.textOf(path))
				}
				touched[w] = true
			}
		}
	}
	for w := range touched {
		if err := s.publish(w); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// markerMoved reports whether path is a workspace.rules that appeared or
// went away: one on disk without its workspace, or a workspace without
// one on disk. The event's kind is not trusted: editors that save by
// writing a new file and renaming it report a delete and a create for a
// file that merely changed, and reloading every workspace on each save
// of the schema would cost a full check.
func (s *Server) markerMoved(path string) bool {
	if filepath.Base(path) != ws.Marker {
		return false
	}
	w := s.spaces[filepath.Dir(path)]
	return isFile(path) != (w != nil && !w.lone)
}

// rehome reloads every workspace from disk after a workspace.rules
// appeared or disappeared: workspaces whose marker is gone are dropped,
// open files go to the workspace they now belong to, and files left in
// none have their diagnostics cleared. It is rare, so it is simple.
func (s *Server) rehome() {
	old := s.spaces
	s.spaces = map[string]*workspace{}
	s.rehoming = true
	defer func() { s.rehoming = false }()
	for _, w := range old {
		if !w.lone && isFile(filepath.Join(w.root, ws.Marker)) {
			s.workspaceOf(filepath.Join(w.root, ws.Marker))
		}
	}
	for path := range s.docs {
		s.workspaceOf(path)
	}
	for _, w := range s.spaces {
		if err := s.publish(w); err != nil {
			s.logf(protocol.MessageTypeError, "publishing diagnostics: %v", err)
		}
	}
	if err := s.sweep(); err != nil {
		s.logf(protocol.MessageTypeError, "publishing diagnostics: %v", err)
	}
}

// source returns the open or on-disk file at a URI, in its checked
// workspace.
func (s *Server) source(u protocol.DocumentURI) (*workspace, *source, error) {
	path, err := pathOf(u)
	if err != nil || s.isStdlib(path) {
		return nil, nil, err // the built-in schema: nothing to answer from (stdlib.go)
	}
	w := s.workspaceOf(path)
	w.check(s.u)
	return w, w.files[path], nil
}
