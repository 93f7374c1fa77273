// Package parser turns *.rules source into an ast.File and diagnostics. It is
// the only importer of participle.
//
// participle stops at the first syntax error, and a user with three broken
// rules wants three errors. So the parser lexes a file once, splits the tokens
// into declarations at lines that start at column 1 with a declaration word,
// and parses each declaration on its own; positions stay those of the whole
// file. A declaration that does not parse becomes an ast.BadDecl, and the
// checker skips it without follow-on errors.
package parser

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Limits. Each one, when crossed, is a diagnostic, never a crash.
const (
	MaxSourceBytes = 1 << 20 // bytes in one file
	MaxDepth       = 32      // nesting of ( [ { within a declaration
	MaxDeclTokens  = 20000   // tokens in one declaration
)

// DeclWords start a declaration when they begin a line at column 1. The
// resource kinds are listed so that a resource line at column 1 is not taken
// for a setting continuing the declaration above.
var DeclWords = map[string]bool{
	"on": true, "move": true, "field": true, "pipeline": true, "test": true,
	"mailbox": true, "line": true, "provider": true, "channel": true, "form": true,
	"employee": true, "template": true, "calendar": true, "action": true,
}

var options = []participle.Option{
	participle.Lexer(definition{}),
	participle.UseLookahead(2),
}

var grammar = sync.OnceValue(func() *participle.Parser[gFile] {
	return participle.MustBuild[gFile](append(options, participle.ParseTypeWith(readRule),
		participle.ParseTypeWith(readExpr), participle.ParseTypeWith(readSettings))...)
})

// The productions that readers.go reads by hand, as participle's own
// parsers: they give the EBNF, and the tests hold the readers to them.
var (
	exprGrammar = sync.OnceValue(func() *participle.Parser[gExprRun] {
		return participle.MustBuild[gExprRun](options...)
	})
	settingsGrammar = sync.OnceValue(func() *participle.Parser[gSettingList] {
		return participle.MustBuild[gSettingList](append(options, participle.ParseTypeWith(readExpr))...)
	})
	// stmtGrammar parses one statement of a test on its own, for its
	// error: inside the test's block participle blames the statement's
	// first word (expected "}") for a mistake further on.
	stmtGrammar = sync.OnceValue(func() *participle.Parser[gStmt] {
		return participle.MustBuild[gStmt](append(options,
			participle.ParseTypeWith(readExpr), participle.ParseTypeWith(readSettings))...)
	})
	ruleGrammar = sync.OnceValue(func() *participle.Parser[gRule] {
		return participle.MustBuild[gRule](append(options,
			participle.ParseTypeWith(readExpr), participle.ParseTypeWith(readSettings))...)
	})
)

