package wasm

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
)

// FuzzInstrument: for any module wazero compiles, the rewrite either
// declines it (the module then keeps wazero's own deadline) or gives a
// module wazero also compiles, whose code is the original's with checks
// inserted, each charged what it covers (checkWeights). Seeds: the test
// modules.
//
//	go test ./runtime/wasm -run '^$' -fuzz FuzzInstrument -fuzztime 5m
func FuzzInstrument(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.wat"))
	for _, n := range names {
		f.Add(wat(f, strings.TrimSuffix(filepath.Base(n), ".wat")))
	}
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithDebugInfoEnabled(false))
	f.Cleanup(func() { rt.Close(ctx) })
	f.Fuzz(func(t *testing.T, orig []byte) {
		if checkCounts(orig) != nil {
			return // refused before wazero sees it (counts.go)
		}
		c, err := rt.CompileModule(ctx, orig)
		if err != nil {
			return // not a module wazero takes: nothing to keep
		}
		c.Close(ctx)
		rw, err := instrument(orig)
		if err != nil {
			return // declined: compiled as it is, under wazero's deadline
		}
		ic, err := rt.CompileModule(ctx, rw.bin)
		if err != nil {
			os.WriteFile(filepath.Join(t.TempDir(), "orig.wasm"), orig, 0o644)
			t.Fatalf("wazero compiles the module but not its rewrite: %v", err)
		}
		ic.Close(ctx)
		checkWeights(t, "fuzz", orig, rw.bin)
	})
}
