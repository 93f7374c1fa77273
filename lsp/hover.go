package lsp

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/compiler/types"
)

// hover describes the name under the cursor from what the checker
// resolved it to: a field's type and label, an action's or setting's
// documentation and default, a stage's pipeline and kind, a variable's
// type and the rule that sets it, a custom action's signature.
func (s *Server) hover(p *protocol.HoverParams) (*protocol.Hover, error) {
	w, src, err := s.source(p.TextDocument.URI)
	if err != nil || src == nil {
		return nil, err
	}
	off := offsetAt(src.text, p.Position)
	ref, ok := w.nameAt(src, off)
	if !ok {
		return s.hoverOffered(w, src, off), nil
	}
	text := s.describe(w, ref.obj)
	if text == "" {
		return nil, nil
	}
	r := rangeOf(w.fset, ref.node.Pos(), ref.node.End())
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: text}, Range: &r}, nil
}

// hoverOffered describes a word the checker resolved nothing for (in a
// line half typed, which does not parse yet, or in a rule with an error)
// by what completion offers in its place: the item whose label is the
// word, with its detail and documentation. nil when none is, or the
// item has neither.
func (s *Server) hoverOffered(w *workspace, src *source, off int) *protocol.Hover {
	text := src.text
	start, end := off, off
	for start > 0 {
		r, n := utf8.DecodeLastRune(text[:start])
		if !isWordRune(r) {
			break
		}
		start -= n
	}
	for end < len(text) {
		r, n := utf8.DecodeRune(text[end:])
		if !isWordRune(r) {
			break
		}
		end += n
	}
	if start == end {
		return nil
	}
	word := string(text[start:end])
	c := &completer{s: s, w: w, src: src, off: end, seen: map[string]bool{}}
	c.run()
	for _, it := range c.items {
		if it.Label != word || it.Detail == "" && it.Documentation == nil {
			continue // a word alone says nothing the line does not
		}
		var b strings.Builder
		b.WriteString("```stagecraft\n" + word)
		if it.Detail != "" {
			b.WriteString(": " + it.Detail)
		}
		b.WriteString("\n```\n")
		if doc, ok := it.Documentation.(protocol.MarkupContent); ok && doc.Value != "" {
			b.WriteString("\n" + doc.Value)
		}
		r := rangeOf(w.fset, src.tf.Pos(start), src.tf.Pos(end))
		return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: b.String()}, Range: &r}
	}
	return nil
}

