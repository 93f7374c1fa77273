package parser

import (
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/token"
)

// converter turns participle's grammar structs into the ast tree.
type converter struct {
	p *parser
}

func (c converter) pos(lp lexer.Position) token.Pos { return c.p.pos(lp) }

func (c converter) file(g *gFile) []ast.Decl {
	out := make([]ast.Decl, 0, len(g.Decls))
	for _, d := range g.Decls {
		out = append(out, c.decl(d))
	}
	return out
}

func (c converter) decl(d *gDecl) ast.Decl {
	switch {
	case d.Rule != nil:
		return c.rule(d.Rule.rule())
	case d.Trigger != nil:
		return c.trigger(d.Trigger)
	case d.Field != nil:
		return c.field(d.Field)
	case d.Pipeline != nil:
		return c.pipeline(d.Pipeline)
	case d.Test != nil:
		return c.test(d.Test)
	default:
		return c.resource(d.Resource)
	}
}

func (c converter) ident(g *gIdent) *ast.Ident {
	if g == nil {
		return nil
	}
	return &ast.Ident{NamePos: c.pos(g.Pos), Name: g.Name}
}

func (c converter) label(g *gLabel) *ast.Ident {
	if g == nil {
		return nil
	}
	return c.ident(g.Name)
}

func (c converter) word(g *gWord) *ast.Ident {
	return &ast.Ident{NamePos: c.pos(g.Pos), Name: g.Name}
}

func (c converter) name(g *gName) *ast.Name {
	if g == nil {
		return nil
	}
	if g.Quoted != "" {
		lit := c.str(g.Pos, g.Quoted)
		return &ast.Name{NamePos: lit.ValuePos, Raw: g.Quoted, Value: lit.Value}
	}
	return &ast.Name{NamePos: c.pos(g.Pos), Raw: g.Bare, Value: g.Bare}
}

func (c converter) stageRef(g *gStageRef) *ast.StageRef {
	if g.Second != nil {
		return &ast.StageRef{Pipeline: c.name(g.First), Stage: c.name(g.Second)}
	}
	return &ast.StageRef{Stage: c.name(g.First)}
}

func (c converter) path(g *gPath) ast.Expr {
	var x ast.Expr = c.ident(g.Head)
	for _, s := range g.Sels {
		x = &ast.SelectorExpr{X: x, Sel: c.word(s)}
	}
	return x
}

func (c converter) settings(list gSettings) []*ast.Setting {
	if list == nil {
		return nil
	}
	gs := list.settingList()
	out := make([]*ast.Setting, len(gs))
	for i, g := range gs {
		out[i] = &ast.Setting{Key: &ast.Ident{NamePos: c.pos(g.Key.Pos), Name: g.Key.Name}, Name: c.ident(g.Name), Value: c.expr(g.Value)}
	}
	return out
}

func (c converter) rule(g *gRule) *ast.RuleDecl {
	r := &ast.RuleDecl{Label: c.label(g.Label), On: c.pos(g.On.Pos), Stage: c.stageRef(g.Stage)}
	if g.Then != nil {
		r.Then = c.pos(g.Then.Pos)
	}
	if t := g.Timing; t != nil {
		r.Timing = &ast.Timing{Keyword: c.pos(t.Pos)}
		for _, o := range t.Options {
			r.Timing.Options = append(r.Timing.Options, c.ident(o))
		}
		if t.After != nil {
			r.Timing.After = c.lit(t.After.Pos, ast.Duration, t.After.Raw)
		} else {
			r.Timing.At = c.expr(t.At)
		}
	}
	if g.Cond != nil {
		r.Cond = c.expr(g.Cond)
	}
	switch a := g.Action; {
	case a.Let != nil:
		r.Action = &ast.LetAction{Keyword: c.pos(a.Let.Pos), Calc: a.Let.Kind == "calc", Name: c.ident(a.Let.Name), Value: c.expr(a.Let.Value)}
	case a.Update != nil:
		r.Action = &ast.UpdateAction{Update: c.pos(a.Update.Pos), Field: c.path(a.Update.Field), Value: c.expr(a.Update.Value)}
	default:
		call := &ast.CallAction{Verb: c.ident(a.Call.Verb), Object: c.ident(a.Call.Object),
			Settings: c.settings(a.Call.Settings), Result: c.ident(a.Call.Result)}
		if a.Call.Target != nil {
			call.Target = c.expr(a.Call.Target)
		}
		r.Action = call
	}
	return r
}

