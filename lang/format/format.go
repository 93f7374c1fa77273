// Package format owns the canonical layout of *.rules files: the printer
// that `stagecraft fmt` runs. It prints the tree and weaves the file's
// comments back in by position, so formatting keeps every comment and is
// idempotent: formatting formatted source changes nothing.
//
// The layout is made for review: a declaration fits on one line when it can
// (100 characters); otherwise the rule's head stays on the first line and
// each setting gets a line of its own, so that a changed setting is a
// one-line diff. A rule's head is never broken, however long: a wrapped
// condition would shift when an unrelated part of it changed.
package format

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Width is the longest line the printer makes on its own.
const Width = 100

const indent = "    "

// File formats a parsed file whose source is src. The file must have parsed
// without errors: a BadDecl is printed as its source text, unchanged.
func File(f *ast.File, src []byte) []byte {
	p := &printer{f: f, src: src, lastEnd: -1}
	for _, d := range f.Decls {
		p.element(d.Pos(), "")
		p.decl(d)
		p.lastEnd = p.off(d.End())
	}
	p.flushComments(token.Pos(int(f.Base)+f.Size+1), "")
	var b bytes.Buffer
	for _, l := range p.lines {
		b.WriteString(strings.TrimRight(l, " "))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

type printer struct {
	f       *ast.File
	src     []byte
	lines   []string
	next    int // the next comment to print
	lastEnd int // source offset where the last printed element ended; -1 at start
}

func (p *printer) off(pos token.Pos) int { return int(pos - p.f.Base) }

// element starts an element that begins at pos at the given indentation:
// comments before it come first, and one blank line stays where the source
// had at least one.
func (p *printer) element(pos token.Pos, ind string) {
	p.flushComments(pos, ind)
	p.blankBefore(p.off(pos))
	p.lastEnd = p.off(pos)
}

func (p *printer) blankBefore(off int) {
	if p.lastEnd < 0 || len(p.lines) == 0 || off > len(p.src) || p.lastEnd > off {
		return
	}
	if bytes.Count(p.src[p.lastEnd:off], []byte("\n")) >= 2 && p.lines[len(p.lines)-1] != "" {
		p.lines = append(p.lines, "")
	}
}

// flushComments prints the comments before pos: a trailing comment at the
// end of the last line, any other on its own line.
func (p *printer) flushComments(pos token.Pos, ind string) {
	for p.next < len(p.f.Comments) && p.f.Comments[p.next].Pos() < pos {
		c := p.f.Comments[p.next]
		p.next++
		if c.Trailing && len(p.lines) > 0 && p.lines[len(p.lines)-1] != "" {
			p.lines[len(p.lines)-1] += " " + c.Text
		} else {
			p.blankBefore(p.off(c.Pos()))
			p.lines = append(p.lines, ind+c.Text)
		}
		// A comment inside the declaration just printed (after a label on a
		// line of its own, say) is printed after it: lastEnd never goes back,
		// or the lines between would count as a blank line.
		p.lastEnd = max(p.lastEnd, p.off(c.End()))
	}
}

// hasComment reports whether a comment lies inside n.
func (p *printer) hasComment(n ast.Node) bool {
	for i := p.next; i < len(p.f.Comments); i++ {
		c := p.f.Comments[i].Pos()
		if c >= n.End() {
			return false
		}
		if c > n.Pos() {
			return true
		}
	}
	return false
}

func (p *printer) line(s string) { p.lines = append(p.lines, s) }

func fits(s string) bool { return utf8.RuneCountInString(s) <= Width && !strings.Contains(s, "\n") }

// block prints a one-line form when it fits and no comment is inside n;
// otherwise the head, then each part on its own line at ind+indent.
func (p *printer) block(n ast.Node, ind, head string, parts []part, tail string) {
	one := ind + head
	for _, pt := range parts {
		one += " " + pt.text
	}
	one += tail
	if fits(one) && !p.hasComment(n) {
		p.line(one)
		return
	}
	p.line(ind + head)
	for _, pt := range parts {
		p.flushComments(pt.pos, ind+indent)
		p.line(ind + indent + pt.text)
		p.lastEnd = p.off(pt.end)
	}
	if tail != "" {
		p.flushComments(n.End(), ind+indent)
		p.line(ind + strings.TrimLeft(tail, " "))
	}
}

// part is one line of a multi-line declaration.
type part struct {
	pos, end token.Pos
	text     string
}

func settingParts(ss []*ast.Setting) []part {
	out := make([]part, 0, len(ss))
	for _, s := range ss {
		out = append(out, part{s.Pos(), s.End(), setting(s)})
	}
	return out
}

func setting(s *ast.Setting) string {
	if s.Name != nil {
		return s.Key.Name + " " + s.Name.Name + ": " + Expr(s.Value)
	}
	return s.Key.Name + " " + Expr(s.Value)
}

func (p *printer) decl(d ast.Decl) {
	switch d := d.(type) {
	case *ast.RuleDecl:
		p.rule(d)
	case *ast.TriggerDecl:
		p.trigger(d)
	case *ast.FieldDecl:
		s := "field " + d.Entity.Name + "." + d.Name.Name + ": " + typeExpr(d.Type)
		if d.Label != nil {
			s += " " + d.Label.Raw
		}
		p.line(s)
	case *ast.PipelineDecl:
		p.line("pipeline " + d.Entity.Name + " " + name(d.Name) + " {")
		for _, s := range d.Stages {
			p.element(s.Pos(), indent)
			l := indent + "stage " + name(s.Name)
			if s.Kind != nil {
				l += " " + s.Kind.Name
			}
			p.line(l)
			p.lastEnd = p.off(s.End())
		}
		p.flushComments(d.Rbrace, indent)
		p.line("}")
	case *ast.ResourceDecl:
		head := d.Kind.Name + " " + d.Name.Name
		if d.Value != nil {
			head += " " + d.Value.Raw
		}
		if !d.Lbrace.IsValid() {
			p.line(head)
			return
		}
		p.block(d, "", head+" {", settingParts(d.Settings), " }")
	case *ast.TestDecl:
		p.line("test " + d.Name.Raw + " {")
		for _, s := range d.Stmts {
			p.element(s.Pos(), indent)
			p.stmt(s)
			p.lastEnd = p.off(s.End())
		}
		p.flushComments(d.Rbrace, indent)
		p.line("}")
	case *ast.BadDecl:
		p.line(string(p.src[p.off(d.From):p.off(d.To)]))
	}
}

// label prints a rule's or trigger's label, written on the line it starts.
func label(l *ast.Ident) string {
	if l == nil {
		return ""
	}
	return l.Name + ": "
}

func (p *printer) rule(d *ast.RuleDecl) {
	head := label(d.Label) + "on stage " + stageRef(d.Stage)
	if d.Then.IsValid() {
		head += " then"
	}
	if t := d.Timing; t != nil {
		if t.After != nil {
			head += " after " + t.After.Raw
		} else {
			head += " at " + Expr(t.At)
		}
		for _, o := range t.Options {
			head += " " + o.Name
		}
	}
	if d.Cond != nil {
		head += " if " + Expr(d.Cond)
	}
	head += ":"
	switch a := d.Action.(type) {
	case *ast.LetAction:
		kw := "let"
		if a.Calc {
			kw = "calc"
		}
		p.line(head + " " + kw + " " + a.Name.Name + " = " + Expr(a.Value))
	case *ast.UpdateAction:
		p.line(head + " update " + Expr(a.Field) + " = " + Expr(a.Value))
	case *ast.CallAction:
		head += " " + a.Verb.Name + " " + a.Object.Name
		if a.Target != nil {
			head += " to " + Expr(a.Target)
		}
		parts := settingParts(a.Settings)
		if a.Result != nil {
			parts = append(parts, part{a.Result.Pos(), a.Result.End(), "as " + a.Result.Name})
		}
		p.block(d, "", head, parts, "")
	}
}

func (p *printer) trigger(d *ast.TriggerDecl) {
	head := label(d.Label) + "move to stage " + stageRef(d.Stage) + " when " + d.Event[0].Name + " " + d.Event[1].Name
	parts := settingParts(d.Settings)
	if d.Cond != nil {
		parts = append(parts, part{d.Cond.Pos(), d.Cond.End(), "if " + Expr(d.Cond)})
	}
	if d.As != nil {
		parts = append(parts, part{d.As.Pos(), d.As.End(), "as " + d.As.Name})
	}
	p.block(d, "", head, parts, "")
}

func (p *printer) stmt(s ast.Stmt) {
	ind := indent
	switch s := s.(type) {
	case *ast.ItemStmt:
		p.block(s, ind, "given "+s.Entity.Name+" "+s.Name.Name+" {", settingParts(s.Settings), " }")
	case *ast.AtStmt:
		p.line(ind + "at " + Expr(s.Time))
	case *ast.WaitStmt:
		p.line(ind + "wait " + s.Duration.Raw)
	case *ast.MoveStmt:
		l := ind + "move " + s.Item.Name + " to " + stageRef(s.Stage)
		if s.By != nil {
			l += " by " + s.By.Name
		}
		p.line(l)
	case *ast.SetStmt:
		p.line(ind + "set " + Expr(s.Field) + " = " + Expr(s.Value))
	case *ast.EventStmt:
		p.block(s, ind, "event "+s.Name[0].Name+" "+s.Name[1].Name+" on "+s.Item.Name, settingParts(s.Settings), "")
	case *ast.ExpectStmt:
		switch {
		case s.Effect != nil:
			e := s.Effect
			head := "expect "
			if e.No.IsValid() {
				head += "no "
			}
			head += e.Verb.Name + " " + e.Kind.Name
			if e.Target != nil {
				head += " to " + Expr(e.Target)
			}
			parts := settingParts(e.Settings)
			if e.At != nil {
				parts = append(parts, part{e.At.Pos(), e.At.End(), "at " + Expr(e.At)})
			}
			for _, c := range []struct {
				kw string
				id *ast.Ident
			}{{"after", e.After}, {"as", e.As}} {
				if c.id != nil {
					parts = append(parts, part{c.id.Pos(), c.id.End(), c.kw + " " + c.id.Name})
				}
			}
			p.block(s, ind, head, parts, "")
		case s.Timeline != nil:
			l := ind + "expect "
			if s.Timeline.No.IsValid() {
				l += "no "
			}
			l += "timeline " + s.Timeline.Item.Name + " " + s.Timeline.Text.Raw
			if s.Timeline.At != nil {
				l += " at " + Expr(s.Timeline.At)
			}
			p.line(l)
		default:
			p.line(ind + "expect " + Expr(s.Cond))
		}
	}
}

func typeExpr(t *ast.TypeExpr) string {
	if !t.Rparen.IsValid() {
		return t.Name.Name
	}
	args := make([]string, len(t.Args))
	for i, a := range t.Args {
		args[i] = Expr(a)
	}
	return t.Name.Name + "(" + strings.Join(args, ", ") + ")"
}

func stageRef(r *ast.StageRef) string {
	if r.Pipeline != nil {
		return name(r.Pipeline) + "." + name(r.Stage)
	}
	return name(r.Stage)
}

// name prints a stage or pipeline name bare when it is a plain identifier
// and quoted otherwise, whichever way it was written.
func name(n *ast.Name) string {
	if n.Raw != n.Value && isBare(n.Value) {
		return n.Value
	}
	return n.Raw
}

func isBare(s string) bool {
	if s == "" || parser.Keywords[s] {
		return false
	}
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// Expr prints an expression canonically.
func Expr(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.BasicLit:
		return e.Raw
	case *ast.SelectorExpr:
		return Expr(e.X) + "." + e.Sel.Name
	case *ast.TypeSelExpr:
		return Expr(e.X) + "[" + e.Type.Name + "]"
	case *ast.CallExpr:
		return e.Fun.Name + "(" + exprList(e.Args) + ")"
	case *ast.UnaryExpr:
		if e.Op == "not" {
			return "not " + Expr(e.X)
		}
		return e.Op + Expr(e.X)
	case *ast.BinaryExpr:
		return Expr(e.X) + " " + e.Op + " " + Expr(e.Y)
	case *ast.RangeExpr:
		return Expr(e.Lo) + ".." + Expr(e.Hi)
	case *ast.ListExpr:
		return "[" + exprList(e.Elems) + "]"
	case *ast.ParenExpr:
		return "(" + Expr(e.X) + ")"
	}
	return ""
}

func exprList(es []ast.Expr) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = Expr(e)
	}
	return strings.Join(s, ", ")
}
