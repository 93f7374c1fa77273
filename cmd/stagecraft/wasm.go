package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/wasm"
	"github.com/stagecraft/stagecraft/stdlib"
)

// runtimeFor is the standard library's runtime for p, with a WebAssembly
// host that runs its custom actions when it has any (spec/wasm.md),
// reading their modules from fsys (nil: the operating system's files, by
// the paths the checker resolved). The returned function releases the
// host.
func runtimeFor(p *ir.Program, fsys fs.FS) (action.Library, func(), error) {
	lib := stdlib.Runtime()
	if len(p.Modules) == 0 {
		return lib, func() {}, nil
	}
	host, err := newHost()
	if err != nil {
		return lib, nil, err
	}
	lib.Custom = wasm.NewRunner(host, fsys)
	return lib, func() { host.Close(context.Background()) }, nil
}

// newHost is a WebAssembly host whose compiled modules are cached on disk
// in the user's cache folder, so a Go module compiles once, not at every
// command (an unusable cache folder: compiled in memory, host.CacheErr).
func newHost() (*wasm.Host, error) {
	opts := wasm.Options{}
	if dir, err := os.UserCacheDir(); err == nil {
		opts.CacheDir = filepath.Join(dir, "stagecraft", "wasm")
	}
	return wasm.New(context.Background(), opts)
}