func (c converter) trigger(g *gTrigger) *ast.TriggerDecl {
	t := &ast.TriggerDecl{Label: c.label(g.Label), Move: c.pos(g.Move.Pos), Stage: c.stageRef(g.Stage),
		Event: [2]*ast.Ident{c.ident(g.Event1), c.ident(g.Event2)}, Settings: c.settings(g.Settings), As: c.ident(g.As)}
	if g.Cond != nil {
		t.Cond = c.expr(g.Cond)
	}
	return t
}

func (c converter) field(g *gField) *ast.FieldDecl {
	f := &ast.FieldDecl{Field: c.pos(g.Pos), Entity: c.ident(g.Entity), Name: c.word(g.Name),
		Type: &ast.TypeExpr{Name: c.word(g.Type.Name)}}
	if g.Type.Rparen != nil {
		f.Type.Rparen = c.pos(g.Type.Rparen.Pos)
		for _, a := range g.Type.Args {
			f.Type.Args = append(f.Type.Args, c.expr(a))
		}
	}
	if g.Label != nil {
		f.Label = c.str(g.Label.Pos, g.Label.Raw)
	}
	return f
}

func (c converter) pipeline(g *gPipeline) *ast.PipelineDecl {
	p := &ast.PipelineDecl{Pipeline: c.pos(g.Pos), Entity: c.ident(g.Entity), Name: c.name(g.Name), Rbrace: c.pos(g.Rbrace.Pos)}
	for _, s := range g.Stages {
		p.Stages = append(p.Stages, &ast.StageDecl{Stage: c.pos(s.Pos), Name: c.name(s.Name), Kind: c.ident(s.Kind)})
	}
	return p
}

func (c converter) resource(g *gResource) *ast.ResourceDecl {
	r := &ast.ResourceDecl{Kind: c.ident(g.Kind), Name: c.ident(g.Name), Settings: c.settings(g.Settings)}
	if g.Value != nil {
		r.Value = c.str(g.Value.Pos, g.Value.Raw)
	}
	if g.Lbrace != nil {
		r.Lbrace, r.Rbrace = c.pos(g.Lbrace.Pos), c.pos(g.Rbrace.Pos)
	}
	return r
}

func (c converter) test(g *gTest) *ast.TestDecl {
	t := &ast.TestDecl{Test: c.pos(g.Pos), Name: c.str(g.Name.Pos, g.Name.Raw), Rbrace: c.pos(g.Rbrace.Pos)}
	for _, s := range g.Stmts {
		t.Stmts = append(t.Stmts, c.stmt(s))
	}
	return t
}

func (c converter) stmt(g *gStmt) ast.Stmt {
	switch {
	case g.At != nil:
		return &ast.AtStmt{At: c.pos(g.At.Pos), Time: c.expr(g.At.Time)}
	case g.Wait != nil:
		return &ast.WaitStmt{Wait: c.pos(g.Wait.Pos), Duration: c.lit(g.Wait.Duration.Pos, ast.Duration, g.Wait.Duration.Raw)}
	case g.Move != nil:
		return &ast.MoveStmt{Move: c.pos(g.Move.Pos), Item: c.ident(g.Move.Item), Stage: c.stageRef(g.Move.Stage), By: c.ident(g.Move.By)}
	case g.Set != nil:
		return &ast.SetStmt{Set: c.pos(g.Set.Pos), Field: c.path(g.Set.Field), Value: c.expr(g.Set.Value)}
	case g.Event != nil:
		e := g.Event
		return &ast.EventStmt{Event: c.pos(e.Pos), Name: [2]*ast.Ident{c.ident(e.Name1), c.ident(e.Name2)},
			Item: c.ident(e.Item), Settings: c.settings(e.Settings)}
	case g.Expect != nil:
		e := g.Expect
		x := &ast.ExpectStmt{Expect: c.pos(e.Pos)}
		switch {
		case e.Effect != nil:
			x.Effect = &ast.EffectExpect{Verb: &ast.Ident{NamePos: c.pos(e.Effect.Verb.Pos), Name: e.Effect.Verb.Verb},
				Kind: c.ident(e.Effect.Kind), Settings: c.settings(e.Effect.Settings),
				After: c.ident(e.Effect.After), As: c.ident(e.Effect.As)}
			if e.Effect.Target != nil {
				x.Effect.Target = c.expr(e.Effect.Target)
			}
			if e.Effect.At != nil {
				x.Effect.At = c.expr(e.Effect.At)
			}
			if e.No != nil {
				x.Effect.No = c.pos(e.No.Pos)
			}
		case e.Timeline != nil:
			t := e.Timeline
			x.Timeline = &ast.TimelineExpect{Timeline: c.pos(t.Timeline.Pos), Item: c.ident(t.Item),
				Text: c.str(t.Text.Pos, t.Text.Raw)}
			if e.No != nil {
				x.Timeline.No = c.pos(e.No.Pos)
			}
			if t.At != nil {
				x.Timeline.At = c.expr(t.At)
			}
		default:
			x.Cond = c.expr(e.Cond)
			if e.No != nil {
				x.No = c.pos(e.No.Pos)
			}
		}
		return x
	default:
		i := g.Item
		return &ast.ItemStmt{Given: c.pos(i.Pos), Entity: c.ident(i.Entity), Name: c.ident(i.Name), Settings: c.settings(i.Settings), Rbrace: c.pos(i.Rbrace.Pos)}
	}
}

