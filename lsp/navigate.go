package lsp

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

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
		if path, _ := pathOf(u); s.isStdlib(path) {
			return nil, nameRef{}, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "this is the built-in schema: its names cannot be renamed")
		}
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
	if why := s.taken(w, ref.obj, p.NewName); why != "" {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "cannot rename %s to %s: %s; choose another name", ref.obj.ObjName(), p.NewName, why)
	}
	if at := unparsedUse(w, ref.obj.ObjName()); at != "" {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "cannot rename %s yet: %s, which does not parse, writes it, and a rename would leave it there; fix the line first", ref.obj.ObjName(), at)
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

// unparsedUse is the place ("a.rules:12") of a line with a syntax error
// (E0xx) that writes name as a word, or "": the checker resolved nothing
// there, so a rename, which edits what it resolved, would miss it.
func unparsedUse(w *workspace, name string) string {
	for _, path := range w.paths {
		for _, d := range w.diags[path] {
			if !strings.HasPrefix(string(d.Code), "E0") {
				continue
			}
			f := w.fset.File(d.Pos)
			if f == nil {
				continue
			}
			pos := w.fset.Position(d.Pos)
			if hasWord(f.Line(pos.Line), name) {
				return fmt.Sprintf("%s:%d", path, pos.Line)
			}
		}
	}
	return ""
}

// hasWord reports whether line has name with no letter, digit or _ on
// either side.
func hasWord(line, name string) bool {
	for i := 0; ; {
		j := strings.Index(line[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		before, _ := utf8.DecodeLastRuneInString(line[:start])
		after, _ := utf8.DecodeRuneInString(line[end:])
		if (start == 0 || !isWordRune(before)) && (end == len(line) || !isWordRune(after)) {
			return true
		}
		i = end
	}
}

// taken says why name cannot be obj's new name, or "": a rename that
// makes two declarations of one name would turn a working workspace into
// one that does not check, so it is refused, as gopls refuses a rename
// into a conflict.
func (s *Server) taken(w *workspace, obj types.Object, name string) string {
	if obj.ObjName() == name {
		return ""
	}
	sch := w.info.Schema
	switch o := obj.(type) {
	case *types.StageDef:
		if o.Pipeline.Lookup(name) != nil {
			return fmt.Sprintf("stage %s already exists in pipeline %s", quoteName(name), quoteName(o.Pipeline.Name))
		}
		// Rules name a stage by its name alone, which must be one stage
		// of the entity's pipelines: every bare use would become E110.
		for _, p := range sch.Pipelines {
			if p.Entity == o.Pipeline.Entity && p.Lookup(name) != nil {
				return fmt.Sprintf("pipeline %s of %s has a stage %s too, and a stage name must name one stage of the entity", quoteName(p.Name), p.Entity, quoteName(name))
			}
		}
	case *types.Pipeline:
		for _, p := range sch.Pipelines {
			if p.Name == name {
				return fmt.Sprintf("pipeline %s already exists", quoteName(name))
			}
		}
	case *types.Field:
		if ent := entityOf(sch, o); ent != "" && sch.Entities[ent].Lookup(name) != nil {
			return fmt.Sprintf("field %s.%s already exists", ent, name)
		}
	case *types.ResourceDef:
		if why := s.predeclared(name); why != "" {
			return why
		}
		if r := sch.Resources[name]; r != nil {
			return fmt.Sprintf("%s %s already exists", r.Kind, name)
		}
		// A rule's variable may not hide a resource: the checker refuses
		// the variable once the resource takes its name.
		for _, r := range w.info.Rules {
			if r.Binds != nil && r.Binds.Name == name && r.Stage != nil {
				return fmt.Sprintf("%s is a variable set by a rule on stage %s", name, quoteName(r.Stage.Name))
			}
		}
	case *types.Var:
		if why := s.predeclared(name); why != "" {
			return why
		}
		if r := sch.Resources[name]; r != nil {
			return fmt.Sprintf("%s is already a resource (%s)", name, r.Kind)
		}
		// Variables are per stage: another one of the name on the stage
		// of the rule that sets this one would clash.
		var stage *types.StageDef
		for _, r := range w.info.Rules {
			if r.Binds == o {
				stage = r.Stage
			}
		}
		for _, r := range w.info.Rules {
			if r.Binds != nil && r.Binds.Name == name && r.Stage == stage && stage != nil {
				return fmt.Sprintf("%s is already set by a rule on stage %s", name, quoteName(stage.Name))
			}
		}
	case *types.Label:
		for _, part := range w.inc.Tables() {
			for _, other := range part.Defs {
				if l, ok := other.(*types.Label); ok && l.Name == name {
					return fmt.Sprintf("the label %s already exists", name)
				}
			}
		}
	case *types.Item:
		if why := s.predeclared(name); why != "" {
			return why
		}
		// Items are per test: another of the name in the same test.
		for _, t := range w.info.Tests {
			if t.Pos() > o.Pos || o.Pos >= t.End() {
				continue
			}
			for _, part := range w.inc.Tables() {
				for n, other := range part.Defs {
					if it, ok := other.(*types.Item); ok && it.Name == name && t.Pos() <= n.Pos() && n.Pos() < t.End() {
						return fmt.Sprintf("the test already has an item %s", name)
					}
				}
			}
		}
	}
	return ""
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
