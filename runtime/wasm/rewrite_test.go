package wasm

import (
	"bytes"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// The rewrite's version is the hash of rewriteSources, so it changes with
// any change to them; what this test holds is that they are all the code
// a rewrite runs (of this module's): the files type-check on their own, the
// rewrite's own and the manifest package's (which it imports) with
// nothing but the standard library. A helper the rewrite calls, moved to
// or written in another file, fails it, naming what is missing: add the
// file to the go:embed line of rewrite.go.
func TestRewriteSources(t *testing.T) {
	fset := token.NewFileSet()
	parse := func(dir string) []*ast.File {
		var files []*ast.File
		entries, err := fs.ReadDir(rewriteSources, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			name := path.Join(dir, e.Name())
			src, err := rewriteSources.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		return files
	}
	check := func(pkgPath string, files []*ast.File, imp types.Importer) *types.Package {
		conf := types.Config{Importer: imp, Error: func(err error) { t.Errorf("%s: %v", pkgPath, err) }}
		pkg, _ := conf.Check(pkgPath, fset, files, nil)
		return pkg
	}
	std := importer.Default()
	const manifestPath = "github.com/stagecraft/stagecraft/runtime/wasm/manifest"
	man := check(manifestPath, parse("manifest"), std)
	check("github.com/stagecraft/stagecraft/runtime/wasm", parse("."), importerFunc(func(p string) (*types.Package, error) {
		if p == manifestPath {
			return man, nil
		}
		if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
			t.Errorf("the rewrite imports %s: add its files to rewriteSources, or keep it out of the rewrite", p)
		}
		return std.Import(p)
	}))

	// Every file of the manifest package is there (it is imported whole),
	// and every embedded file is the one in the source tree.
	want, _ := filepath.Glob("manifest/*.go")
	want = slices.DeleteFunc(want, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	got, _ := fs.Glob(rewriteSources, "manifest/*.go")
	if !slices.Equal(got, want) {
		t.Errorf("manifest files embedded: %v, want %v", got, want)
	}
	// counts.go vouches for a module found in the cache (Module.compile
	// does not run checkCounts on it again): a change to it must be a new
	// version.
	if _, err := fs.Stat(rewriteSources, "counts.go"); err != nil {
		t.Errorf("counts.go is not part of the version: %v", err)
	}
	fs.WalkDir(rewriteSources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		embedded, _ := rewriteSources.ReadFile(p)
		if disk, err := os.ReadFile(filepath.FromSlash(p)); err != nil || !bytes.Equal(disk, embedded) {
			t.Errorf("%s: the embedded file is not the one on disk (%v)", p, err)
		}
		return nil
	})
}

type importerFunc func(string) (*types.Package, error)

func (f importerFunc) Import(p string) (*types.Package, error) { return f(p) }

// The version changes with any byte of the rewrite's sources, and with
// their names; it does not change from one reading to the next.
func TestRewriteVersion(t *testing.T) {
	files := fstest.MapFS{}
	fs.WalkDir(rewriteSources, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := rewriteSources.ReadFile(p)
			files[p] = &fstest.MapFile{Data: b}
		}
		return err
	})
	version := func() [32]byte {
		v, err := sourceVersion(files)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if version() != rewriteVersion() {
		t.Fatal("the same sources, another version")
	}
	f := files["instrument.go"]
	for _, at := range []int{0, len(f.Data) / 2, len(f.Data) - 1} {
		f.Data[at] ^= 1
		if version() == rewriteVersion() {
			t.Errorf("instrument.go changed at byte %d, the same version", at)
		}
		f.Data[at] ^= 1
	}
	f.Data = append(f.Data, '\n')
	if version() == rewriteVersion() {
		t.Error("instrument.go a byte longer, the same version")
	}
	f.Data = f.Data[:len(f.Data)-1]
	files["instrument2.go"], files["instrument.go"] = f, nil
	delete(files, "instrument.go")
	if version() == rewriteVersion() {
		t.Error("instrument.go renamed, the same version")
	}
}