// Expressions.

// expr applies operator precedence to the flat run that the grammar reads.
func (c converter) expr(g gExpr) ast.Expr {
	run := g.exprRun()
	r := &opReader{c: c, cur: run.Left, rest: run.Rest}
	return r.binary(ast.PrecOr)
}

// opReader is a precedence-climbing reader over one gExpr: cur is the
// operand being read, k the next of its prefix operators, rest the binary
// operators not yet taken.
type opReader struct {
	c    converter
	cur  *gOperand
	k    int
	rest []*gBinary
}

// binary reads an operand and every following operator of level min or
// tighter.
func (r *opReader) binary(min int) ast.Expr {
	x := r.unary()
	lastCompare := token.NoPos
	for len(r.rest) > 0 {
		b := r.rest[0]
		prec := ast.Precedence(opName(b.Op))
		if prec < min {
			break
		}
		r.rest, r.cur, r.k = r.rest[1:], b.Right, 0
		at := r.c.pos(b.Pos)
		chained := false
		if prec == ast.PrecCompare {
			if lastCompare.IsValid() {
				r.c.p.diags.Errorf(at, at+token.Pos(len(opName(b.Op))), diag.ESyntax,
					"comparisons do not chain: write a < b and b < c")
				chained = true
			}
			lastCompare = at
		}
		y := r.binary(prec + 1)
		if chained {
			// Reported: the checker says nothing more about it (bool < number).
			x = &ast.BadExpr{From: x.Pos(), To: y.End()}
			continue
		}
		if b.Op == ".." {
			x = &ast.RangeExpr{Lo: x, Hi: y}
			continue
		}
		x = &ast.BinaryExpr{X: x, OpPos: at, Op: opName(b.Op), Y: y}
	}
	return x
}

// unary reads the current operand's prefix operators and its primary.
func (r *opReader) unary() ast.Expr {
	if r.k < len(r.cur.Prefix) {
		t := r.cur.Prefix[r.k]
		r.k++
		if t.Op == "not" {
			return &ast.UnaryExpr{OpPos: r.c.pos(t.Pos), Op: "not", X: r.binary(ast.PrecNot + 1)}
		}
		return &ast.UnaryExpr{OpPos: r.c.pos(t.Pos), Op: "-", X: r.unary()}
	}
	x := r.c.primary(r.cur.X)
	for _, op := range r.cur.Ops {
		if op.Sel != nil {
			x = &ast.SelectorExpr{X: x, Sel: r.c.word(op.Sel)}
		} else {
			x = &ast.TypeSelExpr{X: x, Lbrack: r.c.pos(op.Pos), Type: r.c.ident(op.TypeSel), Rbrack: r.c.pos(op.Rbrack.Pos)}
		}
	}
	return x
}

