package check_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/internal/golden"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// emptyModule is the smallest WebAssembly module: the checker reads only
// the manifest, so a module for the checker's tests is this and a
// manifest section.
const emptyModule = "\x00asm\x01\x00\x00\x00"

func module(tb testing.TB, manifestJSON string) *fstest.MapFile {
	tb.Helper()
	b, err := manifest.Embed([]byte(emptyModule), []byte(manifestJSON))
	if err != nil {
		tb.Fatal(err)
	}
	return &fstest.MapFile{Data: b}
}

// testConfig reads the modules that the tests' workspaces name: the
// shared testdata workspace's rabat, the examples' rabat (their
// workspace.rules checked under its own name), and those of the custom
// action cases (custom.txtar).
func testConfig(tb testing.TB) check.Config {
	tb.Helper()
	rabat, err := os.ReadFile("../../examples/actions/wat/rabat.wasm")
	if err != nil {
		tb.Fatal(err)
	}
	fsys := fstest.MapFS{
		"actions/wat/rabat.wasm": {Data: rabat},
		"actions/rabat.wasm":     {Data: rabat},
		"discount.wasm": module(tb, `{"abi":1,"name":"discount","version":"1.0.0","actions":[{"name":"discount",
			"inputs":[{"name":"amount","type":"money"}],"outputs":[{"name":"price","type":"money"}]}]}`),
		"crm.wasm": module(tb, `{"abi":1,"name":"crm","version":"2.1.0","actions":[
			{"name":"delivery_date","doc":"working days after a date","inputs":[{"name":"from","type":"date"},{"name":"days","type":"number"},
				{"name":"holidays","type":"list(date)","optional":true}],"outputs":[{"name":"date","type":"date"}]},
			{"name":"e164","inputs":[{"name":"number","type":"text"}],"outputs":[{"name":"e164","type":"text","optional":true},{"name":"valid","type":"bool"}]}]}`),
		"nomanifest.wasm": {Data: []byte(emptyModule)},
		"folder.wasm":     {Mode: os.ModeDir},
	}
	return check.Config{Modules: fsys}
}

// TestCustomGolden checks custom.txtar's cases: each `-- NAME.rules --`
// with the shared workspace, the modules of testConfig.
func TestCustomGolden(t *testing.T) {
	u := universe(t)
	ws, err := os.ReadFile("testdata/workspace.rules")
	if err != nil {
		t.Fatal(err)
	}
	golden.Run(t, "testdata/custom/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		srcs := map[string]string{"workspace.rules": string(ws)}
		for _, f := range a.Files {
			if strings.HasSuffix(f.Name, ".rules") {
				srcs[f.Name] = string(f.Data)
			}
		}
		fset, ds := checkSources(t, u, srcs)
		var b strings.Builder
		diag.WriteText(&b, fset, ds.Sorted(), ds.Dropped())
		return map[string]string{"check": b.String(), "fixes": fixes(fset, ds.Sorted())}
	})
}

// TestModulePath: a module's path is relative to its rules file's folder.
func TestModulePath(t *testing.T) {
	for _, c := range []struct{ from, p, want string }{
		{"workspace.rules", "a.wasm", "a.wasm"},
		{"examples/workspace.rules", "actions/wat/rabat.wasm", "examples/actions/wat/rabat.wasm"},
		{"ws/x.rules", "../mods/a.wasm", "mods/a.wasm"},
		{"/srv/ws/x.rules", "a.wasm", "/srv/ws/a.wasm"},
		{"ws/x.rules", "/opt/a.wasm", "/opt/a.wasm"},
	} {
		if got := check.ModulePath(c.from, c.p); got != c.want {
			t.Errorf("ModulePath(%q, %q) = %q, want %q", c.from, c.p, got, c.want)
		}
	}
}
