package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/examples"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/lang/literal"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/testrun"
)

// program compiles sources; on errors it prints them and returns nil.
func program(srcs []compile.Source, stderr io.Writer) *ir.Program {
	p, err := compile.Program(srcs)
	if err != nil {
		fmt.Fprint(stderr, err)
		return nil
	}
	return p
}

// cmdTest runs the test blocks: stagecraft test [-run REGEXP] [-v]
// [--format=text|json] PATH...
func cmdTest(args []string, stdout, stderr io.Writer) int {
	c := newCommand("test", "[-run REGEXP] [-v] [--format=text|json] PATH...", stdout, stderr)
	runPat := c.fl.String("run", "", "run only the tests whose name matches the `regexp`")
	verbose := c.fl.Bool("v", false, "print each test's timeline, also when it passes")
	format := c.fl.String("format", "text", "output `format`: text, or json (one event per line, as go test -json)")
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
	var match *regexp.Regexp
	if *runPat != "" {
		var err error
		if match, err = regexp.Compile(*runPat); err != nil {
			return c.fail("bad -run regexp: %v", err)
		}
	}
	srcs, err := readSources(paths)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft test:", err)
		return 2
	}
	p := program(srcs, stderr)
	if p == nil {
		abort(*format, stdout, paths[0], "the workspace does not check: its diagnostics are on stderr (stagecraft check)")
		return 1
	}
	lib, done, err := runtimeFor(p, nil)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft test:", err)
		abort(*format, stdout, paths[0], err.Error())
		return exitCodeOf(err)
	}
	defer done()
	if *format != "json" { // JSON escapes control characters itself
		stdout = terminalSafe{stdout}
	}
	rep := newReporter(p, *format, *verbose, stdout)
	ran := 0
	defer func() { noneMatched(stderr, "test", p, match, ran) }()
	for _, t := range p.Tests {
		if match != nil && !match.MatchString(t.Name) {
			continue
		}
		ran++
		rep.start(t)
		out, err := testrun.Run(p, lib, t)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft test:", err)
			return 2
		}
		rep.end(t, out)
	}
	return rep.finish()
}