// opName is the operator as written in the AST; participle joins the two
// tokens of `not in`.
func opName(op string) string {
	if op == "notin" {
		return "not in"
	}
	return op
}

var litKinds = map[lexer.TokenType]ast.LitKind{
	tNumber: ast.Number, tDuration: ast.Duration, tDateTime: ast.DateTime,
	tDate: ast.Date, tClock: ast.Clock,
}

func (c converter) primary(g *gPrimary) ast.Expr {
	switch t := g.Lit; {
	case t.Value == "":
	case t.Type == tString:
		return c.str(t.Pos, t.Value)
	case t.Value == "null":
		return c.lit(t.Pos, ast.Null, "null")
	case t.Type == tKeyword:
		return c.lit(t.Pos, ast.Bool, t.Value)
	default:
		return c.lit(t.Pos, litKinds[t.Type], t.Value)
	}
	switch {
	case g.List != nil:
		l := &ast.ListExpr{Lbrack: c.pos(g.List.Pos), Rbrack: c.pos(g.List.Rbrack.Pos)}
		for _, e := range g.List.Elems {
			l.Elems = append(l.Elems, c.expr(e))
		}
		return l
	case g.Paren != nil:
		return &ast.ParenExpr{Lparen: c.pos(g.Paren.Pos), X: c.expr(g.Paren.X), Rparen: c.pos(g.Paren.Rparen.Pos)}
	}
	id := c.ident(g.Ident)
	if g.Args == nil {
		return id
	}
	call := &ast.CallExpr{Fun: id, Rparen: c.pos(g.Args.Rparen.Pos)}
	for _, a := range g.Args.Args {
		call.Args = append(call.Args, c.expr(a))
	}
	return call
}

func (c converter) lit(lp lexer.Position, kind ast.LitKind, raw string) *ast.BasicLit {
	return &ast.BasicLit{ValuePos: c.pos(lp), Kind: kind, Raw: raw, Value: raw}
}

// str converts a string literal: escapes resolved, {placeholders} parsed into
// expressions positioned inside the string.
func (c converter) str(lp lexer.Position, raw string) *ast.BasicLit {
	lit := &ast.BasicLit{ValuePos: c.pos(lp), Kind: ast.String, Raw: raw}
	if body := raw[1 : len(raw)-1]; strings.IndexByte(body, '\\') < 0 {
		c.plainStr(lit, body)
	} else {
		c.escapedStr(lit, body)
	}
	return lit
}

