package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/testrun"
)

// reporter prints test results as text or as test2json events.
type reporter struct {
	json    bool
	verbose bool
	w       io.Writer
	enc     *json.Encoder
	began   time.Time // wall clock of the run, for Elapsed only: tests themselves never see it
	started time.Time
	passed  int
	failed  int
	pkg     string
	prog    *ir.Program // for writing steps as the language does
}

func newReporter(p *ir.Program, format string, verbose bool, w io.Writer) *reporter {
	r := &reporter{json: format == "json", verbose: verbose, w: w, began: time.Now(), prog: p}
	if r.json {
		r.enc = json.NewEncoder(w)
	}
	return r
}

// event is one line of `go test -json` (cmd/test2json): CI tools that read
// Go's test output read this too. Package is the workspace's first file's
// folder; Test is the test's name.
type event struct {
	Time    time.Time `json:",omitempty"`
	Action  string
	Package string   `json:",omitempty"`
	Test    string   `json:",omitempty"`
	Elapsed *float64 `json:",omitempty"`
	Output  string   `json:",omitempty"`
}

func (r *reporter) emit(e event) {
	e.Time = time.Now()
	e.Package = r.pkg
	r.enc.Encode(e)
}

func (r *reporter) output(test, text string) {
	if r.json {
		r.emit(event{Action: "output", Test: test, Output: text})
		return
	}
	io.WriteString(r.w, text)
}

func (r *reporter) start(t *ir.Test) {
	if r.pkg == "" {
		r.pkg = filepath.Dir(t.Pos.File)
	}
	r.started = time.Now()
	if r.json {
		r.emit(event{Action: "run", Test: t.Name})
	}
	if r.verbose {
		r.output(t.Name, fmt.Sprintf("=== RUN  %s %q\n", t.Pos, t.Name))
	}
}

func (r *reporter) end(t *ir.Test, out *testrun.Outcome) {
	if r.verbose {
		var b strings.Builder
		printTimeline(&b, r.prog, out, true)
		r.output(t.Name, b.String())
	}
	action := "pass"
	if len(out.Failures) == 0 {
		r.passed++
		r.output(t.Name, fmt.Sprintf("ok   %s %q\n", t.Pos, t.Name))
	} else {
		r.failed++
		action = "fail"
		r.output(t.Name, fmt.Sprintf("FAIL %s %q\n", t.Pos, t.Name))
		for _, f := range out.Failures {
			r.output(t.Name, fmt.Sprintf("    %s: %s\n", f.Step.Pos, indentMore(f.Msg)))
		}
	}
	if r.json {
		el := time.Since(r.started).Seconds()
		r.emit(event{Action: action, Test: t.Name, Elapsed: &el})
	}
}

// indentMore keeps a failure's continuation lines under its first line.
func indentMore(s string) string { return strings.ReplaceAll(s, "\n", "\n    ") }

// finish prints the count and returns the exit code.
func (r *reporter) finish() int {
	r.output("", fmt.Sprintf("%d passed, %d failed\n", r.passed, r.failed))
	action := "pass"
	code := 0
	if r.failed > 0 {
		action, code = "fail", 1
	}
	if r.json {
		el := time.Since(r.began).Seconds()
		r.emit(event{Action: action, Elapsed: &el})
	}
	return code
}

// abort says, in JSON, why no test ran (the workspace does not check, a
// module is refused): a reader of go test -json's events sees the run
// fail with the reason, not an empty stream. Text says it on stderr only.
func abort(format string, w io.Writer, path, why string) {
	if format != "json" {
		return
	}
	enc := json.NewEncoder(w)
	pkg := filepath.Dir(path)
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		pkg = filepath.Clean(path)
	}
	now := time.Now()
	enc.Encode(event{Time: now, Action: "output", Package: pkg, Output: "stagecraft test: " + why + "\n"})
	zero := 0.0
	enc.Encode(event{Time: now, Action: "fail", Package: pkg, Elapsed: &zero})
}
