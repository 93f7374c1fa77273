package check

import "github.com/stagecraft/stagecraft/lang/diag"

// suggest returns the candidate closest to name, if it is a likely typo.
func suggest(name string, candidates []string) string { return diag.Suggest(name, candidates) }

// didYouMean is the hint for a suggestion, or "".
func didYouMean(name string, candidates []string) string {
	if s := suggest(name, candidates); s != "" {
		return "did you mean " + quote(s) + "?"
	}
	return ""
}

func quote(s string) string { return `"` + s + `"` }
