package check

import "github.com/stagecraft/stagecraft/compiler/types"

// Lookups for tools that offer names (a language server's completion):
// what a bare name may be in a rule, the same lists resolve works from.

// RootNames are the names that stand for the item of a rule or trigger of
// entity and for its relations, in the order resolve tries them.
func RootNames(entity string) []string {
	return []string{entity, "contact", "company", "client", "responsible"}
}

// ClockWords are the predeclared values now, today and tomorrow.
func ClockWords() []*types.Builtin {
	return []*types.Builtin{clockWords["now"], clockWords["today"], clockWords["tomorrow"]}
}
