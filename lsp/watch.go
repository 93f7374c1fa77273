package lsp

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"slices"

	"go.lsp.dev/protocol"
)

// File watching. The server follows workspace/didChangeWatchedFiles, but
// a client sends those only for the files a server asked it to watch:
// without a registration, files created, changed or deleted outside the
// editor went unnoticed (a deleted file's declarations stayed until the
// server restarted). So the server asks, after initialized, when the
// client says it can be asked (dynamicRegistration); a client that
// cannot still has the files it no longer finds dropped (dropGone).

// watchRegistration is the id of the one registration the server makes.
const watchRegistration = "stagecraft-watch-files"

// initializeParams is the part of initialize's params the server reads.
// It is its own type, decoded leniently: a client whose other
// capabilities go.lsp.dev/protocol cannot decode still gets a session.
type initializeParams struct {
	Capabilities struct {
		Workspace struct {
			DidChangeWatchedFiles struct {
				DynamicRegistration bool `json:"dynamicRegistration"`
			} `json:"didChangeWatchedFiles"`
		} `json:"workspace"`
	} `json:"capabilities"`
}

func (s *Server) readClientCapabilities(raw json.RawMessage) {
	var p initializeParams
	if json.Unmarshal(raw, &p) == nil {
		s.canWatch = p.Capabilities.Workspace.DidChangeWatchedFiles.DynamicRegistration
	}
}

// registerWatchers asks the client to report changes of the files that
// make a workspace: the sources, and custom actions' modules (a rebuilt
// .wasm is read again).
func (s *Server) registerWatchers() {
	if !s.canWatch {
		return
	}
	s.request("client/registerCapability", &protocol.RegistrationParams{Registrations: []protocol.Registration{{
		ID:     watchRegistration,
		Method: "workspace/didChangeWatchedFiles",
		RegisterOptions: &protocol.DidChangeWatchedFilesRegistrationOptions{Watchers: []protocol.FileSystemWatcher{
			{GlobPattern: "**/*.rules"},
			{GlobPattern: "**/*.wasm"},
		}},
	}}})
}

// dropGone removes from w the files not open in the editor that are no
// longer on disk: what a deletion event would have done, for a client
// that sent none. A stat per closed file, on open and save only, not on
// every keystroke.
func (s *Server) dropGone(w *workspace) {
	for _, p := range slices.Clone(w.paths) {
		if s.docs[p] != nil {
			continue
		}
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			w.remove(p)
		}
	}
}
