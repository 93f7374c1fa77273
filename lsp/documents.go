package lsp

import (
	"go.lsp.dev/protocol"
)

// The text synchronization notifications. Each updates a document, then
// checks its workspace and publishes what changed (diagnostics.go).

func (s *Server) didOpen(p *protocol.DidOpenTextDocumentParams) (any, error) {
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	s.docs[path] = &document{path: path, version: p.TextDocument.Version, text: []byte(p.TextDocument.Text)}
	w := s.workspaceOf(path)
	w.set(path, loaded{text: []byte(p.TextDocument.Text)})
	return nil, s.publish(w)
}

func (s *Server) didChange(p *protocol.DidChangeTextDocumentParams) (any, error) {
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	d := s.docs[path]
	if d == nil || len(p.ContentChanges) == 0 {
		return nil, nil // a change to a document not open: nothing to apply it to
	}
	// The server asks for full text (TextDocumentSyncKindFull): the last
	// change is the whole document.
	d.text = []byte(p.ContentChanges[len(p.ContentChanges)-1].Text)
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
	if d := s.docs[path]; d != nil && p.Text != "" {
		d.text = []byte(p.Text)
	}
	w := s.workspaceOf(path)
	w.set(path, s.textOf(path))
	return nil, s.publish(w)
}

func (s *Server) didClose(p *protocol.DidCloseTextDocumentParams) (any, error) {
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	delete(s.docs, path)
	w := s.workspaceOf(path)
	if !exists(path) {
		w.remove(path) // an unsaved new file: its diagnostics go with it
	} else {
		w.set(path, s.textOf(path)) // the disk's text counts again
	}
	return nil, s.publish(w)
}

// didChangeWatchedFiles follows files changed outside the editor: a file
// not open is read again, a deleted one leaves its workspace.
func (s *Server) didChangeWatchedFiles(p *protocol.DidChangeWatchedFilesParams) (any, error) {
	touched := map[*workspace]bool{}
	for _, ev := range p.Changes {
		path, err := pathOf(ev.URI)
		if err != nil || s.docs[path] != nil {
			continue
		}
		for _, w := range s.spaces {
			if _, in := w.files[path]; in || ev.Type == protocol.FileChangeTypeCreated && !w.lone && within(w.root, path) {
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

// source returns the open or on-disk file at a URI, in its checked
// workspace.
func (s *Server) source(u protocol.DocumentURI) (*workspace, *source, error) {
	path, err := pathOf(u)
	if err != nil {
		return nil, nil, err
	}
	w := s.workspaceOf(path)
	w.check(s.u)
	return w, w.files[path], nil
}
