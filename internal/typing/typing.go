// Package typing edits a text at random as someone at an editor does, for
// the tests that compare what is kept from edit to edit (the parser's
// cache, the language server) with what a fresh start gives.
package typing

import (
	"math/rand/v2"
	"strings"
)

// Edit makes one edit of the kinds a user makes: a snippet typed at a
// random place, a range deleted, one of lines pasted at the start of a
// line, two lines swapped.
func Edit(rng *rand.Rand, text string, lines, snippets []string) string {
	at := func() int { return rng.IntN(len(text) + 1) }
	switch rng.IntN(4) {
	case 0:
		i := at()
		return text[:i] + snippets[rng.IntN(len(snippets))] + text[i:]
	case 1:
		i := at()
		j := min(len(text), i+rng.IntN(40))
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
