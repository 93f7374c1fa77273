package manifest

import (
	"maps"
	"slices"
	"testing"

	"github.com/stagecraft/stagecraft/lang/parser"
)

// TestReservedIsTheLanguages: the reserved words a manifest's names are
// refused for are the rules language's. The package keeps its own list
// (deps_test.go: it links nothing of ours, and the runtime never the
// parser); a test may link the parser to compare them.
func TestReservedIsTheLanguages(t *testing.T) {
	got := slices.Sorted(maps.Keys(reserved))
	want := slices.Sorted(maps.Keys(parser.Keywords))
	if !slices.Equal(got, want) {
		t.Errorf("reserved = %v\nlang/parser.Keywords = %v: make them equal (manifest.go)", got, want)
	}
}
