package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

// Write replaces a file with the permissions asked, leaves no sibling
// behind, and fails without touching the file when its folder is gone.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a.rules")
	if err := os.WriteFile(name, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(name, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(name)
	if err != nil || string(b) != "new" {
		t.Fatalf("read %q, %v", b, err)
	}
	if fi, _ := os.Stat(name); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("the folder holds %d files, want the one written", len(es))
	}
	if err := Write(filepath.Join(dir, "gone", "b"), []byte("x"), 0o600); err == nil {
		t.Error("a write into a folder that does not exist succeeded")
	}
}

// TestWriteThroughLink: a symbolic link is written through, and stays a
// link.
func TestWriteThroughLink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.rules")
	link := filepath.Join(dir, "link.rules")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.rules", link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := Write(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is no longer a link: %v, %v", fi, err)
	}
	if b, err := os.ReadFile(real); err != nil || string(b) != "new" {
		t.Errorf("the file the link names holds %q, %v; want new", b, err)
	}
}

// TestWriteThroughDanglingLink: a link to a file not there yet makes it,
// and stays a link.
func TestWriteThroughDanglingLink(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "link.rules")
	if err := os.Symlink("new.rules", link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := Write(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is no longer a link: %v, %v", fi, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "new.rules")); err != nil || string(b) != "new" {
		t.Errorf("the file the link names holds %q, %v", b, err)
	}
}
