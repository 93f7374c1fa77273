package gen_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGenerated regenerates the code into a temporary folder with the
// pinned tools and compares it with what is committed: a .proto changed
// without `go generate ./gen`, or a generator upgraded, fails here. It
// also holds the contract to buf lint.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds buf: not in -short")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", append([]string{"tool", "buf"}, args...)...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("buf %v: %v\n%s", args, err, out)
		}
	}
	// Read what buf reads here too, so that go test's cache knows the
	// result depends on it: an edited .proto runs the test again.
	for _, glob := range []string{"buf.yaml", "buf.gen.yaml", "go.mod", "proto/*/*/*.proto"} {
		names, _ := filepath.Glob(filepath.Join(root, glob))
		for _, n := range names {
			if _, err := os.ReadFile(n); err != nil {
				t.Fatal(err)
			}
		}
	}
	run("lint")
	tmp := t.TempDir()
	run("generate", "-o", tmp)
	fresh := files(t, filepath.Join(tmp, "gen"))
	committed := files(t, filepath.Join(root, "gen"))
	for name, want := range fresh {
		got, ok := committed[name]
		switch {
		case !ok:
			t.Errorf("gen/%s is missing: run go generate ./gen", name)
		case !bytes.Equal(got, want):
			t.Errorf("gen/%s is stale: run go generate ./gen", name)
		}
	}
	for name := range committed {
		if _, ok := fresh[name]; !ok {
			t.Errorf("gen/%s is generated from nothing in proto/: remove it", name)
		}
	}
}

// files reads the generated files under dir (*.pb.go and *.connect.go),
// by path relative to it.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if m, _ := filepath.Match("*.pb.go", d.Name()); !m {
			if m, _ := filepath.Match("*.connect.go", d.Name()); !m {
				return nil
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
