package wasm

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSpecCitations: every "(spec/wasm.md, SECTION)" in this package's
// code and messages names a heading spec/wasm.md has, so that an author
// who reads an error can find the rule it cites.
func TestSpecCitations(t *testing.T) {
	spec, err := os.ReadFile(filepath.Join("..", "..", "spec", "wasm.md"))
	if err != nil {
		t.Fatal(err)
	}
	headings := map[string]bool{}
	for line := range strings.Lines(string(spec)) {
		if h, ok := strings.CutPrefix(line, "#"); ok {
			headings[strings.TrimSpace(strings.TrimLeft(h, "#"))] = true
		}
	}
	// A citation may run over two comment lines.
	wrap := regexp.MustCompile(`\n\s*//\s*`)
	cite := regexp.MustCompile(`spec/wasm\.md, (?:\\?")?([^"\\)]+)(?:\\?")?\)`)
	n := 0
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || path == "spec_test.go" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range cite.FindAllStringSubmatch(wrap.ReplaceAllString(string(b), " "), -1) {
			n++
			if !headings[m[1]] {
				t.Errorf("%s cites spec/wasm.md, %q: no such section", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no citations found: the pattern is wrong")
	}
}
