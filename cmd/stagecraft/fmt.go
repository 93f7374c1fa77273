package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/format"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

func cmdFmt(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fl.SetOutput(stderr)
	list := fl.Bool("l", false, "list files whose formatting differs")
	diff := fl.Bool("d", false, "print a diff instead of the formatted source")
	write := fl.Bool("w", false, "write the result to the file")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: stagecraft fmt [-l] [-d] [-w] PATH...")
		return 2
	}
	paths, err := rulesFiles(fl.Args())
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft fmt:", err)
		return 2
	}
	code := 0
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft fmt:", err)
			return 2
		}
		fset := token.NewFileSet()
		f, ds := parser.ParseFile(fset.AddFile(p, src))
		if ds.HasErrors() {
			// A file that does not parse is never rewritten: nothing is lost.
			diag.WriteText(stderr, fset, ds.Sorted(), ds.Dropped())
			code = max(code, 1)
			continue
		}
		out := format.File(f, src)
		if bytes.Equal(out, src) {
			if !*list && !*write && !*diff {
				stdout.Write(out)
			}
			continue
		}
		if *list {
			fmt.Fprintln(stdout, p)
		}
		if *write {
			info, err := os.Stat(p)
			if err != nil {
				fmt.Fprintln(stderr, "stagecraft fmt:", err)
				return 2
			}
			if err := os.WriteFile(p, out, info.Mode().Perm()); err != nil {
				fmt.Fprintln(stderr, "stagecraft fmt:", err)
				return 2
			}
		}
		if *diff {
			fmt.Fprint(stdout, unifiedDiff(p, src, out))
		}
		if !*list && !*write && !*diff {
			stdout.Write(out)
		}
	}
	return code
}