// describe renders an object as Markdown: a code line with its
// declaration, then its documentation.
func (s *Server) describe(w *workspace, obj types.Object) string {
	var b strings.Builder
	code := func(format string, args ...any) {
		fmt.Fprintf(&b, "```stagecraft\n"+format+"\n```\n", args...)
	}
	para := func(format string, args ...any) {
		fmt.Fprintf(&b, "\n"+format+"\n", args...)
	}
	switch o := obj.(type) {
	case *types.Field:
		if ent := entityOf(w.info.Schema, o); ent != "" {
			code("field %s.%s: %s", ent, o.Name, o.Type)
		} else {
			code("%s: %s", o.Name, o.Type)
		}
		if o.Label != "" {
			para("%s", o.Label)
		}
		switch {
		case o.Builtin:
			para("Built in (%s).", s.u.Lib.SchemaName)
		case o.ReadOnly:
			para("Set by the system: rules read it, an update cannot change it.")
		}
	case *types.StageDef:
		code("stage %s", quoteName(o.Name))
		para("Stage %d of %d of pipeline %s (%s), %s.", o.Index+1, len(o.Pipeline.Stages), quoteName(o.Pipeline.Name), o.Pipeline.Entity, o.Kind)
	case *types.Pipeline:
		code("pipeline %s %s", o.Entity, quoteName(o.Name))
		names := make([]string, len(o.Stages))
		for i, st := range o.Stages {
			names[i] = quoteName(st.Name)
		}
		para("Stages: %s.", strings.Join(names, ", "))
	case *types.Var:
		code("%s: %s", o.Name, o.Type)
		for _, r := range w.info.Rules {
			if r.Binds == o {
				pp := w.fset.Position(r.Decl.Pos())
				para("Set by the rule on stage %s at %s:%d.", quoteName(r.Stage.Name), filepath.Base(pp.Filename), pp.Line)
			}
		}
	case *types.ResourceDef:
		if o.Action != nil {
			code("%s", signature(o))
			para("Custom action (WebAssembly): `%s %s`.", s.u.Lib.RunVerb, o.Name)
			break
		}
		if o.Value != "" {
			code("%s %s %q", o.Kind, o.Name, o.Value)
		} else {
			code("%s %s", o.Kind, o.Name)
		}
		if k := s.resourceKind(o.Kind); k != nil && k.Doc != "" {
			para("%s", k.Doc)
		}
	case *types.ActionDecl:
		code("%s", o.Name())
		para("%s", o.Doc)
		if o.ID != "" {
			para("Catalogue: %s.", o.ID)
		}
		if o.TargetDefault != "" {
			para("`to` left out: %s.", o.TargetDefault)
		}
		settingList(&b, o.Settings)
	case *types.TriggerDecl:
		code("when %s", o.Name())
		para("%s", o.Doc)
		if o.ID != "" {
			para("Catalogue: %s.", o.ID)
		}
		settingList(&b, o.Settings)
	case *types.Setting:
		code("%s %s", o.Name, o.Type)
		if o.Doc != "" {
			para("%s", o.Doc)
		}
		para("%s", settingFacts(o))
	case *types.FuncDecl:
		code("%s(...)", o.Name)
		para("%s", o.Doc)
	case *types.ResourceKind:
		code("%s NAME", o.Name)
		para("%s", o.Doc)
		settingList(&b, o.Settings)
	case *types.Root:
		code("%s: %s", o.Name, o.Type)
		switch {
		case o.Field != nil:
			para("The item's field %s: %s.", o.Name, o.Field.Label)
		case o.Name == "client":
			para("The item's first contact, or its company when it has none.")
		default:
			para("The item the rule is about.")
		}
	case *types.Builtin:
		if o.Type != nil {
			code("%s: %s", o.Name, o.Type)
		} else {
			code("%s", o.Name)
		}
		if o.Doc != "" {
			para("%s", o.Doc)
		}
	case *types.TypeName:
		code("type %s", o.Name)
	case *types.Item:
		code("given %s %s", o.Type, o.Name)
		para("An item of the test.")
	case *types.Label:
		code("%s:", o.Name)
		para("The label of a %s: its identity across versions of the workspace.", o.Of)
	case *types.EntityDef:
		code("%s", o.Name)
		para("An entity with %d fields.", len(o.Fields))
	default:
		return ""
	}
	return strings.TrimSpace(b.String())
}

// signature is a custom action's declaration in one line.
func signature(r *types.ResourceDef) string {
	var in []string
	for _, st := range r.Action.Settings {
		in = append(in, st.Name+": "+st.Type.String())
	}
	sig := fmt.Sprintf("action %s(%s)", r.Name, strings.Join(in, ", "))
	if r.Action.Result != nil {
		var out []string
		for _, f := range r.Action.Result.Fields {
			out = append(out, f.Name+": "+f.Type.String())
		}
		sig += " -> (" + strings.Join(out, ", ") + ")"
	}
	return sig
}

func settingList(b *strings.Builder, ss []*types.Setting) {
	if len(ss) == 0 {
		return
	}
	b.WriteString("\nSettings:\n")
	for _, st := range ss {
		fmt.Fprintf(b, "- `%s` %s: %s (%s)\n", st.Name, st.Type, st.Doc, settingFacts(st))
	}
}

func settingFacts(st *types.Setting) string {
	var facts []string
	if st.Required {
		facts = append(facts, "required")
	} else if st.Default != "" {
		facts = append(facts, "default "+st.Default)
	} else {
		facts = append(facts, "optional")
	}
	if st.Auto {
		facts = append(facts, "accepts auto")
	}
	return strings.Join(facts, ", ")
}

// entityOf is the entity that declares a field, or "" for a record's.
func entityOf(s *types.Schema, f *types.Field) string {
	for name, e := range s.Entities {
		if e.Fields[f.Name] == f {
			return name
		}
	}
	return ""
}

func (s *Server) resourceKind(name string) *types.ResourceKind {
	for _, k := range s.u.Lib.Resources {
		if k.Name == name {
			return k
		}
	}
	return nil
}
