package main

import (
	"fmt"
	"io"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/lang/diag"
)

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	c := newCommand("check", "[--format=text|json] PATH...", stdout, stderr)
	format := c.fl.String("format", "text", "output `format`: text or json")
	paths, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if !c.oneOf("format", *format, "text", "json") {
		return 2
	}
	if len(paths) == 0 {
		return c.fail("no PATH given: name *.rules files or folders")
	}
	srcs, err := readSources(paths)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft check:", err)
		return 2
	}
	ch, err := compile.Check(srcs)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft check:", err)
		return 2
	}
	sorted := ch.Diags.Sorted()
	if *format == "json" {
		if err := diag.WriteJSON(stdout, ch.Fset, sorted); err != nil {
			fmt.Fprintln(stderr, "stagecraft check:", err)
			return 2
		}
	} else {
		diag.WriteText(stdout, ch.Fset, sorted, ch.Diags.Dropped())
	}
	if ch.Diags.HasErrors() {
		return 1
	}
	return 0
}
