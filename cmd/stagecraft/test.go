package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/examples"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/testrun"
	"github.com/stagecraft/stagecraft/stdlib"
)

type source = compile.Source

// program compiles sources; on errors it prints them and returns nil.
func program(srcs []source, stderr io.Writer) *ir.Program {
	p, err := compile.Program(srcs)
	if err != nil {
		fmt.Fprint(stderr, err)
		return nil
	}
	return p
}

func readSources(paths []string) ([]source, error) {
	files, err := rulesFiles(paths)
	if err != nil {
		return nil, err
	}
	var out []source
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, source{Name: p, Src: b})
	}
	return out, nil
}

// cmdTest runs the test blocks: stagecraft test PATH...
func cmdTest(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: stagecraft test PATH...")
		return 2
	}
	srcs, err := readSources(args)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft test:", err)
		return 2
	}
	p := program(srcs, stderr)
	if p == nil {
		return 1
	}
	passed, failed := 0, 0
	for _, t := range p.Tests {
		out, err := testrun.Run(p, stdlib.Runtime(), t)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft test:", err)
			return 2
		}
		if len(out.Failures) == 0 {
			passed++
			fmt.Fprintf(stdout, "ok   %s %q\n", t.Pos, t.Name)
			continue
		}
		failed++
		fmt.Fprintf(stdout, "FAIL %s %q\n", t.Pos, t.Name)
		for _, f := range out.Failures {
			fmt.Fprintf(stdout, "    %s: %s\n", f.Step.Pos, f.Msg)
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// cmdRun is a dry run: each test block as a scenario, printing its timeline.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: stagecraft run PATH...")
		return 2
	}
	srcs, err := readSources(args)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft run:", err)
		return 2
	}
	p := program(srcs, stderr)
	if p == nil {
		return 1
	}
	for _, t := range p.Tests {
		out, err := testrun.Run(p, stdlib.Runtime(), t)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft run:", err)
			return 2
		}
		printTimeline(stdout, t, out.Timeline)
	}
	return 0
}

func printTimeline(w io.Writer, t *ir.Test, tl []engine.Entry) {
	fmt.Fprintf(w, "== %s (%s)\n", t.Name, t.Pos)
	for _, e := range tl {
		rule := ""
		if e.Rule != "" {
			rule = "  [" + e.Rule + "]"
		}
		fmt.Fprintf(w, "%s  item %-4s %-20s %s%s\n", time.Unix(e.Time, 0).UTC().Format("2006-01-02 15:04"), e.Item, e.Stage, e.Text, rule)
	}
}

// cmdDemo runs M-SCENARIO, the furniture shop, on a temporary on-disk store.
func cmdDemo(args []string, stdout, stderr io.Writer) int {
	names, _ := fs.Glob(examples.FS, "*.rules")
	sort.Strings(names)
	var srcs []source
	for _, n := range names {
		b, _ := fs.ReadFile(examples.FS, n)
		srcs = append(srcs, source{Name: "examples/" + n, Src: b})
	}
	p := program(srcs, stderr)
	if p == nil {
		return 1
	}
	dir, err := os.MkdirTemp("", "stagecraft-demo-")
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft demo:", err)
		return 2
	}
	defer os.RemoveAll(dir)
	for _, t := range p.Tests {
		if t.Pos.File != "examples/furniture.rules" {
			continue
		}
		st, err := store.Open(dir, nil)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft demo:", err)
			return 2
		}
		out, err := testrun.RunOn(st, p, stdlib.Runtime(), t)
		st.Close()
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft demo:", err)
			return 2
		}
		fmt.Fprintf(stdout, "M-SCENARIO on a Pebble store in %s\n", dir)
		printTimeline(stdout, t, out.Timeline)
		for _, f := range out.Failures {
			fmt.Fprintf(stdout, "unexpected: %s: %s\n", f.Step.Pos, f.Msg)
			return 1
		}
	}
	return 0
}
