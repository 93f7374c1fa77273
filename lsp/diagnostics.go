package lsp

import (
	"encoding/json"
	"path/filepath"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/lang/diag"
)

// publish checks a workspace and sends textDocument/publishDiagnostics for
// every file whose diagnostics changed since they were last sent,
// including an empty list for a file that no longer has any.
func (s *Server) publish(w *workspace) error {
	w.check(s.u)
	for _, p := range w.paths {
		if err := s.publishFile(w, p); err != nil {
			return err
		}
	}
	return s.sweep()
}

// sweep clears the diagnostics of files that are in no workspace any
// more: deleted, closed outside any workspace, or in a workspace whose
// workspace.rules went away. What was published is kept per path for the
// whole session, not per workspace, since a file can change workspace.
func (s *Server) sweep() error {
	for p := range s.published {
		held := false
		for _, w := range s.spaces {
			if _, in := w.files[p]; in {
				held = true
				break
			}
		}
		if held {
			continue
		}
		delete(s.published, p)
		if err := s.notify("textDocument/publishDiagnostics", &protocol.PublishDiagnosticsParams{URI: uriOf(p), Diagnostics: []protocol.Diagnostic{}}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) publishFile(w *workspace, path string) error {
	ds := w.lspDiagnostics(path)
	b, err := json.Marshal(ds)
	if err != nil {
		return err
	}
	if prev, ok := s.published[path]; ok && prev == string(b) {
		return nil
	}
	s.published[path] = string(b)
	params := &protocol.PublishDiagnosticsParams{URI: uriOf(path), Diagnostics: ds}
	if d := s.docs[path]; d != nil {
		params.Version = uint32(d.version)
	}
	return s.notify("textDocument/publishDiagnostics", params)
}

// lspDiagnostics renders a file's diagnostics as diag.ToLSP does for
// `check --format=json`, with file names of related places made URIs.
func (w *workspace) lspDiagnostics(path string) []protocol.Diagnostic {
	out := []protocol.Diagnostic{}
	for _, d := range diag.ToLSP(w.fset, w.diags[path]) {
		pd := protocol.Diagnostic{
			Range:    toRange(d.Range),
			Severity: protocol.DiagnosticSeverity(d.Severity),
			Code:     string(d.Code),
			Source:   d.Source,
			Message:  d.Message,
		}
		for _, r := range d.RelatedInformation {
			pd.RelatedInformation = append(pd.RelatedInformation, protocol.DiagnosticRelatedInformation{
				Location: protocol.Location{URI: uriOfName(r.Location.URI), Range: toRange(r.Location.Range)},
				Message:  r.Message,
			})
		}
		if d.Data != nil {
			pd.Data = d.Data
		}
		out = append(out, pd)
	}
	return out
}

// uriOfName is the URI of a FileSet file name: absolute paths for the
// workspace's files; the built-in schema's relative name stays as it is.
func uriOfName(name string) protocol.DocumentURI {
	if filepath.IsAbs(name) {
		return uriOf(name)
	}
	return protocol.DocumentURI(name)
}

func toRange(r diag.LSPRange) protocol.Range {
	return protocol.Range{
		Start: protocol.Position{Line: uint32(r.Start.Line), Character: uint32(r.Start.Character)},
		End:   protocol.Position{Line: uint32(r.End.Line), Character: uint32(r.End.Character)},
	}
}

// within reports whether path is below dir.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && !strings.HasPrefix(rel, "..")
}
