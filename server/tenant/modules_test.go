package tenant

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
	"github.com/stagecraft/stagecraft/stdlib"
)

func TestModules(t *testing.T) {
	m := NewModules(filepath.Join(t.TempDir(), "modules"))
	if hs, err := m.List(); err != nil || len(hs) != 0 {
		t.Fatalf("an empty store lists %v %v", hs, err)
	}
	a, b := []byte("module a"), []byte("module b")
	ha, err := m.Put(a)
	if err != nil || ha != manifest.Hash(a) {
		t.Fatalf("Put: %s %v", ha, err)
	}
	if _, err := m.Put(b); err != nil {
		t.Fatal(err)
	}
	if h, err := m.Put(a); err != nil || h != ha { // again: nothing changes
		t.Fatalf("Put again: %s %v", h, err)
	}
	if got, err := m.Get(ha); err != nil || !bytes.Equal(got, a) {
		t.Fatalf("Get: %q %v", got, err)
	}
	// A temporary file of a Put cut short, and anything else, is not a module.
	os.WriteFile(filepath.Join(m.dir, ".put-123"), a, 0o600)
	os.WriteFile(filepath.Join(m.dir, "notes.wasm"), a, 0o600)
	hs, err := m.List()
	if err != nil || len(hs) != 2 || hs[0] > hs[1] || (hs[0] != ha && hs[1] != ha) {
		t.Fatalf("List: %v %v", hs, err)
	}

	// Hashes name files in the store only.
	for _, h := range []string{"", "sha256:../../etc/passwd", "md5:" + strings.Repeat("0", 64), "sha256:" + strings.Repeat("A", 64), "sha256:" + strings.Repeat("0", 63)} {
		if _, err := m.Get(h); err == nil || !strings.Contains(err.Error(), "not a module hash") {
			t.Errorf("Get(%q): %v", h, err)
		}
		if m.Has(h) {
			t.Errorf("Has(%q)", h)
		}
	}
	missing := manifest.Hash([]byte("never stored"))
	if _, err := m.Get(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Get of a module not stored: %v", err)
	}
	p := &ir.Program{Modules: []*ir.Module{{Path: "a.wasm", Hash: ha}, {Path: "x.wasm", Hash: missing}}}
	if got := m.Missing(p); len(got) != 1 || got[0] != "x.wasm ("+missing+")" {
		t.Errorf("Missing: %v", got)
	}

	// Damage is found by the hash, and a Put of the module mends it.
	name, _ := m.file(ha)
	os.WriteFile(name, []byte("module A"), 0o600)
	var he *HashError
	if _, err := m.Get(ha); !errors.As(err, &he) || he.Want != ha || he.Found != manifest.Hash([]byte("module A")) {
		t.Fatalf("Get of a damaged module: %v", err)
	}
	if _, err := m.Put(a); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Get(ha); err != nil || !bytes.Equal(got, a) {
		t.Fatalf("Get after the mend: %q %v", got, err)
	}

	// The limit: the largest module is taken, one byte more is not.
	if _, err := m.Put(make([]byte, MaxModuleBytes+1)); err == nil || !strings.Contains(err.Error(), "at most 16 MiB") {
		t.Errorf("Put over the limit: %v", err)
	}
	if _, err := m.Put(make([]byte, MaxModuleBytes)); err != nil {
		t.Errorf("Put at the limit: %v", err)
	}
}

// TestExportModules: an export carries the tenant's modules and an import
// stores them; a module that is not its hash, one in an export of format
// 1, or a count that does not match is refused, leaving nothing.
func TestExportModules(t *testing.T) {
	data := t.TempDir()
	reg := NewRegistry(data, stdlib.Runtime(), Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	h, err := ten.Modules.Put([]byte("a module"))
	if err != nil {
		t.Fatal(err)
	}
	reg.Close()
	var exp bytes.Buffer
	if _, err := Export(data, "acme", &exp, stdlib.Runtime()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(exp.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"format":2`) || !strings.Contains(lines[1], h) || !strings.Contains(lines[2], `"modules":1`) {
		t.Fatalf("the export:\n%s", exp.String())
	}
	fresh := t.TempDir()
	if _, err := Import(fresh, "acme", bytes.NewReader(exp.Bytes()), stdlib.Runtime(), engine.Options{}); err != nil {
		t.Fatal(err)
	}
	if got, err := NewModules(ModulesDir(Dir(fresh, "acme"))).Get(h); err != nil || string(got) != "a module" {
		t.Fatalf("the imported module: %q %v", got, err)
	}
	for name, bad := range map[string]string{
		"another module's hash": strings.Replace(exp.String(), h, manifest.Hash([]byte("other")), 1),
		"format 1":              strings.Replace(exp.String(), `"format":2`, `"format":1`, 1),
		"format 3":              strings.Replace(exp.String(), `"format":2`, `"format":3`, 1),
		"a module not counted":  strings.Replace(exp.String(), `"modules":1,`, ``, 1),
	} {
		if _, err := Import(fresh, "other", strings.NewReader(bad), stdlib.Runtime(), engine.Options{}); err == nil {
			t.Errorf("%s: imported", name)
		}
		if _, err := os.Stat(Dir(fresh, "other")); err == nil {
			t.Errorf("%s: a refused import left a tenant folder", name)
		}
	}
}
