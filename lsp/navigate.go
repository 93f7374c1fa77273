package lsp

import (
	"strings"
	"unicode"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Go to definition, find references and rename all start from the name
// under the cursor and the object the checker resolved it to; objects are
// compared by identity, so two stages named alike in different pipelines
// stay apart.

func (s *Server) definition(p *protocol.DefinitionParams) ([]protocol.Location, error) {
	w, src, err := s.source(p.TextDocument.URI)
	if err != nil || src == nil {
		return nil, err
	}
	ref, ok := w.nameAt(src, offsetAt(src.text, p.Position))
	if !ok {
		return nil, nil
	}
	pos := ref.obj.ObjPos()
	if !pos.IsValid() {
		return nil, nil // declared in Go (an action, a trigger, a function): no source to show
	}
	end := pos + token.Pos(len(declName(w, ref.obj, pos)))
	loc, ok := s.location(w.fset, pos, end)
	if !ok {
		return nil, nil
	}
	return []protocol.Location{loc}, nil
}

// declName is the declaring name's text as written at pos: quoted stage
// names are longer than their value.
func declName(w *workspace, obj types.Object, pos token.Pos) string {
	if f := w.fset.File(pos); f != nil {
		src := f.Source()[f.Offset(pos):]
		if len(src) > 0 && src[0] == '"' {
			if i := strings.IndexByte(string(src[1:]), '"'); i >= 0 {
				return string(src[:i+2])
			}
		}
	}
	return obj.ObjName()
}

func (s *Server) references(p *protocol.ReferenceParams) ([]protocol.Location, error) {
	w, src, err := s.source(p.TextDocument.URI)
	if err != nil || src == nil {
		return nil, err
	}
	ref, ok := w.nameAt(src, offsetAt(src.text, p.Position))
	if !ok {
		return nil, nil
	}
	out := []protocol.Location{}
	for _, r := range w.refsTo(ref.obj) {
		if r.def && !p.Context.IncludeDeclaration {
			continue
		}
		if loc, ok := s.location(w.fset, r.node.Pos(), r.node.End()); ok {
			out = append(out, loc)
		}
	}
	return out, nil
}

// renamable returns the name under the cursor if it may be renamed: it
// must be declared in the workspace's own files (not built in) and be a
// stage, pipeline, field, variable, resource (employees and custom actions
// too), test item or label.
func (s *Server) renamable(u protocol.DocumentURI, pos protocol.Position) (*workspace, nameRef, error) {
	w, src, err := s.source(u)
	if err != nil {
		return nil, nameRef{}, err
	}
	if src == nil {
		return nil, nameRef{}, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "not a file of a workspace")
	}
	ref, ok := w.nameAt(src, offsetAt(src.text, pos))
	if !ok {
		return nil, nameRef{}, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "no name to rename here")
	}
	switch ref.obj.(type) {
	case *types.StageDef, *types.Pipeline, *types.Field, *types.Var, *types.ResourceDef, *types.Item, *types.Label:
	default:
		return nil, nameRef{}, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "%s cannot be renamed: only stages, pipelines, fields, variables, resources, test items and labels can", ref.obj.ObjName())
	}
	decl := w.fset.File(ref.obj.ObjPos())
	if decl == nil || w.files[decl.Name()] == nil {
		return nil, nameRef{}, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "%s is built in: it cannot be renamed", ref.obj.ObjName())
	}
	return w, ref, nil
}

func (s *Server) prepareRename(p *protocol.PrepareRenameParams) (*protocol.Range, error) {
	w, ref, err := s.renamable(p.TextDocument.URI, p.Position)
	if err != nil {
		return nil, err
	}
	r := rangeOf(w.fset, ref.node.Pos(), ref.node.End())
	return &r, nil
}

func (s *Server) rename(p *protocol.RenameParams) (*protocol.WorkspaceEdit, error) {
	w, ref, err := s.renamable(p.TextDocument.URI, p.Position)
	if err != nil {
		return nil, err
	}
	_, isName := ref.node.(*ast.Name)
	newText, err := validName(p.NewName, isName)
	if err != nil {
		return nil, err
	}
	edit := &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{}}
	for _, r := range w.refsTo(ref.obj) {
		loc, ok := s.location(w.fset, r.node.Pos(), r.node.End())
		if !ok {
			continue
		}
		edit.Changes[loc.URI] = append(edit.Changes[loc.URI], protocol.TextEdit{Range: loc.Range, NewText: newText})
	}
	return edit, nil
}

// validName checks a new name and returns it as it is to be written: a
// stage or pipeline name (quotable) is quoted when it is not a plain
// identifier; other names must be identifiers and not keywords.
func validName(name string, quotable bool) (string, error) {
	if quotable {
		if name == "" || strings.ContainsAny(name, "\"\\\n\r{}") {
			return "", jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid stage or pipeline name %q: it must be non-empty, on one line, without quotes, backslashes or braces", name)
		}
		return quoteName(name), nil
	}
	if !isIdent(name) {
		return "", jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid name %q: a letter or _ first, then letters, digits or _", name)
	}
	if parser.Keywords[name] {
		return "", jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%q is a keyword: it cannot name anything", name)
	}
	return name, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// quoteName writes a stage or pipeline name bare when it can be, as the
// formatter does, and quoted otherwise.
func quoteName(name string) string {
	if isIdent(name) && !parser.Keywords[name] {
		return name
	}
	return `"` + name + `"`
}
