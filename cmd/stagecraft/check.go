package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/lang/diag"
)

func cmdCheck(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	format := fl.String("format", "text", "output format: text or json")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *format != "text" && *format != "json" || fl.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: stagecraft check [--format=text|json] PATH...")
		return 2
	}
	srcs, err := readSources(fl.Args())
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft check:", err)
		return 2
	}
	c, err := compile.Check(srcs)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft check:", err)
		return 2
	}
	sorted := c.Diags.Sorted()
	if *format == "json" {
		if err := diag.WriteJSON(stdout, c.Fset, sorted); err != nil {
			fmt.Fprintln(stderr, "stagecraft check:", err)
			return 2
		}
	} else {
		diag.WriteText(stdout, c.Fset, sorted, c.Diags.Dropped())
	}
	if c.Diags.HasErrors() {
		return 1
	}
	return 0
}
