package parser

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The hand-written readers of the two productions that make up most of a
// declaration's tokens: expressions and runs of settings. participle calls
// them through ParseTypeWith; they build the same grammar structs that
// participle would build from the structs' tags, in one pass without
// branches. Each returns participle.NextMatch, having consumed nothing, when
// its production does not start here, so that optional uses (`('to' @@)?`)
// work as with any other production.
//
// Bracket nesting is bounded by MaxDepth before parsing starts, which bounds
// the recursion here.

// readSettings reads GSettingList = GSetting+ .
func readSettings(lex *lexer.PeekingLexer) (gSettings, error) {
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
func readSetting(lex *lexer.PeekingLexer) (*gSetting, error) {
	k := lex.Peek()
	if k.Type != tIdent && !isWord(k, tKeyword, "stage") {
		return nil, nil
	}
	start := lex.MakeCheckpoint()
	lex.Next()
	s := &gSetting{Key: &gKey{Pos: k.Pos, Name: k.Value}}
	if n := lex.Peek(); n.Type == tIdent {
		name := lex.MakeCheckpoint()
		lex.Next()
		if isWord(lex.Peek(), tPunct, ":") {
			lex.Next()
			s.Name = &gIdent{Pos: n.Pos, Name: n.Value}
		} else {
			lex.LoadCheckpoint(name)
		}
	}
	if !startsOperand(lex.Peek()) {
		if s.Name != nil {
			return nil, unexpected(lex.Peek(), "a value")
		}
		lex.LoadCheckpoint(start)
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
func readExpr(lex *lexer.PeekingLexer) (gExpr, error) {
	if !startsOperand(lex.Peek()) {
		return nil, participle.NextMatch
	}
	return readRun(lex)
}

func readRun(lex *lexer.PeekingLexer) (*gExprRun, error) {
	left, err := readOperand(lex)
	if err != nil {
		return nil, err
	}
	run := &gExprRun{Left: left}
	for {
		at := *lex.Peek()
		op := binaryOp(lex)
		if op == "" {
			return run, nil
		}
		right, err := readOperand(lex)
		if err != nil {
			return nil, err
		}
		run.Rest = append(run.Rest, &gBinary{Pos: at.Pos, Op: op, Right: right})
	}
}

// binaryOp consumes a binary operator and returns it as participle captures
// it ("notin" for `not in`), or consumes nothing and returns "".
func binaryOp(lex *lexer.PeekingLexer) string {
	t := lex.Peek()
	switch {
	case t.Type == tKeyword && (t.Value == "or" || t.Value == "and" || t.Value == "in"):
	case t.Type == tKeyword && t.Value == "not":
		cp := lex.MakeCheckpoint()
		lex.Next()
		if in := lex.Peek(); in.Type == tKeyword && in.Value == "in" {
			lex.Next()
			return "notin"
		}
		lex.LoadCheckpoint(cp)
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

func readOperand(lex *lexer.PeekingLexer) (*gOperand, error) {
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
			id, err := readIdent(lex)
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

func readPrimary(lex *lexer.PeekingLexer) (*gPrimary, error) {
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
	id, err := readIdent(lex)
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
func readRuns(lex *lexer.PeekingLexer, closing string, trailingComma bool) ([]*gExprRun, lexer.Token, error) {
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

func readIdent(lex *lexer.PeekingLexer) (*gIdent, error) {
	t := lex.Peek()
	if t.Type != tIdent {
		return nil, unexpected(t, "an expression")
	}
	lex.Next()
	return &gIdent{Pos: t.Pos, Name: t.Value}, nil
}

func readPunct(lex *lexer.PeekingLexer, p string) (lexer.Token, error) {
	t := lex.Peek()
	if !isWord(t, tPunct, p) {
		return lexer.Token{}, unexpected(t, `"`+p+`"`)
	}
	return *lex.Next(), nil
}

func isWord(t *lexer.Token, typ lexer.TokenType, v string) bool {
	return t.Type == typ && t.Value == v
}

func unexpected(t *lexer.Token, expect string) error {
	return &participle.UnexpectedTokenError{Unexpected: *t, Expect: expect}
}
