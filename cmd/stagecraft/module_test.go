package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// Modules written byte by byte, so that the CLI's tests need no toolchain.
var (
	wasmHeader = []byte("\x00asm\x01\x00\x00\x00")
	// An import of env.now, () -> (), which the host does not grant.
	forbiddenImport = [][]byte{
		{0x01, 0x04, 0x01, 0x60, 0x00, 0x00},
		{0x02, 0x0b, 0x01, 0x03, 'e', 'n', 'v', 0x03, 'n', 'o', 'w', 0x00, 0x00},
	}
	// A module the host takes: memory, stagecraft_alloc (i32) -> i32 and
	// action_a (i32 i32) -> i64 exported (spec/wasm.md, A module).
	abiModule = [][]byte{
		{0x01, 0x0c, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7e},
		{0x03, 0x03, 0x02, 0x00, 0x01},
		{0x05, 0x03, 0x01, 0x00, 0x01},
		append([]byte{0x07, 0x28, 0x03, 0x06}, "memory\x02\x00\x10stagecraft_alloc\x00\x00\x08action_a\x00\x01"...),
		{0x0a, 0x0c, 0x02, 0x05, 0x00, 0x41, 0x80, 0x08, 0x0b, 0x04, 0x00, 0x42, 0x00, 0x0b},
	}
	// abiModule with an _initialize, () -> (), that traps (unreachable).
	initTraps = [][]byte{
		{0x01, 0x0f, 0x03, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7e, 0x60, 0x00, 0x00},
		{0x03, 0x04, 0x03, 0x00, 0x01, 0x02},
		{0x05, 0x03, 0x01, 0x00, 0x01},
		append([]byte{0x07, 0x36, 0x04, 0x06}, "memory\x02\x00\x10stagecraft_alloc\x00\x00\x08action_a\x00\x01\x0b_initialize\x00\x02"...),
		{0x0a, 0x10, 0x03, 0x05, 0x00, 0x41, 0x80, 0x08, 0x0b, 0x04, 0x00, 0x42, 0x00, 0x0b, 0x03, 0x00, 0x00, 0x0b},
	}
)

const testManifest = `{"abi": 1, "name": "m", "version": "1.0.0", "actions": [{"name": "a", "inputs": [], "outputs": [{"name": "n", "type": "number"}]}]}`

func module(sections [][]byte) []byte {
	return bytes.Join(append([][]byte{wasmHeader}, sections...), nil)
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestModuleCommand: pack puts the manifest in and writes only a module
// the host takes; check prints the identity and actions, or the host's
// reason with exit 1.
func TestModuleCommand(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the host's compilation cache, not the user's
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	man, plain, out := filepath.Join(dir, "manifest.json"), filepath.Join(dir, "plain.wasm"), filepath.Join(dir, "m.wasm")
	writeFile(t, man, []byte(testManifest))
	writeFile(t, plain, module(abiModule))
	var stdout, stderr strings.Builder
	cli := func(args ...string) int {
		stdout.Reset()
		stderr.Reset()
		return run(args, &stdout, &stderr)
	}

	if code := cli("module", "check", plain); code != 1 || !strings.Contains(stderr.String(), `no custom section "stagecraft.manifest"`) {
		t.Errorf("check of a module without a manifest: exit %d, %s", code, stderr.String())
	}
	if code := cli("module", "pack", "--manifest", man, "-o", out, plain); code != 0 {
		t.Fatalf("pack: exit %d, %s", code, stderr.String())
	}
	if code := cli("module", "check", out); code != 0 {
		t.Fatalf("check of the packed module: exit %d, %s", code, stderr.String())
	}
	if want := "m 1.0.0 sha256:"; !strings.HasPrefix(stdout.String(), want) || !strings.Contains(stdout.String(), "action a() -> (n: number)") {
		t.Errorf("check printed:\n%s", stdout.String())
	}

	bad, badOut := filepath.Join(dir, "bad.wasm"), filepath.Join(dir, "bad-packed.wasm")
	writeFile(t, bad, module(forbiddenImport))
	if code := cli("module", "pack", "--manifest", man, "-o", badOut, bad); code != 1 || !strings.Contains(stderr.String(), `forbidden import func "env"."now"`) {
		t.Errorf("pack of a module importing env.now: exit %d, %s", code, stderr.String())
	}
	if _, err := os.Stat(badOut); err == nil {
		t.Errorf("pack wrote %s, a module the host refuses", badOut)
	}
	// A module whose _initialize traps fails every call: check and pack
	// run it once, as a deploy does, and refuse it, saying why.
	trapping, trapOut := filepath.Join(dir, "init.wasm"), filepath.Join(dir, "init-packed.wasm")
	writeFile(t, trapping, module(initTraps))
	if code := cli("module", "pack", "--manifest", man, "-o", trapOut, trapping); code != 1 ||
		!strings.Contains(stderr.String(), "its initialisation (_initialize) trapped: wasm error: unreachable") {
		t.Errorf("pack of a module whose _initialize traps: exit %d, %s", code, stderr.String())
	}
	if _, err := os.Stat(trapOut); err == nil {
		t.Errorf("pack wrote %s, whose _initialize traps", trapOut)
	}
	if code := cli("module", "pack", plain); code != 2 {
		t.Errorf("pack without --manifest: exit %d, want 2", code)
	}
}

// TestRefusedModuleBeforeTests: test and run load the rules' modules
// before any test, so that a module the host refuses is said once, with
// why, and exit 1, instead of failing every call on the timelines.
func TestRefusedModuleBeforeTests(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	bad, err := manifest.Embed(module(forbiddenImport), []byte(testManifest))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "bad.wasm"), bad)
	writeFile(t, filepath.Join(dir, "a.rules"), []byte(`pipeline deal P {
    stage A
}
employee anna "Anna"
action a "bad.wasm"
on stage A: run a as wynik
on stage A then: update deal.title = "{wynik.n}"

test "the action runs" {
    given deal d { title "x" responsible anna }
    expect d.title == "0"
}
`))
	for _, cmd := range []string{"test", "run"} {
		var stdout, stderr strings.Builder
		code := run([]string{cmd, dir}, &stdout, &stderr)
		if code != 1 || !strings.Contains(stderr.String(), "bad.wasm is refused by the WebAssembly host") ||
			!strings.Contains(stderr.String(), `forbidden import func "env"."now"`) || stdout.Len() != 0 {
			t.Errorf("%s with a refused module: exit %d\nstdout: %s\nstderr: %s", cmd, code, stdout.String(), stderr.String())
		}
	}
}