// cmdRun is a dry run: each test block as a scenario, printing its timeline.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	stdout = terminalSafe{stdout}
	c := newCommand("run", "[-run REGEXP] PATH...", stdout, stderr)
	runPat := c.fl.String("run", "", "run only the scenarios whose name matches the `regexp`")
	paths, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		return c.fail("no PATH given: name *.rules files or folders")
	}
	var match *regexp.Regexp
	if *runPat != "" {
		var err error
		if match, err = regexp.Compile(*runPat); err != nil {
			return c.fail("bad -run regexp: %v", err)
		}
	}
	srcs, err := readSources(paths)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft run:", err)
		return 2
	}
	p := program(srcs, stderr)
	if p == nil {
		return 1
	}
	lib, done, err := runtimeFor(p, nil)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft run:", err)
		return exitCodeOf(err)
	}
	defer done()
	ran, failed := 0, 0
	defer func() { noneMatched(stderr, "run", p, match, ran) }()
	for _, t := range p.Tests {
		if match != nil && !match.MatchString(t.Name) {
			continue
		}
		ran++
		out, err := testrun.Run(p, lib, t)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft run:", err)
			return 2
		}
		printTimeline(stdout, p, out, true)
		if len(out.Failures) > 0 {
			failed++
		}
	}
	// A dry run shows what happens; an expectation that failed is still
	// a failure, as in test (exit 1), so that a script sees it.
	noun := "scenarios"
	if ran == 1 {
		noun = "scenario"
	}
	fmt.Fprintf(stdout, "%d %s, %d with a failed expectation\n", ran, noun, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

// printTimeline prints a test's timeline: items by their names in the
// test, and, with steps, each step of the test before what it made, an
// expectation with its result.
func printTimeline(w io.Writer, p *ir.Program, out *testrun.Outcome, steps bool) {
	t := out.Test
	fmt.Fprintf(w, "== %s (%s)\n", t.Name, t.Pos)
	entry := func(e engine.Entry) {
		rule := ""
		if e.Rule != "" {
			rule = "  [" + e.Rule + "]"
		}
		item := out.Names[e.Item]
		if item == "" {
			item = "item " + e.Item
		}
		layout := "2006-01-02 15:04"
		if e.Time%60 != 0 { // a wait of seconds: its entries read apart
			layout = "2006-01-02 15:04:05"
		}
		head := fmt.Sprintf("%s  %-10s %-20s ", time.Unix(e.Time, 0).UTC().Format(layout), item, e.Stage)
		// A text of several lines (a module's log) goes on under its
		// first, marked, so that no line of it reads as an entry.
		text := strings.ReplaceAll(strings.TrimRight(e.Text, "\n"), "\n", "\n"+strings.Repeat(" ", utf8.RuneCountInString(head)-2)+"| ")
		fmt.Fprintf(w, "%s%s%s\n", head, text, rule)
	}
	if !steps {
		for _, e := range out.Timeline {
			entry(e)
		}
		return
	}
	for _, s := range out.Steps {
		line := "-- " + describeStep(p, s.Step)
		switch {
		case s.Failure != "":
			line += ": FAIL: " + indentMore(s.Failure)
		case strings.HasPrefix(s.Step.Op, "expect"):
			line += ": ok"
		}
		fmt.Fprintf(w, "%s  (%s)\n", line, s.Step.Pos)
		for _, e := range out.Timeline[s.From:s.To] {
			entry(e)
		}
	}
}

// describeStep writes a test step as the language writes it.
func describeStep(p *ir.Program, s *ir.Step) string {
	src := func(e *ir.Expr) string { return plan.Source(e) }
	settings := func(ss []*ir.Setting) string {
		var b strings.Builder
		for _, set := range ss {
			b.WriteString(" " + set.Name)
			if set.Value != nil {
				b.WriteString(" " + src(set.Value))
			}
		}
		return b.String()
	}
	switch s.Op {
	case "at":
		return "at " + src(s.Value)
	case "wait":
		return "wait " + literal.FormatDuration(s.Seconds)
	case "given":
		return fmt.Sprintf("given %s %s {%s }", s.Entity, s.Item, settings(s.Settings))
	case "move":
		by := ""
		if s.By != "" {
			by = " by " + s.By
		}
		return fmt.Sprintf("move %s to %s%s", s.Item, plan.QuoteName(s.Stage), by)
	case "set":
		return fmt.Sprintf("set %s.%s = %s", s.Item, s.Field, src(s.Value))
	case "event":
		return fmt.Sprintf("event %s on %s%s", s.Event, s.Item, settings(s.Settings))
	case "expect":
		return "expect " + src(s.Value)
	}
	// An expectation of effects or of the timeline, with its clauses as written.
	no, to, clauses := "", "", ""
	if s.No {
		no = "no "
	}
	if s.Target != nil {
		to = " to " + src(s.Target)
	}
	if s.At != nil {
		clauses += " at " + src(s.At)
	}
	if s.After != "" {
		clauses += " after " + s.After
	}
	if s.Bind != "" {
		clauses += " as " + s.Bind
	}
	switch s.Op {
	case "expect-timeline":
		return fmt.Sprintf("expect %stimeline %s %q%s", no, s.Item, s.Text, clauses)
	case "expect-effect":
		return fmt.Sprintf("expect %s%s %s%s%s%s", no, s.Verb, s.Kind, to, settings(s.Settings), clauses)
	}
	return s.Op
}

// demoFiles are the furniture shop: its workspace and its walk-through.
var demoFiles = []string{"workspace.rules", "furniture.rules"}

// cmdDemo runs M-SCENARIO, the furniture shop, on a temporary on-disk
// store, and prints its timeline and what it left in the outbox.
func cmdDemo(args []string, stdout, stderr io.Writer) int {
	stdout = terminalSafe{stdout}
	c := newCommand("demo", "", stdout, stderr)
	paths, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(paths) != 0 {
		c.usage(stderr)
		return 2
	}
	p, err := compile.ProgramFiles(examples.FS, "examples/", demoFiles...)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft demo:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "stagecraft-demo-")
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft demo:", err)
		return 2
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(dir, nil)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft demo:", err)
		return 2
	}
	defer st.Close()
	lib, done, err := runtimeFor(p, compile.FS(examples.FS, "examples/"))
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft demo:", err)
		return 2
	}
	defer done()
	out, err := testrun.RunOn(st, p, lib, p.Tests[0])
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft demo:", err)
		return 2
	}
	fmt.Fprintf(stdout, "M-SCENARIO, the furniture shop, on a Pebble store in %s\n", dir)
	printTimeline(stdout, p, out, false)
	eng, err := engine.New(st, p, lib)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft demo:", err)
		return 2
	}
	effects, err := eng.Effects()
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft demo:", err)
		return 2
	}
	fmt.Fprintln(stdout, "\noutbox and records (key: what)")
	for _, e := range effects {
		fmt.Fprintf(stdout, "%-6s %s %s %s\n", e.Key, e.Verb, e.Kind, describeEffect(e))
	}
	for _, f := range out.Failures {
		fmt.Fprintf(stdout, "unexpected: %s: %s\n", f.Step.Pos, f.Msg)
		return 1
	}
	return 0
}

func describeEffect(e engine.Effect) string {
	var parts []string
	if e.To != "" {
		parts = append(parts, "to "+e.To)
	}
	for _, k := range []string{"subject", "text", "title", "name"} {
		if v := e.Fields[k]; v != "" {
			parts = append(parts, fmt.Sprintf("%s %q", k, v))
		}
	}
	return strings.Join(parts, ", ")
}

// noneMatched warns, as go test does, when -run matched no test of the
// workspace (a typo ran nothing and passed), naming a few it has.
func noneMatched(stderr io.Writer, cmd string, p *ir.Program, match *regexp.Regexp, ran int) {
	if ran > 0 || len(p.Tests) == 0 {
		return
	}
	names := make([]string, 0, 5)
	for _, t := range p.Tests[:min(5, len(p.Tests))] {
		names = append(names, strconv.Quote(t.Name))
	}
	more := ""
	if len(p.Tests) > len(names) {
		more = fmt.Sprintf(", ... (%d in all)", len(p.Tests))
	}
	fmt.Fprintf(stderr, "stagecraft %s: warning: -run %q matches no test; the tests are %s%s\n", cmd, match, strings.Join(names, ", "), more)
}

// terminalSafe writes what test, run and demo print with the control
// characters of the texts they quote escaped (printable): a step echoed as
// written, a failure's values, a timeline. The one place that escapes them:
// printTimeline's writers are all wrapped.
type terminalSafe struct{ w io.Writer }

func (t terminalSafe) Write(p []byte) (int, error) {
	if _, err := io.WriteString(t.w, printable(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// printable escapes the control characters of a timeline text other than
// tab and newline (a carriage return would let a terminal overwrite the
// entry with another): \r, \x1b.
func printable(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\n' }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r) && r != '\t' && r != '\n':
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
