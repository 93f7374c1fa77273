package diag

import (
	"sort"
	"strings"
)

// Suggest returns the candidate closest to name, if it is close enough to be
// a likely typo: an edit distance of at most a third of the name's length
// (at least 1), or a difference only in case. It is shared by the checker
// (did-you-mean hints and their fixes) and the CLI (misspelled commands).
func Suggest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	limit := max(1, (len([]rune(name))+2)/3)
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		if strings.EqualFold(c, name) && c != name {
			return c
		}
		if d := distance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= limit && best != name {
		return best
	}
	return ""
}

// distance is the Levenshtein distance over runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
