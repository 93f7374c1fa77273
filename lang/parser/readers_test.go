package parser

import (
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
)

// readerCases are inputs for the hand-written readers: valid ones, and ones
// both readers must refuse.
var readerCases = []string{
	`1`, `deal.amount`, `contact.phone[mobile]`, `"a {contact.name} b"`,
	`deal.amount > 1000 and contact.city == "Warsaw" and deal.stage != Lost`,
	`not deal.paid or deal.amount in 1..5`, `deal.city not in ["A", "B",]`,
	`-x * (a + b) % 3 - -4`, `now + 4h`, `2026-11-23 10:00`, `2026-11-23`, `09:30`,
	`f()`, `f(a, g(b), [1, 2])`, `true == not false`, `null`, `[]`, `a.stage.name`,
	`a <= b`, `a..b..c`, `(((a)))`, `--0`, `not not a`, `not - a`,
	// refused
	``, `a +`, `a.`, `a[`, `a[b`, `f(a,)`, `(a`, `[,]`, `a not b`, `a b`, `)`, `- -`,
}

var ruleCases = []string{
	`on stage Dostawa after 180d: send sms to contact.phone[auto] text "..."`,
	`on stage Sprzedaż."Zamknięty wygrany" then after 2h worktime keep if deal.amount > 5: let x = 1`,
	`on stage A at tomorrow + 14:00: calc y = deal.amount / 1.23`,
	`on stage A: update deal.comments = "a {deal.id}"`,
	`on stage A: create document template t name "x" as doc`,
	`on stage A: call webhook as r`, `on stage A: copy deal`,
	// refused
	`on stage A`, `on stage A after: send sms`, `on stage A if : x y`, `on stage : x y`, `on A: x y`,
	`on stage A: send`, `on stage A: let = 1`, `on stage A: update deal. = 1`, `on stage A: x y as`,
	`on stage A at: x y`, `on stage "A".: x y`, `on stage A: x y to`, `on stage A: 5`,
	// labels
	`repeat_lead: on stage A after 180d: create lead name "x"`, `x: on stage A then: let y = 1`,
	`Zapłacone_2: on stage A: send sms`,
	// refused
	`: on stage A: x y`, `x on stage A: x y`, `x:`, `x: y: on stage A: x y`, `on: on stage A: x y`,
	`x: move to stage A when invoice paid`, `"x": on stage A: x y`, `x.y: on stage A: x y`,
	`x: field deal.y: text`, `x :: on stage A: x y`,
}

var settingCases = []string{
	`text "x"`, `to a from b`, `stage Oferta name "x"`, `deadline now + 4h title "t"`,
	`body b: "x" c d: 1`, `when x: y`,
	// refused
	``, `a`, `a b:`, `a b: +`, `"x"`, `a 1 +`,
}

// TestReadersAgree holds readers.go to participle's own parser of the same
// productions: where one accepts, the other builds the same structs; where
// one refuses, so does the other.
func TestReadersAgree(t *testing.T) {
	for _, src := range readerCases {
		checkExprReader(t, src)
	}
	for _, src := range settingCases {
		checkSettingsReader(t, src)
	}
	for _, src := range ruleCases {
		checkRuleReader(t, src)
	}
}

func FuzzReaders(f *testing.F) {
	for _, src := range append(append(readerCases, settingCases...), ruleCases...) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkExprReader(t, src)
		checkSettingsReader(t, src)
		checkRuleReader(t, src)
	})
}

func checkExprReader(t *testing.T, src string) {
	checkReader(t, src, func(lex *lexer.PeekingLexer) (any, error) { return exprGrammar().ParseFromLexer(lex) }, readExpr)
}

func checkSettingsReader(t *testing.T, src string) {
	checkReader(t, src, func(lex *lexer.PeekingLexer) (any, error) { return settingsGrammar().ParseFromLexer(lex) }, readSettings)
}

func checkRuleReader(t *testing.T, src string) {
	checkReader(t, src, func(lex *lexer.PeekingLexer) (any, error) { return ruleGrammar().ParseFromLexer(lex) }, readRule)
}

// checkReader compares participle's result with a reader's, which must also
// have consumed every token.
func checkReader[G any](t *testing.T, src string, participle func(*lexer.PeekingLexer) (any, error), read func(*lexer.PeekingLexer) (G, error)) {
	t.Helper()
	toks, ok := readerTokens(src)
	if !ok {
		return
	}
	want, wantErr := participle(upgrade(t, toks))
	lex := upgrade(t, toks)
	got, gotErr := read(lex)
	if gotErr == nil && !lex.Peek().EOF() {
		gotErr = unexpected(lex.Peek(), "end")
	}
	switch {
	case (wantErr == nil) != (gotErr == nil):
		t.Errorf("%q: participle error %v, reader error %v", src, wantErr, gotErr)
	case wantErr == nil:
		if diff := cmp.Diff(want, any(got)); diff != "" {
			t.Errorf("%q: reader differs from participle (-participle +reader):\n%s", src, diff)
		}
	}
}

// readerTokens lexes src; inputs with lexical errors or comments are not
// the readers' concern.
func readerTokens(src string) ([]lexer.Token, bool) {
	toks, errs := scan("", []byte(src))
	for _, tk := range toks {
		if tk.Type == tComment {
			return nil, false
		}
	}
	return toks, len(errs) == 0
}

func upgrade(t *testing.T, toks []lexer.Token) *lexer.PeekingLexer {
	pl, err := lexer.Upgrade(&sliceLexer{toks: toks[:len(toks)-1], eof: toks[len(toks)-1]})
	if err != nil {
		t.Fatal(err)
	}
	return pl
}
