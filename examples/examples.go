// Package examples embeds the example workspace, for `stagecraft demo` and
// the tests that run it.
package examples

import "embed"

// FS holds every *.rules file of the examples, and the WebAssembly module
// of the rabat action that they run (built from examples/actions/wat by
// its build.sh, and kept here so that the examples run without wabt).
//
//go:embed *.rules actions/wat/rabat.wasm
var FS embed.FS
