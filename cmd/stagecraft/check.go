package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
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
	paths, err := rulesFiles(fl.Args())
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft check:", err)
		return 2
	}
	u, err := universe()
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft check:", err)
		return 2
	}
	fset := token.NewFileSet()
	var all diag.List
	var files []*ast.File
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft check:", err)
			return 2
		}
		f, ds := parser.ParseFile(fset.AddFile(p, src))
		all.Append(ds)
		files = append(files, f)
	}
	_, ds := check.Check(fset, files, u)
	all.Append(ds)
	sorted := all.Sorted()
	if *format == "json" {
		if err := diag.WriteJSON(stdout, fset, sorted); err != nil {
			fmt.Fprintln(stderr, "stagecraft check:", err)
			return 2
		}
	} else {
		diag.WriteText(stdout, fset, sorted, all.Dropped())
	}
	if all.HasErrors() {
		return 1
	}
	return 0
}
