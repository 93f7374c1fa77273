// Package examples embeds the example workspace, for `stagecraft demo` and
// the tests that run it.
package examples

import "embed"

// FS holds the *.rules files of the examples' top folder, and the
// WebAssembly module of the rabat action that they run (built from
// examples/actions/wat by its build.sh, and kept here so that the examples
// run without wabt). The rules of examples/actions/go and assemblyscript
// are not in it: their modules need their toolchains, which .ci/run
// installs and `stagecraft test examples/` reads from the disk.
//
//go:embed *.rules actions/wat/rabat.wasm
var FS embed.FS
