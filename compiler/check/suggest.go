package check

import (
	"fmt"
	"strconv"
	"unicode"

	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/literal"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// suggest returns the candidate closest to name, if it is a likely typo.
// A name of one letter (x, y) is no typo of another: any other letter
// is as close.
func suggest(name string, candidates []string) string {
	if len([]rune(name)) <= 1 {
		return ""
	}
	return diag.Suggest(name, candidates)
}

// didYouMean is the hint for a suggestion, or "".
func didYouMean(name string, candidates []string) string {
	if s := suggest(name, candidates); s != "" {
		return "did you mean " + quote(s) + "?"
	}
	return ""
}

// hintName completes an "unknown ..." diagnostic. When one of candidates
// is a likely typo of name, the hint asks about it and the diagnostic
// carries the fix that replaces [pos, end) by it, which an editor offers as
// a quick fix; otherwise the hint is otherwise (which may be empty). It
// reports whether it suggested a name.
func hintName(d *diag.Diagnostic, name string, candidates []string, pos, end token.Pos, otherwise string) bool {
	return hintSpelled(d, name, candidates, pos, end, otherwise, func(s string) string { return s })
}

// hintStage is hintName for stage and pipeline names, whose replacement is
// quoted when the name is not a plain identifier ("Zamknięty wygrany").
func hintStage(d *diag.Diagnostic, name string, candidates []string, pos, end token.Pos, otherwise string) bool {
	return hintSpelled(d, name, candidates, pos, end, otherwise, spellName)
}

func hintSpelled(d *diag.Diagnostic, name string, candidates []string, pos, end token.Pos, otherwise string, spell func(string) string) bool {
	s := suggest(name, candidates)
	if s == "" {
		d.Hint = otherwise
		return false
	}
	d.Hint = "did you mean " + quote(s) + "?"
	d.Replace(pos, end, spell(s))
	return true
}

// spellName writes a stage or pipeline name as source: bare when it is a
// plain identifier, quoted otherwise.
func spellName(s string) string {
	bare := s != "" && !parser.Keywords[s]
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			bare = false
		}
	}
	if bare {
		return s
	}
	return literal.Quote(s)
}

func quote(s string) string { return literal.Quote(s) }

// article is "a" or "an", as the word after it sounds: "an employee", "an
// e-mail", "a user". Messages build phrases like "a %s" from kind names,
// so the article follows the word.
func article(word string) string {
	if word == "" {
		return "a"
	}
	switch word[0] {
	case 'a', 'e', 'i', 'o', 'A', 'E', 'I', 'O':
		return "an"
	case 'u', 'U':
		// "an unknown", but "a user", "a url"
		if len(word) > 2 && (word[:2] == "un" || word[:2] == "Un") {
			return "an"
		}
	}
	return "a"
}

// an is x written after its article: an("employee") is "an employee", an(types.UserType) "a user".
func an(x any) string {
	w := fmt.Sprint(x)
	return article(w) + " " + w
}

// plural is n and the word, with an s unless n is 1: "1 character".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
