package testrun_test

import (
	"context"
	"io/fs"
	"os"
	"testing"

	"github.com/stagecraft/stagecraft/examples"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/wasm"
	"github.com/stagecraft/stagecraft/stdlib"
)

// testLib is the standard library with a WebAssembly host for custom
// actions, as the commands wire it: the examples' modules from the
// embedded examples (compiled with the prefix ""), others from the files.
func testLib(t testing.TB) action.Library {
	t.Helper()
	host, err := wasm.New(context.Background(), wasm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close(context.Background()) })
	lib := stdlib.Runtime()
	lib.Custom = wasm.NewRunner(host, eitherFS{compile.FS(examples.FS, ""), os.DirFS(".")})
	return lib
}

// eitherFS opens a name in a, or else in b.
type eitherFS struct{ a, b fs.FS }

func (e eitherFS) Open(name string) (fs.File, error) {
	if f, err := e.a.Open(name); err == nil {
		return f, nil
	}
	return e.b.Open(name)
}