// escapedStr is str for any string: escapes resolved as they come.
func (c converter) escapedStr(lit *ast.BasicLit, body string) {
	var text, value strings.Builder
	flush := func() {
		if text.Len() > 0 {
			lit.Parts = append(lit.Parts, ast.TemplatePart{Text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(body); i++ {
		switch ch := body[i]; ch {
		case '\\':
			if i+1 < len(body) {
				i++
				r := map[byte]string{'n': "\n", 't': "\t"}[body[i]]
				if r == "" {
					r = string(body[i])
				}
				text.WriteString(r)
				value.WriteString(r)
			}
		case '{':
			j := strings.IndexByte(body[i:], '}')
			at := lit.ValuePos + 1 + token.Pos(i)
			if j < 0 {
				c.p.diags.Errorf(at, at+1, diag.EBadTemplate, "placeholder { is not closed: write \\{ for a literal brace")
				text.WriteByte('{')
				value.WriteByte('{')
				continue
			}
			inner := body[i+1 : i+j]
			flush()
			lit.Parts = append(lit.Parts, ast.TemplatePart{Expr: c.placeholder(at+1, inner)})
			value.WriteString(body[i : i+j+1])
			i += j
		default:
			text.WriteByte(ch)
			value.WriteByte(ch)
		}
	}
	flush()
	lit.Value = value.String()
}

// plainStr is str for a string without escapes, the usual kind: its
// value is its body, and its text parts are pieces of it, not copies.
func (c converter) plainStr(lit *ast.BasicLit, body string) {
	lit.Value = body
	text := 0 // where the text part being read starts
	for i := 0; i < len(body); i++ {
		if body[i] != '{' {
			continue
		}
		j := strings.IndexByte(body[i:], '}')
		at := lit.ValuePos + 1 + token.Pos(i)
		if j < 0 {
			c.p.diags.Errorf(at, at+1, diag.EBadTemplate, "placeholder { is not closed: write \\{ for a literal brace")
			continue // the brace is text
		}
		if text < i {
			lit.Parts = append(lit.Parts, ast.TemplatePart{Text: body[text:i]})
		}
		lit.Parts = append(lit.Parts, ast.TemplatePart{Expr: c.placeholder(at+1, body[i+1:i+j])})
		i += j
		text = i + 1
	}
	if text < len(body) {
		lit.Parts = append(lit.Parts, ast.TemplatePart{Text: body[text:]})
	}
}

// placeholder parses the inside of {...}: a path with an optional type
// selector, {contact.name}, {contact.phone[mobile]}, or a function of one,
// {pln(deal.amount)}, which formats a value for a message.
func (c converter) placeholder(at token.Pos, src string) ast.Expr {
	if x := plainPath(at, src); x != nil {
		return x
	}
	return c.scannedPlaceholder(at, src)
}

// scannedPlaceholder is placeholder for any text: scanned into tokens.
func (c converter) scannedPlaceholder(at token.Pos, src string) ast.Expr {
	toks, errs := scan("", []byte(src))
	bad := func() ast.Expr {
		c.p.diags.Errorf(at-1, at+token.Pos(len(src))+1, diag.EBadTemplate,
			"a placeholder holds a field path, like {contact.name}, or a function of one, like {pln(deal.amount)}; write \\{ for a literal brace")
		return &ast.BadExpr{From: at - 1, To: at + token.Pos(len(src)) + 1}
	}
	if len(errs) > 0 || len(toks) < 2 || toks[0].Type != tIdent {
		return bad()
	}
	pos := func(t lexer.Token) token.Pos { return at + token.Pos(t.Pos.Offset) }
	var call *ast.CallExpr
	i := 0
	if toks[1].Value == "(" {
		call = &ast.CallExpr{Fun: &ast.Ident{NamePos: pos(toks[0]), Name: toks[0].Value}}
		i = 2
		if i >= len(toks) || toks[i].Type != tIdent {
			return bad()
		}
	}
	var x ast.Expr = &ast.Ident{NamePos: pos(toks[i]), Name: toks[i].Value}
	i++
	for i+1 < len(toks) && toks[i].Value == "." && (toks[i+1].Type == tIdent || toks[i+1].Type == tKeyword) {
		x = &ast.SelectorExpr{X: x, Sel: &ast.Ident{NamePos: pos(toks[i+1]), Name: toks[i+1].Value}}
		i += 2
	}
	if i+2 < len(toks) && toks[i].Value == "[" && toks[i+1].Type == tIdent && toks[i+2].Value == "]" {
		x = &ast.TypeSelExpr{X: x, Lbrack: pos(toks[i]), Type: &ast.Ident{NamePos: pos(toks[i+1]), Name: toks[i+1].Value}, Rbrack: pos(toks[i+2])}
		i += 3
	}
	if call != nil {
		if i >= len(toks) || toks[i].Value != ")" {
			return bad()
		}
		call.Args, call.Rparen = []ast.Expr{x}, pos(toks[i])
		x = call
		i++
	}
	if toks[i].Type != tEOF {
		return bad()
	}
	return x
}

// plainPath reads a placeholder that is a path of ASCII names, contact.name,
// the usual kind, without scanning it: the tree is the one placeholder
// builds from the tokens. Anything else (a first name that is a keyword,
// spaces, a call, a type selector, other letters) returns nil.
func plainPath(at token.Pos, src string) ast.Expr {
	var x ast.Expr
	for start := 0; start <= len(src); {
		end := strings.IndexByte(src[start:], '.')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		name := src[start:end]
		if !asciiName(name) || x == nil && Keywords[name] {
			return nil
		}
		id := &ast.Ident{NamePos: at + token.Pos(start), Name: name}
		if x == nil {
			x = id
		} else {
			x = &ast.SelectorExpr{X: x, Sel: id}
		}
		start = end + 1
	}
	return x
}

// asciiName reports whether s is a name of ASCII letters, digits and _,
// not starting with a digit: what the scanner reads as one name.
func asciiName(s string) bool {
	if s == "" || '0' <= s[0] && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch == '_' || 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9') {
			return false
		}
	}
	return true
}
