// Package examples embeds the example workspace, for `stagecraft demo` and
// the tests that run it.
package examples

import "embed"

// FS holds every *.rules file of the examples.
//
//go:embed *.rules
var FS embed.FS
