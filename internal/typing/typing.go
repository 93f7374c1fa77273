// Package typing edits a text at random as someone at an editor does, for
// the tests that compare what is kept from edit to edit (the parser's
// cache, the language server) with what a fresh start gives.
package typing

import (
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// Edit makes one edit of the kinds a user makes: a snippet typed at a
// random place, a range deleted, one of lines pasted at the start of a
// line, two lines swapped. Edits start and end between characters, as
// an editor's do, so that the text stays UTF-8 as it was.
func Edit(rng *rand.Rand, text string, lines, snippets []string) string {
	boundary := func(i int) int {
		for i < len(text) && !utf8.RuneStart(text[i]) {
			i++
		}
		return i
	}
	at := func() int { return boundary(rng.IntN(len(text) + 1)) }
	switch rng.IntN(4) {
	case 0:
		i := at()
		return text[:i] + snippets[rng.IntN(len(snippets))] + text[i:]
	case 1:
		i := at()
		j := boundary(min(len(text), i+rng.IntN(40)))
		return text[:i] + text[j:]
	case 2:
		i := strings.LastIndexByte(text[:at()], '\n') + 1
		return text[:i] + lines[rng.IntN(len(lines))] + text[i:]
	default:
		ls := strings.SplitAfter(text, "\n")
		i, j := rng.IntN(len(ls)), rng.IntN(len(ls))
		ls[i], ls[j] = ls[j], ls[i]
		return strings.Join(ls, "")
	}
}
