package main

import (
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"strings"

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
	fmt.Fprintln(stdout, versionString())
	return 0
}

func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "stagecraft (unknown version)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	out := "stagecraft " + v
	if rev != "" && !strings.Contains(v, shortRev(rev)) {
		out += " " + shortRev(rev) + modified
	}
	return out + " " + bi.GoVersion
}

var hexRev = regexp.MustCompile(`^[0-9a-f]{12}`)

func shortRev(rev string) string {
	if m := hexRev.FindString(rev); m != "" {
		return m
	}
	return rev
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
