package main

import (
	"context"
	"errors"
	"fmt"
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
	runner := wasm.NewRunner(host, fsys)
	// A module the host refuses (an export missing, an import not
	// granted) is said once, before any test, as a deploy says it,
	// rather than as every call's failure on the timelines.
	if path, err := runner.Preload(context.Background(), p); err != nil {
		host.Close(context.Background())
		return lib, nil, &refusedModule{path: path, err: err}
	}
	lib.Custom = runner
	return lib, func() { host.Close(context.Background()) }, nil
}

// refusedModule is a module of the rules that the host refuses: the
// workspace's fault, as a check error is (exit 1), not the command's.
type refusedModule struct {
	path string
	err  error
}

func (e *refusedModule) Error() string {
	return fmt.Sprintf("module %s is refused by the WebAssembly host: %v", e.path, e.err)
}

// exitCodeOf is the exit code of runtimeFor's error: 1 for a module of
// the rules that the host refuses, 2 for a host that cannot start.
func exitCodeOf(err error) int {
	var r *refusedModule
	if errors.As(err, &r) {
		return 1
	}
	return 2
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