// Grammar returns the grammar in participle's EBNF notation: the
// declarations, then the productions read by hand, each production once.
func Grammar() string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, part := range []string{
		grammar().String(),
		"(* GRuleDecl, GSettings and GExpr are read by hand-written parsers that follow these productions. *)",
		"GRuleDecl = GRule .", ruleGrammar().String(),
		"GSettings = GSettingList .", settingsGrammar().String(),
		"GExpr = GExprRun .", exprGrammar().String(),
	} {
		for _, line := range strings.Split(part, "\n") {
			name, _, ok := strings.Cut(line, " = ")
			if ok && seen[name] {
				continue
			}
			seen[name] = true
			b.WriteString(line + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ParseFile parses one file that has been added to a FileSet.
func ParseFile(f *token.File) (*ast.File, *diag.List) { return parseFile(f, nil) }

// parseFile parses f, taking the rules whose text did not change from
// cache, and leaving this parse's in it, when cache is not nil.
func parseFile(f *token.File, cache *Cache) (*ast.File, *diag.List) {
	var ds diag.List
	file := &ast.File{Name: f.Name(), Size: f.Size(), Base: token.Pos(f.Base())}
	if f.Size() > MaxSourceBytes {
		ds.Errorf(f.Pos(0), f.Pos(0), diag.ETooLarge, "file is %d bytes; the limit is %d bytes (1 MiB): split it into several files", f.Size(), MaxSourceBytes)
		return file, &ds
	}
	// One parse at a time reuses the token buffer; one running alongside
	// (the API server checks rule sets at once) allocates its own.
	var buf []lexer.Token
	reuse := tokenBuf.TryLock()
	if reuse {
		buf = tokenBuf.toks
	}
	if buf == nil {
		// One token per 4 bytes at most, as rules are written; appending
		// grows it where they are denser, and the grown one is kept.
		buf = make([]lexer.Token, 0, len(f.Source())/4)
	}
	all, lexErrs, text := scanInto(buf, f.Name(), f.Source())
	if reuse {
		defer func() {
			// The tokens hold the text's strings: keep none of them alive.
			// A buf that all outgrew still holds those written before.
			clear(all)
			clear(buf[:cap(buf)])
			switch {
			case cap(all) <= maxKeptTokens:
				tokenBuf.toks = all[:0]
			case cap(buf) <= maxKeptTokens:
				tokenBuf.toks = buf[:0]
			default:
				tokenBuf.toks = nil
			}
			tokenBuf.Unlock()
		}()
	}
	for _, e := range lexErrs {
		d := ds.Errorf(f.Pos(e.offset), f.Pos(e.end), e.code, "%s", e.msg)
		d.Hint = e.hint
		if e.fix != "" {
			d.Replace(f.Pos(e.offset), f.Pos(e.end), e.fix)
		}
	}
	toks := all[:0] // comments leave in place
	for _, t := range all {
		if t.Type == tComment {
			file.Comments = append(file.Comments, &ast.Comment{
				Hash: f.Pos(t.Pos.Offset), Text: t.Value, Trailing: !f.LineStart(t.Pos.Offset),
			})
			continue
		}
		toks = append(toks, t)
	}
	chunks := split(toks)
	p := &parser{file: f, base: f.Base(), diags: &ds, decls: make([]ast.Decl, 0, len(chunks))}
	if cache == nil {
		for _, chunk := range chunks {
			p.parseChunk(chunk)
		}
	} else {
		next := cache.start(len(chunks))
		for i, chunk := range chunks {
			// A chunk's text runs to the next one's (or to the end), so
			// that two chunks of the same text are the same tokens.
			from, to := chunk[0][0].Pos, len(text)
			if i+1 < len(chunks) {
				to = chunks[i+1][0][0].Pos.Offset
			}
			if from.Column != 1 {
				p.parseChunk(chunk) // the file's first, indented: its columns differ
				continue
			}
			key := text[from.Offset:to]
			at := p.pos(from)
			if r, ok := cache.take(key, at); ok {
				p.decls = append(p.decls, r.decl)
				next.keep(r)
				continue
			}
			n, nd := ds.Len()+ds.Dropped(), len(p.decls)
			p.parseChunk(chunk)
			if len(p.decls) != nd+1 || ds.Len()+ds.Dropped() != n {
				continue // no declaration, several, or diagnostics: parsed again next time
			}
			if r, ok := p.decls[nd].(*ast.RuleDecl); ok {
				if own, ok := ownRule(r, key); ok {
					next.keep(cachedRule{r, at, own})
				}
			}
		}
		cache.finish(next)
	}
	file.Decls = p.decls
	return file, &ds
}

// tokenBuf is the slice ParseFile scans into, kept from one parse to the
// next: an editor parses a file after every keystroke, and a token is 64
// bytes, several times the text it stands for. Only a buffer of up to
// maxKeptTokens (4 MiB) is kept.
var tokenBuf struct {
	sync.Mutex
	toks []lexer.Token
}

const maxKeptTokens = 1 << 16

type parser struct {
	file  *token.File
	base  int
	diags *diag.List
	decls []ast.Decl
}

// piece is a run of tokens starting at a line's column 1 (or at the file's start).
type piece []lexer.Token

// split cuts the tokens into chunks, each a list of pieces: a piece starts at
// a token in column 1 other than a closing bracket, and a chunk at a piece
// that starts with a declaration word. A chunk's other pieces are lines
// written at column 1 that continue the declaration.
func split(toks []lexer.Token) [][]piece {
	var chunks [][]piece
	var slab []piece // the chunks' pieces, allocated together
	start := 0
	flush := func(end int) {
		if end == start {
			return
		}
		pc := piece(toks[start:end])
		if n := len(chunks); n > 0 && isBareLabel(chunks[n-1]) && startsRuleOrTrigger(pc) {
			// A label on a line of its own names the rule or trigger below it.
			chunks[n-1] = append(chunks[n-1], pc)
		} else if len(chunks) == 0 || startsDecl(pc) {
			if len(slab) == cap(slab) {
				slab = make([]piece, 0, max(64, len(toks)/32))
			}
			slab = append(slab, pc)
			// Capacity one: a piece appended to the chunk gets its own array.
			chunks = append(chunks, slab[len(slab)-1:len(slab):len(slab)])
		} else {
			last := &chunks[len(chunks)-1]
			*last = append(*last, pc)
		}
		start = end
	}
	for i, t := range toks {
		if t.Type == tEOF {
			flush(i)
			break
		}
		if i > start && t.Pos.Column == 1 && !(t.Type == tPunct && strings.Contains(")]}", t.Value)) {
			flush(i)
		}
	}
	return chunks
}

// startsDecl reports whether a line at column 1 starts a declaration: with
// a declaration word, with a label (NAME:, which continues no declaration),
// or with the colon of a label whose name is missing.
func startsDecl(pc piece) bool {
	if DeclWords[pc[0].Value] && (pc[0].Type == tIdent || pc[0].Type == tKeyword) {
		return true
	}
	return startsLabel(pc) || isWord(&pc[0], tPunct, ":") && startsRuleOrTrigger(pc[1:]) || dashedLabel(pc) > 0
}

// dashedLabel is the number of tokens of a label written with dashes
// (promemoria-1:, as other tools name rules) before the rule or trigger it
// starts, its colon included, or 0.
func dashedLabel(toks []lexer.Token) int {
	if len(toks) < 4 || toks[0].Type != tIdent {
		return 0
	}
	k := 1
	for k+1 < len(toks) && isWord(&toks[k], tPunct, "-") && adjacent(toks[k-1], toks[k]) && adjacent(toks[k], toks[k+1]) &&
		(toks[k+1].Type == tIdent || toks[k+1].Type == tNumber || toks[k+1].Type == tKeyword || toks[k+1].Type == tDuration) {
		k += 2
	}
	if k == 1 || k >= len(toks) || !isWord(&toks[k], tPunct, ":") || !startsRuleOrTrigger(toks[k+1:]) {
		return 0
	}
	return k + 1
}

// adjacent reports whether b follows a with no space between them.
func adjacent(a, b lexer.Token) bool { return a.Pos.Offset+len(a.Value) == b.Pos.Offset }

// startsLabel reports whether toks start NAME:, a reserved word included so
// that using one is reported as such.
func startsLabel(toks []lexer.Token) bool {
	return len(toks) >= 2 && (toks[0].Type == tIdent || toks[0].Type == tKeyword) && isWord(&toks[1], tPunct, ":")
}

func isBareLabel(chunk []piece) bool {
	return len(chunk) == 1 && len(chunk[0]) == 2 && startsLabel(chunk[0])
}

func startsRuleOrTrigger(toks []lexer.Token) bool {
	return len(toks) > 0 && (isWord(&toks[0], tKeyword, "on") || isWord(&toks[0], tKeyword, "move"))
}

// labelError reports a label that names nothing, has no name or whose name
// is a reserved word. participle would report these too, but as whichever
// alternative of a declaration got furthest.
func labelError(toks []lexer.Token) *chunkError {
	const shape = "a label names the rule or trigger it starts: NAME: on stage ... or NAME: move to stage ..."
	if isWord(&toks[0], tPunct, ":") && startsRuleOrTrigger(toks[1:]) {
		return &chunkError{tok: toks[0], code: diag.ESyntax, msg: `expected a name before ":"`, hint: shape}
	}
	if n := dashedLabel(toks); n > 0 {
		var b strings.Builder
		for _, t := range toks[:n-1] {
			if t.Value == "-" {
				b.WriteByte('_')
			} else {
				b.WriteString(t.Value)
			}
		}
		e := &chunkError{tok: toks[0], end: &toks[n-2], code: diag.ESyntax,
			msg: "a label is letters, digits and _: not -", hint: "write it with _ for -, in letters, digits and _"}
		if validLabel(b.String()) {
			e.hint, e.fix = "write "+b.String()+":", b.String()
		}
		return e
	}
	if !startsLabel(toks) {
		return nil
	}
	name := toks[0]
	if name.Type == tKeyword {
		return &chunkError{tok: name, code: diag.ESyntax, msg: fmt.Sprintf("%s is a reserved word and cannot be a label", name.Value),
			hint: "choose another name, such as " + name.Value + "_rule"}
	}
	if len(toks) == 2 {
		return &chunkError{tok: lexer.Token{Type: tEOF}, code: diag.ESyntax, msg: fmt.Sprintf("the label %s: names nothing; expected on stage or move to stage after it", name.Value), hint: shape}
	}
	if !startsRuleOrTrigger(toks[2:]) {
		return &chunkError{tok: toks[2], code: diag.ESyntax,
			msg: fmt.Sprintf("unexpected %s after the label %s:, expected on stage or move to stage", describe(toks[2]), name.Value), hint: shape}
	}
	return nil
}

// parseChunk parses one declaration. When a chunk of several pieces fails,
// the first piece is tried alone: if it parses, the other pieces were not a
// continuation but stray lines, and they are reported on their own.
func (p *parser) parseChunk(pieces []piece) {
	toks := join(pieces)
	if decls, err := p.parseTokens(toks); err == nil {
		p.decls = append(p.decls, decls...)
		return
	} else if (!err.lexical || resourceBlock(toks)) && p.recoverBlock(toks) {
		// A lexical error inside a block (holidays [2026-02-30]) is the
		// scanner's, reported; the block's other lines are still checked.
		return
	} else if len(pieces) > 1 {
		decls, err1 := p.parseTokens(pieces[0])
		if err1 == nil {
			p.decls = append(p.decls, decls...)
		} else {
			p.report(err1, pieces[0])
			p.decls = append(p.decls, p.badDecl(pieces[0]))
		}
		p.reportStray(join(pieces[1:]))
		return
	} else {
		p.report(err, toks)
	}
	p.decls = append(p.decls, p.badDecl(toks))
}

// badDecl is the BadDecl of toks, with what a rule's tokens still say:
// its stage, then, and the name it sets (see ast.BadDecl).
func (p *parser) badDecl(toks []lexer.Token) *ast.BadDecl {
	bad := &ast.BadDecl{From: p.pos(toks[0].Pos), To: p.end(toks[len(toks)-1])}
	cur := &cursor{toks: toks, eof: lexer.Token{Type: tEOF}}
	readLabel(cur)
	if !isWord(cur.Peek(), tKeyword, "on") {
		return bad
	}
	cur.Next()
	if !isWord(cur.Peek(), tKeyword, "stage") {
		return bad
	}
	cur.Next()
	ref, err := readStageRef(cur)
	if err != nil {
		return bad
	}
	c := converter{p: p}
	bad.Stage = c.stageRef(ref)
	if t := cur.Peek(); isWord(t, tKeyword, "then") {
		bad.Then = p.pos(t.Pos)
	}
	// The action starts after the first ":" outside brackets; a name it sets is
	// let|calc NAME = at its start, or as NAME at its end.
	rest := toks[cur.i:]
	depth := 0
	for i, t := range rest {
		if t.Type == tPunct {
			depth += bracketDelta(t.Value)
		}
		if depth != 0 || !isWord(&rest[i], tPunct, ":") {
			continue
		}
		action := rest[i+1:]
		switch n := len(action); {
		case n >= 2 && (isWord(&action[0], tKeyword, "let") || isWord(&action[0], tKeyword, "calc")) && action[1].Type == tIdent:
			// let x := 1, calc y 2: the head is broken after the name, which is still set.
			bad.Binds = c.ident(&gIdent{Pos: action[1].Pos, Name: action[1].Value})
		case n >= 2 && isWord(&action[n-2], tKeyword, "as") && action[n-1].Type == tIdent:
			bad.Binds = c.ident(&gIdent{Pos: action[n-1].Pos, Name: action[n-1].Value})
		}
		break
	}
	return bad
}

// reportStray reports lines that belong to no declaration.
func (p *parser) reportStray(toks []lexer.Token) {
	if _, err := p.parseTokens(toks); err != nil {
		if !startsDecl(toks) {
			t := toks[0]
			if e := strayError(toks); e != nil && !hasLexError(toks) {
				p.report(e, toks)
			} else if !hasLexError(toks) {
				p.diags.Errorf(p.pos(t.Pos), p.end(t), diag.EExpectedDecl,
					"unexpected %s at the start of a line: a declaration starts with on, move, field, pipeline, test or a resource kind", describe(t)).Hint =
					"indent a line that continues the declaration above"
			}
		} else {
			p.report(err, toks)
		}
	}
	p.decls = append(p.decls, &ast.BadDecl{From: p.pos(toks[0].Pos), To: p.end(toks[len(toks)-1])})
}

func hasLexError(toks []lexer.Token) bool {
	for _, t := range toks {
		if t.Type == tError {
			return true
		}
	}
	return false
}

func join(pieces []piece) []lexer.Token {
	if len(pieces) == 1 {
		return pieces[0]
	}
	var out []lexer.Token
	for _, pc := range pieces {
		out = append(out, pc...)
	}
	return out
}

type chunkError struct {
	tok     lexer.Token  // where
	end     *lexer.Token // the last token it is about, when more than tok
	msg     string
	hint    string
	fix     string // when not empty, the text that should replace tok
	remove  bool   // the fix removes tok
	inBlock bool   // a statement's error, found by recoverBlock: its block is closed
	code    diag.Code
	lexical bool // already reported by the scanner
}

func (e *chunkError) Error() string { return e.msg }

// parseTokens parses tokens into declarations, after checking the limits.
func (p *parser) parseTokens(toks []lexer.Token) ([]ast.Decl, *chunkError) {
	if len(toks) > MaxDeclTokens {
		return nil, &chunkError{tok: toks[0], code: diag.ETooManyTokens,
			msg: fmt.Sprintf("declaration has %d tokens; the limit is %d", len(toks), MaxDeclTokens)}
	}
	depth := 0
	for _, t := range toks {
		switch {
		case t.Type == tError:
			return nil, &chunkError{tok: t, lexical: true}
		case t.Type != tPunct:
		case strings.Contains("([{", t.Value):
			depth++
			if depth > MaxDepth {
				return nil, &chunkError{tok: t, code: diag.ETooDeep,
					msg: fmt.Sprintf("brackets nested more than %d deep", MaxDepth)}
			}
		case strings.Contains(")]}", t.Value):
			depth--
		}
	}
	if err := labelError(toks); err != nil {
		return nil, err
	}
	if err := slashDate(toks); err != nil {
		return nil, err
	}
	last := toks[len(toks)-1]
	eof := lexer.Token{Type: tEOF, Pos: last.Pos}
	eof.Pos.Offset += len(last.Value)
	eof.Pos.Column += token.RuneCount(last.Value)
	d, rest := p.quickRule(toks, eof)
	if d != nil {
		return []ast.Decl{d}, nil
	}
	pl, err := lexer.Upgrade(&sliceLexer{toks: toks, eof: eof})
	if err != nil {
		return nil, &chunkError{tok: toks[0], code: diag.ESyntax, msg: err.Error()}
	}
	g, err := grammar().ParseFromLexer(pl)
	if err != nil {
		ce := p.syntaxError(err, toks[0])
		if rest > 0 && (ce.tok.Type == tEOF || ce.tok.Pos.Offset >= toks[rest].Pos.Offset) && ce.fix == "" && !ce.remove {
			// A whole rule, then words that start nothing: they are what is wrong, not the end.
			ce = &chunkError{tok: toks[rest], code: diag.ESyntax,
				msg:  fmt.Sprintf("unexpected %s: the rule is complete before it", describe(toks[rest])),
				hint: "a rule does one action; its settings are written key value"}
		}
		return nil, ce
	}
	c := converter{p: p}
	return c.file(g), nil
}

// quickRule reads a declaration that is one rule, as participle would
// (its first alternative is the rule, read by readRule), without
// participle: most declarations are rules, and participle's setup for
// each (copying the tokens, branching on the alternatives) cost more than
// reading them. Anything else, or a rule with an error, returns nil and
// takes participle's way, so that errors are reported as before.
//
// rest is where a rule read without error ended before the last token, or 0.
func (p *parser) quickRule(toks []lexer.Token, eof lexer.Token) (d ast.Decl, rest int) {
	first := &toks[0]
	if !isWord(first, tKeyword, "on") && !startsLabel(toks) {
		return nil, 0
	}
	cur := &cursor{toks: toks, eof: eof}
	g, err := readRuleFrom(cur)
	if err != nil || g == nil {
		return nil, 0
	}
	if cur.i != len(toks) {
		return nil, cur.i
	}
	return converter{p: p}.decl(&gDecl{Rule: g}), 0
}

func (p *parser) syntaxError(err error, first lexer.Token) *chunkError {
	var fe *fixError
	if errors.As(err, &fe) {
		return &chunkError{tok: fe.tok, end: fe.end, code: diag.ESyntax, msg: fe.msg, hint: fe.hint, fix: fe.fix, remove: fe.remove}
	}
	perr, ok := err.(participle.Error)
	if !ok {
		return &chunkError{tok: first, code: diag.ESyntax, msg: err.Error()}
	}
	tok := lexer.Token{Pos: perr.Position()}
	msg := perr.Message()
	if u, ok := err.(*participle.UnexpectedTokenError); ok {
		tok = u.Unexpected
		msg = "unexpected " + describe(tok)
		if exp := expectation(u.Message()); exp != "" {
			msg += ", expected " + exp
		}
	}
	return &chunkError{tok: tok, code: diag.ESyntax, msg: msg}
}

// expectation extracts participle's "(expected X)" when it is short enough to help.
func expectation(msg string) string {
	i := strings.LastIndex(msg, "(expected ")
	if i < 0 || !strings.HasSuffix(msg, ")") {
		return ""
	}
	raw := msg[i+len("(expected ") : len(msg)-1]
	exp := readable.Replace(raw)
	if len(exp) > 60 || grammarName.MatchString(exp) || strings.ContainsAny(quoted.ReplaceAllString(raw, ""), "?*+|") {
		return "" // participle's grammar notation (a name a string? ("{" ...)?) says nothing to a user
	}
	return exp
}

var (
	grammarName = regexp.MustCompile(`\bG[A-Z]`)
	quoted      = regexp.MustCompile(`"[^"]*"`)
)

// readable names participle's grammar types in words.
var readable = strings.NewReplacer(
	"<GRbrace>", `"}"`, "<GRparen>", `")"`, "<GRbrack>", `"]"`, "<GLbrace>", `"{"`,
	"<GIdent>", "a name", "<GWord>", "a name", "<GName>", "a name", "<GStr>", "a string",
	"<GDur>", "a duration (180d, 2h)", "<GExpr>", "an expression", "<GAction>", "an action",
	"<GStageRef>", "a stage", "<GPath>", "a field path", "<GSetting>", "a setting",
	"GRbrace", `"}"`, "GRparen", `")"`, "GRbrack", `"]"`, "GLbrace", `"{"`,
	"GIdent", "a name", "GWord", "a name", "GName", "a name", "GStr", "a string",
	"GDur", "a duration (180d, 2h)", "GExpr", "an expression", "GAction", "an action",
	"GStageRef", "a stage", "GPath", "a field path", "GSetting", "a setting",
)

func describe(t lexer.Token) string {
	switch t.Type {
	case tEOF:
		return "end of declaration"
	case tString:
		return "string " + t.Value
	case tKeyword:
		return "keyword " + t.Value
	}
	return fmt.Sprintf("%q", t.Value)
}

func (p *parser) report(err *chunkError, toks []lexer.Token) {
	if err.lexical {
		return // the scanner's own diagnostic says it better
	}
	for _, slip := range slips {
		if e := slip(toks, err.tok); e != nil {
			e.inBlock = err.inBlock
			err = e
			break
		}
	}
	t := err.tok
	if t.Type == tEOF && len(toks) > 0 {
		// Point at the end of the declaration, not at the next one.
		last := toks[len(toks)-1]
		at := p.end(last)
		d := p.diags.Errorf(at, at, err.code, "%s", err.msg)
		d.Hint = err.hint
		if !err.inBlock {
			p.relateUnclosed(d, err.msg, toks, int(at)-p.base)
		}
		return
	}
	end := p.end(t)
	if err.end != nil {
		end = p.end(*err.end)
	}
	d := p.diags.Errorf(p.pos(t.Pos), end, err.code, "%s", err.msg)
	d.Hint = err.hint
	if !err.inBlock {
		p.relateUnclosed(d, err.msg, toks, t.Pos.Offset)
	}
	switch {
	case err.remove:
		d.Fixes = append(d.Fixes, diag.Fix{Title: fmt.Sprintf("remove %q", t.Value), Pos: p.pos(t.Pos), End: end})
	case err.fix != "":
		d.Replace(p.pos(t.Pos), end, err.fix)
	}
}

func (p *parser) pos(lp lexer.Position) token.Pos { return token.Pos(p.base + lp.Offset) }

func (p *parser) end(t lexer.Token) token.Pos {
	return token.Pos(p.base + t.Pos.Offset + len(t.Value))
}

// validLabel reports whether s is a label: a letter or _, then letters,
// digits and _ (x-1.5 with _ for - is not one).
func validLabel(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}
