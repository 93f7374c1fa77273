package wasm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// The tests build their modules from source: the hostile ones from WAT in
// testdata, the examples with their own build.sh. A missing toolchain
// skips them, unless STAGECRAFT_WASM_REQUIRED=1 (set by .ci/run, which
// installs the toolchains) turns the skip into a failure.

func need(t testing.TB, tool, install string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil {
		return p
	}
	msg := tool + " is not installed (" + install + ")"
	if os.Getenv("STAGECRAFT_WASM_REQUIRED") == "1" {
		t.Fatal(msg + "; STAGECRAFT_WASM_REQUIRED=1 makes this a failure")
	}
	t.Skip(msg + "; skipping (set STAGECRAFT_WASM_REQUIRED=1 to fail instead)")
	return ""
}

// wat builds testdata/NAME.wat with wat2wasm and embeds the manifest
// written on its first line, after ";; manifest: ".
func wat(t testing.TB, name string) []byte {
	t.Helper()
	bin := need(t, "wat2wasm", "apt-get install wabt")
	return built(t, filepath.Join("testdata", name+".wat"), ";; manifest: ", func(src, out string) *exec.Cmd {
		return exec.Command(bin, "--enable-all", src, "-o", out)
	})
}

// built builds src with the command cmd makes (writing out), and embeds the
// manifest written on src's first line after prefix.
func built(t testing.TB, src, prefix string, cmd func(src, out string) *exec.Cmd) []byte {
	t.Helper()
	text, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(text), "\n")
	man, ok := strings.CutPrefix(first, prefix)
	if !ok {
		t.Fatalf("%s: the first line must be %s{...}", src, prefix)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(src)+".wasm")
	c := cmd(src, out)
	if b, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(c.Path), src, err, b)
	}
	plain, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := Embed(plain, []byte(man))
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return mod
}

// cc builds testdata/NAME.c with clang for wasm32-wasi against
// wasi-libc, as a reactor, and embeds the manifest written on its first
// line, after "// manifest: ". A missing C toolchain skips the test even
// under STAGECRAFT_WASM_REQUIRED=1: .ci/run installs wabt, not clang,
// lld and wasi-libc, so requiring them would fail CI on a machine without
// them; what the C modules test that matters is held by WAT modules too.
func cc(t testing.TB, name string) []byte {
	t.Helper()
	for _, tool := range []string{"clang", "wasm-ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " is not installed (apt-get install clang lld wasi-libc); skipping")
		}
	}
	if _, err := os.Stat("/usr/lib/wasm32-wasi/libc.a"); err != nil {
		t.Skip("wasi-libc is not installed (apt-get install wasi-libc); skipping")
	}
	return built(t, filepath.Join("testdata", name+".c"), "// manifest: ", func(src, out string) *exec.Cmd {
		return exec.Command("clang", "--target=wasm32-wasi", "-mexec-model=reactor", "-O2", "-Wl,--stack-first", src, "-o", out)
	})
}

var (
	examplesMu sync.Mutex
	examples   = map[string][]byte{}
	exampleDir string
)

// example builds examples/actions/DIR with its build.sh, once per test
// binary, into a temporary directory.
func example(t testing.TB, dir string) []byte {
	t.Helper()
	switch dir {
	case "wat":
		need(t, "wat2wasm", "apt-get install wabt")
	case "assemblyscript":
		need(t, "npm", "apt-get install npm")
	}
	examplesMu.Lock()
	defer examplesMu.Unlock()
	if b, ok := examples[dir]; ok {
		if b == nil {
			t.Fatalf("examples/actions/%s did not build", dir)
		}
		return b
	}
	examples[dir] = nil
	if exampleDir == "" {
		d, err := os.MkdirTemp("", "stagecraft-wasm-examples")
		if err != nil {
			t.Fatal(err)
		}
		exampleDir = d
	}
	_, file, _, _ := runtime.Caller(0)
	src := filepath.Join(filepath.Dir(file), "..", "..", "examples", "actions", dir)
	out := filepath.Join(exampleDir, dir+".wasm")
	cmd := exec.Command("bash", "build.sh")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("examples/actions/%s/build.sh: %v\n%s", dir, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	examples[dir] = b
	return b
}

func TestMain(m *testing.M) {
	code := m.Run()
	if exampleDir != "" {
		os.RemoveAll(exampleDir)
	}
	os.RemoveAll(cacheDir())
	os.Exit(code)
}

// cacheDir is the compilation cache the tests' hosts share, so that the
// Go example compiles once per test binary, not once per host.
var cacheDir = sync.OnceValue(func() string {
	d, err := os.MkdirTemp("", "stagecraft-wasm-cache")
	if err != nil {
		panic(err)
	}
	return d
})

func newHost(t testing.TB, opts Options) *Host {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = cacheDir()
	}
	h, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	return h
}

func load(t testing.TB, h *Host, wasm []byte) *Module {
	t.Helper()
	m, err := h.Load(context.Background(), wasm)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
