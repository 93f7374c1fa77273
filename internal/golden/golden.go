// Package golden owns the txtar golden-file harness of the tests: one txtar
// file per case, a section per stage, rewritten with `go test -update`.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"
)

// Update rewrites golden sections instead of comparing them.
var Update = flag.Bool("update", false, "rewrite golden files")

// Run calls fn for every txtar file matching pattern. fn returns the
// sections it computed; each is compared with the file's section of the same
// name, or written into it with -update.
func Run(t *testing.T, pattern string, fn func(t *testing.T, a *txtar.Archive) map[string]string) {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files match %s", pattern)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			a, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := fn(t, a)
			changed := false
			for name, want := range got {
				i := section(a, name)
				if i < 0 {
					if !*Update {
						t.Errorf("section %s missing; run with -update", name)
						continue
					}
					a.Files = append(a.Files, txtar.File{Name: name})
					i = len(a.Files) - 1
				}
				if string(a.Files[i].Data) == want {
					continue
				}
				if *Update {
					a.Files[i].Data = []byte(want)
					changed = true
					continue
				}
				t.Errorf("section %s differs (-want +got):\n%s", name, cmp.Diff(string(a.Files[i].Data), want))
			}
			if changed {
				if err := os.WriteFile(file, txtar.Format(a), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// Section returns the named section's text, or "".
func Section(a *txtar.Archive, name string) string {
	if i := section(a, name); i >= 0 {
		return string(a.Files[i].Data)
	}
	return ""
}

func section(a *txtar.Archive, name string) int {
	for i, f := range a.Files {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// File compares a whole file with want, or writes it with -update.
func File(t *testing.T, path, got string) {
	t.Helper()
	if *Update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run with -update", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (-want +got):\n%s", path, cmp.Diff(string(want), got))
	}
}
