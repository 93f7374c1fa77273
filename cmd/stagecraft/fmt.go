package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/stagecraft/stagecraft/internal/atomicfile"
	"github.com/stagecraft/stagecraft/internal/workspace"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/format"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// cmdFmt is gofmt for *.rules: with no path, or the path "-", it formats
// standard input to standard output.
func cmdFmt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := newCommand("fmt", "[-l] [-d] [-w] [PATH... | -]", stdout, stderr)
	list := c.fl.Bool("l", false, "list files whose formatting differs")
	diffs := c.fl.Bool("d", false, "print a unified diff (git apply accepts it) instead of the formatted source")
	write := c.fl.Bool("w", false, "write the result to the file")
	paths, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(paths) == 0 || len(paths) == 1 && paths[0] == "-" {
		if *write {
			return c.fail("-w needs a file: standard input cannot be rewritten")
		}
		src, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft fmt:", err)
			return 2
		}
		return fmtOne("<standard input>", src, *list, *diffs, false, stdout, stderr)
	}
	for _, p := range paths {
		if p == "-" {
			return c.fail(`"-" (standard input) cannot be mixed with paths`)
		}
	}
	files, problems, err := workspace.List(paths)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft fmt:", err)
		return 2
	}
	for _, p := range problems {
		fmt.Fprintln(stderr, "stagecraft fmt:", p)
		code = 2
	}
	for _, p := range files {
		src, err := workspace.Read(p)
		if err != nil {
			// One unreadable file is reported; the others are still formatted.
			fmt.Fprintf(stderr, "stagecraft fmt: %s: %v\n", p, err)
			code = 2
			continue
		}
		code = max(code, fmtOne(p, src, *list, *diffs, *write, stdout, stderr))
	}
	return code
}

// fmtOne formats one source and reports, lists, diffs or writes it.
func fmtOne(name string, src []byte, list, diffs, write bool, stdout, stderr io.Writer) int {
	fset := token.NewFileSet()
	f, ds := parser.ParseFile(fset.AddFile(name, src))
	if ds.HasErrors() {
		// A file that does not parse is never rewritten: nothing is lost.
		diag.WriteText(stderr, fset, ds.Sorted(), ds.Dropped())
		return 1
	}
	out := format.File(f, src)
	quiet := list || write || diffs
	if bytes.Equal(out, src) {
		if !quiet {
			stdout.Write(out)
		}
		return 0
	}
	if list {
		fmt.Fprintln(stdout, name)
	}
	if write {
		info, err := os.Stat(name)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft fmt:", err)
			return 2
		}
		if err := atomicfile.Write(name, out, info.Mode().Perm()); err != nil {
			fmt.Fprintln(stderr, "stagecraft fmt:", err)
			return 2
		}
	}
	if diffs {
		stdout.Write(fmtDiff(name, src, out))
	}
	if !quiet {
		stdout.Write(out)
	}
	return 0
}

// fmtDiff is the diff of a file against its formatted form, named as
// git names them (a/PATH, b/PATH), so that `git apply` (which strips one
// leading component) applies it from the folder fmt ran in.
func fmtDiff(name string, old, new []byte) []byte {
	p := filepath.ToSlash(name)
	d := diff.Diff("a/"+p, old, "b/"+p, new)
	// diff.Diff starts with a "diff a/p b/p" line; git apply wants a
	// "diff --git" line or none, so keep only the ---/+++ header on.
	if i := bytes.IndexByte(d, '\n'); i >= 0 && bytes.HasPrefix(d, []byte("diff ")) {
		d = d[i+1:]
	}
	return d
}
