package parser

import (
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Recovery inside blocks. A declaration with a block (a pipeline's stages,
// a resource's settings, a test's statements) that does not parse is
// parsed again a statement at a time: each line of the block, at the
// block's own nesting level, is parsed as the block's only statement, so
// that every bad line is reported where it is wrong (not at the next
// keyword), and the good lines still make the declaration, which the
// checker then knows (the stages of a pipeline whose fifth line is
// broken). A block whose "}" is missing is closed at the end of the
// declaration, and the error names both places: where "}" was expected
// and the "{" it would close.
//
// Nothing here knows the statements of any block: a line is good when the
// declaration's own grammar accepts it as the block's content.

// block is the parts of a declaration's tokens around its first block.
type block struct {
	head  []lexer.Token   // up to and including "{"
	lines [][]lexer.Token // the statements, one a line
	close *lexer.Token    // the "}" that closes the block; nil when missing
	tail  []lexer.Token   // after "}"
	// open is, by line, a "{" the line opens and does not close before
	// the next line starts a statement (given d { title "A" without "}").
	open map[int]*lexer.Token
}

// statementWords start a statement of a block. A line inside a nested
// "{ ... }" never starts with one (settings start with a name), so a line
// that does closes what is still open.
var statementWords = map[string]bool{"at": true, "wait": true, "move": true, "set": true, "event": true, "expect": true, "given": true}

// splitBlock finds the first "{" outside brackets and cuts toks around
// it, or reports false when there is none.
func splitBlock(toks []lexer.Token) (block, bool) {
	open := -1
	depth := 0
	for i, t := range toks {
		if t.Type != tPunct {
			continue
		}
		if t.Value == "{" && depth == 0 {
			open = i
			break
		}
		depth += bracketDelta(t.Value)
	}
	if open < 0 {
		return block{}, false
	}
	b := block{head: toks[:open+1]}
	var stack []int // the open brackets of the current line
	start := open + 1
	for i := open + 1; i < len(toks); i++ {
		t := toks[i]
		if len(stack) == 0 && t.Type == tPunct && t.Value == "}" {
			b.addLine(toks[start:i])
			b.close = &toks[i]
			b.tail = toks[i+1:]
			return b, true
		}
		newLine := i > start && t.Pos.Line > toks[i-1].Pos.Line
		if newLine && len(stack) > 0 && t.Type == tKeyword && statementWords[t.Value] && toks[stack[len(stack)-1]].Value == "{" {
			if b.open == nil {
				b.open = map[int]*lexer.Token{}
			}
			b.open[len(b.lines)] = &toks[stack[len(stack)-1]]
			stack = stack[:0]
		}
		if len(stack) == 0 && newLine {
			b.addLine(toks[start:i])
			start = i
		}
		if t.Type == tPunct {
			switch bracketDelta(t.Value) {
			case 1:
				stack = append(stack, i)
			case -1:
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
		}
	}
	b.addLine(toks[start:])
	return b, true
}

func (b *block) addLine(toks []lexer.Token) {
	if len(toks) > 0 {
		b.lines = append(b.lines, toks)
	}
}

func bracketDelta(p string) int {
	switch p {
	case "(", "[", "{":
		return 1
	case ")", "]", "}":
		return -1
	}
	return 0
}

// closing is the "}" of the block: the real one, or one made up just after
// the last token of the declaration when it is missing.
func (b *block) closing(toks []lexer.Token) lexer.Token {
	if b.close != nil {
		return *b.close
	}
	last := toks[len(toks)-1]
	t := lexer.Token{Type: tPunct, Value: "}", Pos: last.Pos}
	t.Pos.Offset += len(last.Value)
	t.Pos.Column += token.RuneCount(last.Value)
	return t
}

// recoverBlock parses a declaration that failed as a whole a line of its
// block at a time (see above). It reports false, having reported nothing,
// when the declaration is not wrong inside its block: its first error is
// then the one to report.
func (p *parser) recoverBlock(toks []lexer.Token) bool {
	b, ok := splitBlock(toks)
	if !ok || hasLexError(b.head) {
		return false
	}
	rbrace := b.closing(toks)
	var errs []*chunkError
	var good []lexer.Token
	var unclosedLines []unclosedLine
	salvaged := map[token.Pos]bool{}
	for i, line := range b.lines {
		if open := b.open[i]; open != nil {
			line = append(append([]lexer.Token(nil), line...), after(line[len(line)-1], "}"))
			unclosedLines = append(unclosedLines, unclosedLine{open: *open, end: line[len(line)-2]})
		}
		// The line alone in the block, closed right after it.
		close := after(line[len(line)-1], "}")
		try := append(append(append([]lexer.Token(nil), b.head...), line...), close)
		if _, err := p.parseTokens(try); err != nil {
			if err.tok.Pos.Offset < line[0].Pos.Offset && !err.lexical {
				return false // the head is wrong, not this line
			}
			if part := p.salvage(b.head, line); part != nil {
				// What the line declares is still declared (given d { ...
				// with a bad setting: the item d), so that nothing that
				// uses it gets an error that follows from this one.
				good = append(good, part...)
				salvaged[p.pos(line[0].Pos)] = true
			}
			if slip := countSlip(line); slip != nil {
				err = slip
			} else if err.tok.Pos.Offset == line[0].Pos.Offset && len(line) > 1 {
				err = p.reblame(b.head, line, err)
			}
			if b.head[0].Value == "test" && strings.HasSuffix(err.msg, `expected "}"`) && !slipped(line, err.tok) {
				err = p.stmtError(line, err)
			}
			if err.tok.Pos.Offset == close.Pos.Offset && err.tok.Value == "}" {
				err.tok = lexer.Token{Type: tEOF, Pos: close.Pos}
				err.msg = strings.Replace(err.msg, `unexpected "}"`, "unexpected end of line", 1)
			}
			err.inBlock = true
			errs = append(errs, err)
			continue
		}
		good = append(good, line...)
	}
	if b.close != nil && len(errs) == 0 && len(unclosedLines) == 0 {
		return false // each line parses: what is wrong is around the block
	}
	rebuilt := append(append(append(append([]lexer.Token(nil), b.head...), good...), rbrace), b.tail...)
	decls, err := p.parseTokens(rebuilt)
	if err != nil {
		return false
	}
	for _, e := range errs {
		p.reportIn(e, toks, lineOf(b.lines, e.tok))
	}
	for _, u := range unclosedLines {
		at := p.end(u.end)
		d := p.diags.Errorf(at, at, diag.ESyntax, `"{" is not closed: expected "}" at the end of the line`)
		d.Relate(p.pos(u.open.Pos), p.end(u.open), `the "{" that is not closed`)
		d.Hint = `close it with "}" on the line it opens`
		d.Replace(at, at, " }")
	}
	markSalvaged(decls, salvaged)
	if b.close == nil {
		open := b.head[len(b.head)-1]
		at := p.pos(rbrace.Pos)
		p.diags.Errorf(at, at, diag.ESyntax, `"{" is not closed: expected "}" before the next declaration`).
			Relate(p.pos(open.Pos), p.end(open), `the "{" that is not closed`).Hint =
			`close the block with "}" on a line of its own, or indent the lines that belong to it`
		// The declaration ends at its last token, not after a "}" that is not there.
		setRbrace(decls, at-1)
	}
	p.decls = append(p.decls, decls...)
	return true
}

// unclosedLine is a line of a block whose "{" is not closed on it.
type unclosedLine struct{ open, end lexer.Token }

// after is a made-up token of punctuation p just after t.
func after(t lexer.Token, p string) lexer.Token {
	a := lexer.Token{Type: tPunct, Value: p, Pos: t.Pos}
	a.Pos.Offset += len(t.Value)
	a.Pos.Column += token.RuneCount(t.Value)
	return a
}

// salvage is the start of a bad line up to its own "{", closed at once,
// when that is a statement of the block (given d { with a bad setting),
// or nil.
func (p *parser) salvage(head, line []lexer.Token) []lexer.Token {
	for i, t := range line {
		if t.Type == tPunct && bracketDelta(t.Value) != 0 && t.Value != "{" {
			return nil
		}
		if isWord(&t, tPunct, "{") {
			part := append(append([]lexer.Token(nil), line[:i+1]...), after(t, "}"))
			try := append(append(append([]lexer.Token(nil), head...), part...), after(part[len(part)-1], "}"))
			if _, err := p.parseTokens(try); err != nil {
				return nil
			}
			return part
		}
	}
	return nil
}

// markSalvaged marks the test items whose lines salvage kept.
func markSalvaged(decls []ast.Decl, at map[token.Pos]bool) {
	if len(at) == 0 {
		return
	}
	for _, d := range decls {
		if t, ok := d.(*ast.TestDecl); ok {
			for _, s := range t.Stmts {
				if it, ok := s.(*ast.ItemStmt); ok && at[it.Given] {
					it.Broken = true
				}
			}
		}
	}
}

// reblame finds where a statement that fails at its first word really goes
// wrong: participle's lookahead blames the keyword that starts a statement
// (`unexpected keyword wait`) for a mistake further on (`wait 1 day`). The
// longest start of the line that parses as a statement ends just before
// the token to blame; a line none of whose starts parses keeps its error.
func (p *parser) reblame(head, line []lexer.Token, err *chunkError) *chunkError {
	for _, t := range line[1:] {
		if slip := durationSlip(line, t); slip != nil && t.Type == tNumber {
			return slip
		}
	}
	for n := len(line) - 1; n >= 1; n-- {
		end := line[n-1]
		close := lexer.Token{Type: tPunct, Value: "}", Pos: end.Pos}
		close.Pos.Offset += len(end.Value)
		close.Pos.Column += token.RuneCount(end.Value)
		try := append(append(append([]lexer.Token(nil), head...), line[:n]...), close)
		if _, e := p.parseTokens(try); e == nil {
			if slip := durationSlip(line, line[n]); slip != nil {
				return slip
			}
			var words []string
			for _, t := range line[:n] {
				words = append(words, t.Value)
			}
			return &chunkError{tok: line[n], code: diag.ESyntax,
				msg: fmt.Sprintf("unexpected %s: the statement %q is complete before it", describe(line[n]), strings.Join(words, " "))}
		}
	}
	return err
}

// slipped reports whether a slip recognises the error at tok.
func slipped(toks []lexer.Token, tok lexer.Token) bool {
	for _, slip := range slips {
		if slip(toks, tok) != nil {
			return true
		}
	}
	return false
}

// testStmtWords are the words that start a test's statement, as a hint says them.
const testStmtWords = "at, given, move, set, event, wait or expect"

// stmtError is the error of a test's statement parsed on its own, where
// the test's grammar blamed it as a whole (expected "}"): move d a Pagato
// is wrong at a (expected "to"), event ... text at the setting without a
// value; a line that starts no statement (aspetta 2d) is told which
// words do.
func (p *parser) stmtError(line []lexer.Token, err *chunkError) *chunkError {
	first := line[0]
	if first.Type != tKeyword || !statementWords[first.Value] {
		return &chunkError{tok: first, code: diag.ESyntax,
			msg:  fmt.Sprintf("unexpected %s: a test's statement starts with %s", describe(first), testStmtWords),
			hint: "for example: wait 2d, move d to STAGE, expect sent sms"}
	}
	last := line[len(line)-1]
	eof := lexer.Token{Type: tEOF, Pos: last.Pos}
	eof.Pos.Offset += len(last.Value)
	eof.Pos.Column += token.RuneCount(last.Value)
	pl, e := lexer.Upgrade(&sliceLexer{toks: line, eof: eof})
	if e != nil {
		return err
	}
	if _, e := stmtGrammar().ParseFromLexer(pl); e != nil {
		se := p.syntaxError(e, first)
		if first.Value == "move" && len(line) > 3 && line[1].Type == tIdent && se.tok.Pos.Offset == line[2].Pos.Offset {
			// move d a Pagato: to in another language.
			se.msg = fmt.Sprintf("unexpected %s, expected to: move ITEM to STAGE", describe(line[2]))
			se.hint = fmt.Sprintf("write move %s to %s", line[1].Value, sourceText(line[3:]))
			if line[2].Type == tIdent && len(line) == 4 {
				se.fix = "to"
			}
		}
		// A statement cut short (move, expect alone) keeps the block's error.
		if se.tok.Pos.Offset > first.Pos.Offset && se.tok.Type != tEOF {
			return se
		}
	}
	return err
}

// lineOf is the line of the block that tok is in, for reporting an error
// at the end of a line.
func lineOf(lines [][]lexer.Token, tok lexer.Token) []lexer.Token {
	for _, l := range lines {
		if tok.Pos.Offset <= l[len(l)-1].Pos.Offset+len(l[len(l)-1].Value) && tok.Pos.Offset >= l[0].Pos.Offset {
			return l
		}
	}
	return nil
}

// setRbrace places the made-up "}" of a declaration whose block was not
// closed, so that its End is its last token.
func setRbrace(decls []ast.Decl, at token.Pos) {
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.PipelineDecl:
			d.Rbrace = at
		case *ast.ResourceDecl:
			d.Rbrace = at
		case *ast.TestDecl:
			d.Rbrace = at
		}
	}
}

// reportIn reports a statement's error; one at the end of the statement
// is placed after its last token.
func (p *parser) reportIn(err *chunkError, toks, line []lexer.Token) {
	if err.tok.Type == tEOF && len(line) > 0 {
		p.report(err, line)
		return
	}
	p.report(err, toks)
}

// unclosed is the innermost bracket of toks still open at offset, or nil.
func unclosed(toks []lexer.Token, offset int) *lexer.Token {
	var stack []int
	for i, t := range toks {
		if t.Pos.Offset >= offset {
			break
		}
		if t.Type != tPunct {
			continue
		}
		switch bracketDelta(t.Value) {
		case 1:
			stack = append(stack, i)
		case -1:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) == 0 {
		return nil
	}
	return &toks[stack[len(stack)-1]]
}

// closers maps an opening bracket to its closing one.
var closers = map[string]string{"(": ")", "[": "]", "{": "}"}

// relateUnclosed adds to an error that expects a closing bracket the
// place of the bracket it would close.
func (p *parser) relateUnclosed(d *diag.Diagnostic, msg string, toks []lexer.Token, offset int) {
	open := unclosed(toks, offset)
	if open == nil || !strings.Contains(msg, fmt.Sprintf("%q", closers[open.Value])) {
		return
	}
	d.Relate(p.pos(open.Pos), p.end(*open), fmt.Sprintf("the %q that is not closed", open.Value))
}

// resourceBlock reports whether toks declare a resource with a block
// (calendar work { ... }): a bad value's token on one line of it
// (holidays [2026-02-30]), which the scanner reports, hides none of the
// block's other lines.
func resourceBlock(toks []lexer.Token) bool {
	return len(toks) > 3 && toks[0].Type == tIdent && DeclWords[toks[0].Value] && toks[0].Value != "test" && toks[0].Value != "field" &&
		toks[1].Type == tIdent && !hasLexError(toks[:2])
}
