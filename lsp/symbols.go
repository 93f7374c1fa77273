package lsp

import (
	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/format"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Document symbols (the outline: pipelines and their stages, fields,
// resources, rules, triggers, tests) and folding ranges (declarations
// spanning lines, runs of comment lines), both from the file's parse.

func (s *Server) documentSymbol(p *protocol.DocumentSymbolParams) ([]protocol.DocumentSymbol, error) {
	w, src, err := s.source(p.TextDocument.URI)
	if err != nil || src == nil || src.file == nil {
		return nil, err
	}
	out := []protocol.DocumentSymbol{}
	sym := func(name, detail string, kind protocol.SymbolKind, n ast.Node, sel ast.Node) protocol.DocumentSymbol {
		return protocol.DocumentSymbol{Name: name, Detail: detail, Kind: kind,
			Range: rangeOf(w.fset, n.Pos(), n.End()), SelectionRange: rangeOf(w.fset, sel.Pos(), sel.End())}
	}
	for _, d := range src.file.Decls {
		switch d := d.(type) {
		case *ast.PipelineDecl:
			ps := sym(d.Name.Value, d.Entity.Name, protocol.SymbolKindModule, d, d.Name)
			for _, st := range d.Stages {
				kind := "in progress"
				if st.Kind != nil {
					kind = st.Kind.Name
				}
				ps.Children = append(ps.Children, sym(st.Name.Value, kind, protocol.SymbolKindEnumMember, st, st.Name))
			}
			out = append(out, ps)
		case *ast.FieldDecl:
			out = append(out, sym(d.Entity.Name+"."+d.Name.Name, format.Expr(d.Type.Name), protocol.SymbolKindField, d, d.Name))
		case *ast.ResourceDecl:
			out = append(out, sym(d.Name.Name, d.Kind.Name, protocol.SymbolKindConstant, d, d.Name))
		case *ast.RuleDecl:
			name := "on stage " + d.Stage.Stage.Raw
			var sel ast.Node = d.Stage
			if d.Label != nil {
				name, sel = d.Label.Name, d.Label
			}
			out = append(out, sym(name, actionText(d.Action), protocol.SymbolKindFunction, d, sel))
		case *ast.TriggerDecl:
			name := "move to stage " + d.Stage.Stage.Raw
			var sel ast.Node = d.Stage
			if d.Label != nil {
				name, sel = d.Label.Name, d.Label
			}
			out = append(out, sym(name, "when "+d.Event[0].Name+" "+d.Event[1].Name, protocol.SymbolKindEvent, d, sel))
		case *ast.TestDecl:
			out = append(out, sym("test "+d.Name.Raw, "", protocol.SymbolKindMethod, d, d.Name))
		}
	}
	return out, nil
}

// actionText is a rule's action in a few words: send sms, let x, update deal.paid.
func actionText(a ast.Action) string {
	switch a := a.(type) {
	case *ast.CallAction:
		return a.Verb.Name + " " + a.Object.Name
	case *ast.LetAction:
		if a.Calc {
			return "calc " + a.Name.Name
		}
		return "let " + a.Name.Name
	case *ast.UpdateAction:
		return "update " + format.Expr(a.Field)
	}
	return ""
}

func (s *Server) foldingRange(p *protocol.FoldingRangeParams) ([]protocol.FoldingRange, error) {
	w, src, err := s.source(p.TextDocument.URI)
	if err != nil || src == nil || src.file == nil {
		return nil, err
	}
	out := []protocol.FoldingRange{}
	fold := func(pos, end token.Pos, kind protocol.FoldingRangeKind) {
		a, b := posOf(w.fset, pos), posOf(w.fset, end)
		if b.Line > a.Line {
			out = append(out, protocol.FoldingRange{StartLine: a.Line, EndLine: b.Line, Kind: kind})
		}
	}
	// runs of whole-line comments
	for i := 0; i < len(src.file.Comments); {
		c := src.file.Comments[i]
		j := i
		for j+1 < len(src.file.Comments) && !src.file.Comments[j+1].Trailing &&
			posOf(w.fset, src.file.Comments[j+1].Pos()).Line == posOf(w.fset, src.file.Comments[j].Pos()).Line+1 {
			j++
		}
		if !c.Trailing {
			fold(c.Pos(), src.file.Comments[j].Pos(), protocol.CommentFoldingRange)
		}
		i = j + 1
	}
	for _, d := range src.file.Decls {
		if _, bad := d.(*ast.BadDecl); bad {
			continue
		}
		fold(d.Pos(), d.End(), protocol.RegionFoldingRange)
		if t, ok := d.(*ast.TestDecl); ok {
			for _, st := range t.Stmts {
				if it, ok := st.(*ast.ItemStmt); ok {
					fold(it.Pos(), it.End(), protocol.RegionFoldingRange)
				}
			}
		}
	}
	return out, nil
}
