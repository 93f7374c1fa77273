package main

import (
	"fmt"
	"io"

	"github.com/stagecraft/stagecraft/internal/version"
	"github.com/stagecraft/stagecraft/lang/diag"
)

// cmdVersion prints the module version and the VCS revision the binary was
// built from, as `go version -m` would report them.
func cmdVersion(args []string, stdout, stderr io.Writer) int {
	c := newCommand("version", "", stdout, stderr)
	paths, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(paths) > 0 {
		return c.fail("takes no arguments")
	}
	fmt.Fprintln(stdout, version.String())
	return 0
}

// commands lists the command names, for a did-you-mean on a misspelling.
var commands = []string{"check", "fmt", "test", "run", "demo", "diff", "serve", "keys", "tenant", "lsp", "version", "help"}

func unknownCommand(name string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "stagecraft: unknown command %q", name)
	if s := suggestCommand(name); s != "" {
		fmt.Fprintf(stderr, "; did you mean %q?", s)
	}
	fmt.Fprintf(stderr, "\n%s", usage)
	return 2
}

func suggestCommand(name string) string { return diag.Suggest(name, commands) }
