package lsp

import (
	"bytes"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/lang/format"
)

// Formatting is the printer of `stagecraft fmt`; code actions are the
// diagnostics' fixes (the did-you-mean replacements) as quick fixes, and
// "format document".

func (s *Server) formatting(p *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
	w, src, err := s.source(p.TextDocument.URI)
	if err != nil || src == nil {
		return nil, err
	}
	edit, err := formatEdit(w, src)
	if err != nil {
		return nil, err
	}
	if edit == nil {
		return []protocol.TextEdit{}, nil
	}
	return []protocol.TextEdit{*edit}, nil
}

// formatEdit is the edit that formats a file, or nil when it is formatted.
// A file with syntax errors is not formatted, as `fmt` refuses it: the
// printer would keep the broken declarations as they are and could move
// comments around them.
func formatEdit(w *workspace, src *source) (*protocol.TextEdit, error) {
	if src.err != nil {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "cannot read %s: %v", src.path, src.err)
	}
	if src.parse.HasErrors() {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "%s has syntax errors: fix them before formatting", src.path)
	}
	out := format.File(src.file, src.text)
	if bytes.Equal(out, src.text) {
		return nil, nil
	}
	return &protocol.TextEdit{Range: rangeOf(w.fset, src.tf.Pos(0), src.tf.Pos(len(src.text))), NewText: string(out)}, nil
}

func (s *Server) codeAction(p *protocol.CodeActionParams) ([]protocol.CodeAction, error) {
	w, src, err := s.source(p.TextDocument.URI)
	if err != nil || src == nil {
		return nil, err
	}
	want := func(k protocol.CodeActionKind) bool {
		if len(p.Context.Only) == 0 {
			return true
		}
		for _, o := range p.Context.Only {
			if o == k || o == "source" && k == sourceFormat {
				return true
			}
		}
		return false
	}
	out := []protocol.CodeAction{}
	if want(protocol.QuickFix) {
		lds := w.lspDiagnostics(src.path)
		for i, d := range w.diags[src.path] {
			r := lds[i].Range
			if len(d.Fixes) == 0 || before(r.End, p.Range.Start) || before(p.Range.End, r.Start) {
				continue
			}
			for j, fx := range d.Fixes {
				out = append(out, protocol.CodeAction{
					Title:       fx.Title,
					Kind:        protocol.QuickFix,
					Diagnostics: []protocol.Diagnostic{lds[i]},
					IsPreferred: j == 0 && len(d.Fixes) == 1,
					Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{
						uriOf(src.path): {{Range: rangeOf(w.fset, fx.Pos, fx.End), NewText: fx.NewText}},
					}},
				})
			}
		}
	}
	if want(sourceFormat) {
		if edit, err := formatEdit(w, src); err == nil && edit != nil {
			out = append(out, protocol.CodeAction{
				Title: "Format document",
				Kind:  sourceFormat,
				Edit:  &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{uriOf(src.path): {*edit}}},
			})
		}
	}
	return out, nil
}

// before reports whether a comes strictly before b.
func before(a, b protocol.Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}
