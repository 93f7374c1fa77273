package wasm

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestRabatUpToDate: the committed examples/actions/wat/rabat.wasm, which
// the examples' rules run, is what its build.sh makes from rabat.wat and
// manifest.json today.
func TestRabatUpToDate(t *testing.T) {
	built := example(t, "wat")
	committed, err := os.ReadFile(filepath.Join("..", "..", "examples", "actions", "wat", "rabat.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(built, committed) {
		t.Fatal("examples/actions/wat/rabat.wasm differs from a fresh build: run examples/actions/wat/build.sh and commit it")
	}
}
