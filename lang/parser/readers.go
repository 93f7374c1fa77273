package parser

import (
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The hand-written readers of the productions that make up most of a
// workspace's tokens: rules, runs of settings, and expressions. participle
// calls them through ParseTypeWith; they build the same grammar structs
// that participle would build from the structs' tags, in one pass without
// branches. Each returns participle.NextMatch, having consumed nothing, when
// its production does not start here, so that optional uses (`('to' @@)?`)
// work as with any other production.
//
// Bracket nesting is bounded by MaxDepth before parsing starts, which bounds
// the recursion here.

// tokens is what the readers read from: participle's PeekingLexer when
// participle calls them inside a production it parses (peeking), or a
// cursor over a declaration's own tokens when the parser reads a rule
// directly (parseTokens). participle's Upgrade copies a declaration's
// tokens into a slice grown one append at a time, which cost more than
// reading the rule; the cursor reads them where they are.
type tokens interface {
	Peek() *lexer.Token
	Next() *lexer.Token
	mark() int    // the position, for reset
	reset(at int) // back to a position mark returned
}

// cursor reads a slice of tokens followed by eof, as a PeekingLexer
// without elided tokens does: Next at the end keeps returning eof.
type cursor struct {
	toks []lexer.Token
	eof  lexer.Token
	i    int
}

func (c *cursor) Peek() *lexer.Token {
	if c.i < len(c.toks) {
		return &c.toks[c.i]
	}
	return &c.eof
}

func (c *cursor) Next() *lexer.Token {
	t := c.Peek()
	if c.i < len(c.toks) {
		c.i++
	}
	return t
}

func (c *cursor) mark() int    { return c.i }
func (c *cursor) reset(at int) { c.i = at }

// peeking adapts participle's PeekingLexer, whose checkpoints are opaque.
type peeking struct {
	*lexer.PeekingLexer
	marks []lexer.Checkpoint
}

func (p *peeking) mark() int {
	p.marks = append(p.marks, p.MakeCheckpoint())
	return len(p.marks) - 1
}

func (p *peeking) reset(at int) { p.LoadCheckpoint(p.marks[at]) }

// The readers as participle calls them (ParseTypeWith).
func readSettings(lex *lexer.PeekingLexer) (gSettings, error) {
	return readSettingsFrom(&peeking{PeekingLexer: lex})
}

func readExpr(lex *lexer.PeekingLexer) (gExpr, error) {
	return readExprFrom(&peeking{PeekingLexer: lex})
}

func readRule(lex *lexer.PeekingLexer) (gRuleDecl, error) {
	return readRuleFrom(&peeking{PeekingLexer: lex})
}

// readSettings reads GSettingList = GSetting+ .
func readSettingsFrom(lex tokens) (gSettings, error) {
	var list gSettingList
	for {
		s, err := readSetting(lex)
		if err != nil {
			return nil, err
		}
		if s == nil {
			break
		}
		list.Items = append(list.Items, s)
	}
	if len(list.Items) == 0 {
		return nil, participle.NextMatch
	}
	return &list, nil
}

// readSetting reads GSetting = GKey (GIdent ":")? GExpr . It returns nil,
// having consumed nothing, where participle's repetition would stop: no key,
// or a key with no value after it.
func readSetting(lex tokens) (*gSetting, error) {
	k := lex.Peek()
	if k.Type != tIdent && !isWord(k, tKeyword, "stage") {
		return nil, nil
	}
	start := lex.mark()
	lex.Next()
	s := &gSetting{Key: &gKey{Pos: k.Pos, Name: k.Value}}
	if n := lex.Peek(); n.Type == tIdent {
		name := lex.mark()
		lex.Next()
		if isWord(lex.Peek(), tPunct, ":") {
			lex.Next()
			s.Name = &gIdent{Pos: n.Pos, Name: n.Value}
		} else {
			lex.reset(name)
		}
	}
	if !startsOperand(lex.Peek()) {
		if s.Name != nil {
			return nil, unexpected(lex.Peek(), "a value")
		}
		switch n := lex.Peek(); {
		case isWord(n, tPunct, "="):
			// Nothing takes NAME = after settings: a setting written as an assignment.
			return nil, &fixError{tok: *n, msg: fmt.Sprintf(`unexpected "=": a setting is written %s VALUE, without =`, k.Value), remove: true}
		case n.EOF() || isWord(n, tPunct, "}"):
			// Nothing takes a lone name at the end: a setting without its value.
			return nil, &fixError{tok: *k, msg: fmt.Sprintf("setting %s has no value", k.Value), hint: "write " + k.Value + " VALUE"}
		}
		lex.reset(start)
		return nil, nil
	}
	v, err := readRun(lex)
	if err != nil {
		return nil, err
	}
	s.Value = v
	return s, nil
}

// readExpr reads GExpr = GExprRun .
func readExprFrom(lex tokens) (gExpr, error) {
	if !startsOperand(lex.Peek()) {
		return nil, participle.NextMatch
	}
	return readRun(lex)
}

func readRun(lex tokens) (*gExprRun, error) {
	left, err := readOperand(lex)
	if err != nil {
		return nil, err
	}
	if err := unitWordAfter(lex, left); err != nil {
		return nil, err
	}
	run := &gExprRun{Left: left}
	for {
		at := *lex.Peek()
		op := binaryOp(lex)
		if op == "" {
			if isWord(&at, tPunct, "=") {
				// Nothing follows an expression with =: it is a comparison written as in a spreadsheet.
				return nil, &fixError{tok: at, msg: `unexpected "=": compare with ==`, hint: "= only sets a value, in let, calc, update and set", fix: "=="}
			}
			return run, nil
		}
		right, err := readOperand(lex)
		if err != nil {
			return nil, err
		}
		if err := unitWordAfter(lex, right); err != nil {
			return nil, err
		}
		run.Rest = append(run.Rest, &gBinary{Pos: at.Pos, Op: op, Right: right})
	}
}

// unitWordAfter reports a duration written in words (`now + 2 days`,
// `deal.visit_date - 1 day`): a whole number operand followed, on its line,
// by a word for a unit of time. Nothing else puts a name right after a
// number, but a setting's key after a setting's value (`hours [...]`):
// a word followed by a value is taken for that.
func unitWordAfter(lex tokens, x *gOperand) error {
	num := x.X.Lit
	if num.Type != tNumber || len(x.Ops) > 0 || strings.ContainsAny(num.Value, ".eE") {
		return nil
	}
	at := lex.mark()
	defer lex.reset(at)
	word := *lex.Next()
	if word.Type != tIdent || word.Pos.Line != num.Pos.Line || unitWords[strings.ToLower(word.Value)] == "" {
		return nil
	}
	if n := lex.Peek(); startsOperand(n) && n.Type != tIdent {
		return nil
	}
	return durationError(num, word)
}

// binaryOp consumes a binary operator and returns it as participle captures
// it ("notin" for `not in`), or consumes nothing and returns "".
func binaryOp(lex tokens) string {
	t := lex.Peek()
	switch {
	case t.Type == tKeyword && (t.Value == "or" || t.Value == "and" || t.Value == "in"):
	case t.Type == tKeyword && t.Value == "not":
		cp := lex.mark()
		lex.Next()
		if in := lex.Peek(); in.Type == tKeyword && in.Value == "in" {
			lex.Next()
			return "notin"
		}
		lex.reset(cp)
		return ""
	case t.Type == tPunct && binaryPuncts[t.Value]:
	default:
		return ""
	}
	return lex.Next().Value
}

var binaryPuncts = map[string]bool{
	"==": true, "!=": true, "<=": true, ">=": true, "<": true, ">": true,
	"..": true, "+": true, "-": true, "*": true, "/": true, "%": true,
}

func startsOperand(t *lexer.Token) bool {
	switch t.Type {
	case tIdent, tNumber, tDuration, tDateTime, tDate, tClock, tString:
		return true
	case tKeyword:
		return t.Value == "not" || t.Value == "true" || t.Value == "false" || t.Value == "null"
	case tPunct:
		return t.Value == "-" || t.Value == "(" || t.Value == "["
	}
	return false
}

func readOperand(lex tokens) (*gOperand, error) {
	op := &gOperand{}
	for t := lex.Peek(); isWord(t, tKeyword, "not") || isWord(t, tPunct, "-"); t = lex.Peek() {
		op.Prefix = append(op.Prefix, &gPrefix{Pos: t.Pos, Op: t.Value})
		lex.Next()
	}
	x, err := readPrimary(lex)
	if err != nil {
		return nil, err
	}
	op.X = x
	for {
		t := lex.Peek()
		switch {
		case isWord(t, tPunct, "."):
			lex.Next()
			w := lex.Peek()
			if w.Type != tIdent && w.Type != tKeyword {
				return nil, unexpected(w, "a name")
			}
			lex.Next()
			op.Ops = append(op.Ops, &gPostOp{Pos: t.Pos, Sel: &gWord{Pos: w.Pos, Name: w.Value}})
		case isWord(t, tPunct, "["):
			lex.Next()
			id, err := readIdent(lex, "a type, like work or mobile")
			if err != nil {
				return nil, err
			}
			rb, err := readPunct(lex, "]")
			if err != nil {
				return nil, err
			}
			op.Ops = append(op.Ops, &gPostOp{Pos: t.Pos, TypeSel: id, Rbrack: &gRbrack{Pos: rb.Pos, V: rb.Value}})
		default:
			return op, nil
		}
	}
}

func readPrimary(lex tokens) (*gPrimary, error) {
	t := lex.Peek()
	switch {
	case t.Type == tNumber || t.Type == tDuration || t.Type == tDateTime || t.Type == tDate ||
		t.Type == tClock || t.Type == tString ||
		t.Type == tKeyword && (t.Value == "true" || t.Value == "false" || t.Value == "null"):
		return &gPrimary{Lit: *lex.Next()}, nil
	case isWord(t, tPunct, "["):
		lex.Next()
		elems, rb, err := readRuns(lex, "]", true)
		if err != nil {
			return nil, err
		}
		return &gPrimary{List: &gList{Pos: t.Pos, Elems: elems, Rbrack: &gRbrack{Pos: rb.Pos, V: rb.Value}}}, nil
	case isWord(t, tPunct, "("):
		lex.Next()
		x, err := readRun(lex)
		if err != nil {
			return nil, err
		}
		rp, err := readPunct(lex, ")")
		if err != nil {
			return nil, err
		}
		return &gPrimary{Paren: &gParen{Pos: t.Pos, X: x, Rparen: &gRparen{Pos: rp.Pos, V: rp.Value}}}, nil
	}
	id, err := readIdent(lex, "an expression")
	if err != nil {
		return nil, err
	}
	p := &gPrimary{Ident: id}
	if isWord(lex.Peek(), tPunct, "(") {
		lex.Next()
		args, rp, err := readRuns(lex, ")", false)
		if err != nil {
			return nil, err
		}
		p.Args = &gArgs{Args: args, Rparen: &gRparen{Pos: rp.Pos, V: rp.Value}}
	}
	return p, nil
}

// readRuns reads expressions separated by commas up to and including the
// closing punctuation, which it returns; a list may end in a comma, a call's
// arguments may not.
func readRuns(lex tokens, closing string, trailingComma bool) ([]*gExprRun, lexer.Token, error) {
	var runs []*gExprRun
	for !isWord(lex.Peek(), tPunct, closing) || len(runs) > 0 && !trailingComma {
		e, err := readRun(lex)
		if err != nil {
			return nil, lexer.Token{}, err
		}
		runs = append(runs, e)
		if !isWord(lex.Peek(), tPunct, ",") {
			break
		}
		lex.Next()
	}
	end, err := readPunct(lex, closing)
	return runs, end, err
}

func readIdent(lex tokens, expect string) (*gIdent, error) {
	t := lex.Peek()
	if t.Type != tIdent {
		return nil, unexpected(t, expect)
	}
	lex.Next()
	return &gIdent{Pos: t.Pos, Name: t.Value}, nil
}

func readPunct(lex tokens, p string) (lexer.Token, error) {
	t := lex.Peek()
	if !isWord(t, tPunct, p) {
		return lexer.Token{}, unexpected(t, `"`+p+`"`)
	}
	return *lex.Next(), nil
}

func isWord(t *lexer.Token, typ lexer.TokenType, v string) bool {
	return t.Type == typ && t.Value == v
}

// fixError is a syntax error whose likely intent is known: its fix
// replaces the token it is at.
type fixError struct {
	tok            lexer.Token
	end            *lexer.Token // the last token it is about, when more than tok
	msg, hint, fix string
	remove         bool // the fix removes tok
}

func (e *fixError) Error() string            { return e.msg }
func (e *fixError) Message() string          { return e.msg }
func (e *fixError) Position() lexer.Position { return e.tok.Pos }

func unexpected(t *lexer.Token, expect string) error {
	return &participle.UnexpectedTokenError{Unexpected: *t, Expect: expect}
}

// readRule reads GRule = GLabel? "on" "stage" GStageRef GThen? GTiming? ("if" GExpr)? ":" GAction .
// A label followed by anything but "on" is no rule: it may be a trigger's.
func readRuleFrom(lex tokens) (gRuleDecl, error) {
	start := lex.mark()
	first := *lex.Peek()
	label := readLabel(lex)
	if !isWord(lex.Peek(), tKeyword, "on") {
		lex.reset(start)
		return nil, participle.NextMatch
	}
	r := &gRule{Pos: first.Pos, Label: label, On: *lex.Next()}
	if _, err := readWord(lex, tKeyword, "stage"); err != nil {
		return nil, err
	}
	ref, err := readStageRef(lex)
	if err != nil {
		return nil, err
	}
	r.Stage = ref
	if t := lex.Peek(); isWord(t, tKeyword, "then") {
		lex.Next()
		r.Then = &gThen{Pos: t.Pos, Then: true}
	}
	if t := lex.Peek(); isWord(t, tKeyword, "after") || isWord(t, tKeyword, "at") {
		lex.Next()
		tm := &gTiming{Pos: t.Pos}
		if t.Value == "after" {
			d := lex.Peek()
			if d.Type != tDuration {
				return nil, unexpected(d, "a duration (180d, 2h)")
			}
			lex.Next()
			tm.After = &gDur{Pos: d.Pos, Raw: d.Value}
		} else if tm.At, err = readRequiredExpr(lex); err != nil {
			return nil, err
		}
		for lex.Peek().Type == tIdent {
			o := lex.Next()
			tm.Options = append(tm.Options, &gIdent{Pos: o.Pos, Name: o.Value})
		}
		r.Timing = tm
	}
	if isWord(lex.Peek(), tKeyword, "if") {
		lex.Next()
		if r.Cond, err = readRequiredExpr(lex); err != nil {
			return nil, err
		}
	}
	if _, err := readPunct(lex, ":"); err != nil {
		return nil, err
	}
	if r.Action, err = readAction(lex); err != nil {
		return nil, err
	}
	return r, nil
}

// readLabel reads GLabel = GIdent ":" . It returns nil, having consumed
// nothing, where there is none.
func readLabel(lex tokens) *gLabel {
	t := *lex.Peek()
	if t.Type != tIdent {
		return nil
	}
	cp := lex.mark()
	lex.Next()
	if !isWord(lex.Peek(), tPunct, ":") {
		lex.reset(cp)
		return nil
	}
	lex.Next()
	return &gLabel{Name: &gIdent{Pos: t.Pos, Name: t.Value}}
}

// readStageRef reads GStageRef = GName ("." GName)? .
func readStageRef(lex tokens) (*gStageRef, error) {
	first, err := readName(lex)
	if err != nil {
		return nil, err
	}
	ref := &gStageRef{First: first}
	if isWord(lex.Peek(), tPunct, ".") {
		lex.Next()
		if ref.Second, err = readName(lex); err != nil {
			return nil, err
		}
	}
	return ref, nil
}

// readName reads GName = <ident> | <string> .
func readName(lex tokens) (*gName, error) {
	t := lex.Peek()
	switch t.Type {
	case tIdent:
		lex.Next()
		return &gName{Pos: t.Pos, Bare: t.Value}, nil
	case tString:
		lex.Next()
		return &gName{Pos: t.Pos, Quoted: t.Value}, nil
	}
	return nil, unexpected(t, "a stage")
}

// readAction reads GAction = GLet | GUpdate | GCall .
func readAction(lex tokens) (*gAction, error) {
	t := lex.Peek()
	switch {
	case isWord(t, tKeyword, "let") || isWord(t, tKeyword, "calc"):
		lex.Next()
		let := &gLet{Pos: t.Pos, Kind: t.Value}
		var err error
		if let.Name, err = readIdent(lex, "a name"); err != nil {
			return nil, err
		}
		if let.Value, err = readAssigned(lex); err != nil {
			return nil, err
		}
		return &gAction{Let: let}, nil
	case isWord(t, tKeyword, "update"):
		lex.Next()
		up := &gUpdate{Pos: t.Pos}
		head, err := readIdent(lex, "a field path")
		if err != nil {
			return nil, err
		}
		up.Field = &gPath{Head: head}
		for isWord(lex.Peek(), tPunct, ".") {
			lex.Next()
			w := lex.Peek()
			if w.Type != tIdent && w.Type != tKeyword {
				return nil, unexpected(w, "a name")
			}
			lex.Next()
			up.Field.Sels = append(up.Field.Sels, &gWord{Pos: w.Pos, Name: w.Value})
		}
		if up.Value, err = readAssigned(lex); err != nil {
			return nil, err
		}
		return &gAction{Update: up}, nil
	case t.Type == tIdent:
		return readCall(lex)
	}
	return nil, unexpected(t, "an action")
}

// readCall reads GCall = GIdent GIdent ("to" GExpr)? GSettings? ("as" GIdent)? .
func readCall(lex tokens) (*gAction, error) {
	call := &gCall{}
	var err error
	if call.Verb, err = readIdent(lex, "an action"); err != nil {
		return nil, err
	}
	if call.Object, err = readIdent(lex, "what to "+call.Verb.Name); err != nil {
		return nil, err
	}
	if isWord(lex.Peek(), tKeyword, "to") {
		lex.Next()
		if call.Target, err = readRequiredExpr(lex); err != nil {
			return nil, err
		}
	}
	settings, err := readSettingsFrom(lex)
	switch {
	case err == participle.NextMatch:
	case err != nil:
		return nil, err
	default:
		call.Settings = settings
	}
	if isWord(lex.Peek(), tKeyword, "as") {
		lex.Next()
		if call.Result, err = readIdent(lex, "a name"); err != nil {
			return nil, err
		}
	}
	return &gAction{Call: call}, nil
}

// readAssigned reads "=" GExpr .
func readAssigned(lex tokens) (gExpr, error) {
	if _, err := readPunct(lex, "="); err != nil {
		return nil, err
	}
	return readRequiredExpr(lex)
}

func readRequiredExpr(lex tokens) (gExpr, error) {
	x, err := readExprFrom(lex)
	if err == participle.NextMatch {
		return nil, unexpected(lex.Peek(), "an expression")
	}
	return x, err
}

func readWord(lex tokens, typ lexer.TokenType, w string) (lexer.Token, error) {
	t := lex.Peek()
	if !isWord(t, typ, w) {
		return lexer.Token{}, unexpected(t, `"`+w+`"`)
	}
	return *lex.Next(), nil
}
