package check_test

import (
	"fmt"
	"maps"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
)

// editedWorkspace is a workspace as a language server holds it: one
// FileSet, each file's parse kept until its text changes.
type editedWorkspace struct {
	fset  *token.FileSet
	names []string
	texts []string
	files []*ast.File
}

func newEditedWorkspace(srcs map[string]string) *editedWorkspace {
	w := &editedWorkspace{fset: token.NewFileSet()}
	for n := range srcs {
		w.names = append(w.names, n)
	}
	sort.Strings(w.names)
	w.texts = make([]string, len(w.names))
	w.files = make([]*ast.File, len(w.names))
	for i, n := range w.names {
		w.set(i, srcs[n])
	}
	return w
}

// set gives file i a new text, parsed as a new file of the FileSet.
func (w *editedWorkspace) set(i int, text string) {
	w.texts[i] = text
	w.files[i], _ = parser.ParseFile(w.fset.AddFile(w.names[i], []byte(text)))
}

// sameCheck fails unless the incremental check of w gives what a full
// check gives: the same diagnostics, and the same side tables.
func sameCheck(t *testing.T, step string, w *editedWorkspace, inc *check.Incremental, conf check.Config, u *check.Universe) {
	t.Helper()
	gotInfo, gotDs := inc.Check(w.fset, w.files)
	wantInfo, wantDs := conf.Check(w.fset, w.files, u)
	if got, want := gotDs.Sorted(), wantDs.Sorted(); !reflect.DeepEqual(got, want) || gotDs.Dropped() != wantDs.Dropped() || gotDs.HasErrors() != wantDs.HasErrors() {
		var g, wt strings.Builder
		diag.WriteText(&g, w.fset, got, gotDs.Dropped())
		diag.WriteText(&wt, w.fset, want, wantDs.Dropped())
		t.Fatalf("%s: diagnostics differ\nincremental:\n%s\nfull:\n%s", step, g.String(), wt.String())
	}
	if got, want := describeInfo(w.fset, merged(gotInfo, inc.Tables())), describeInfo(w.fset, wantInfo); got != want {
		t.Fatalf("%s: side tables differ\nincremental:\n%s\nfull:\n%s", step, firstDiff(got, want), firstDiff(want, got))
	}
}

// merged is info with the side tables of an Incremental's parts put
// together, as a full check fills them.
func merged(info *check.Info, parts []*check.Info) *check.Info {
	m := *info
	m.Types, m.Defs, m.Uses, m.Overloads = map[ast.Expr]*types.Type{}, map[ast.Node]types.Object{}, map[ast.Node]types.Object{}, map[ast.Expr]*ops.Overload{}
	for _, p := range parts {
		maps.Copy(m.Types, p.Types)
		maps.Copy(m.Defs, p.Defs)
		maps.Copy(m.Uses, p.Uses)
		maps.Copy(m.Overloads, p.Overloads)
	}
	return &m
}

// describeInfo writes the side tables as sorted text: objects by kind,
// name and position, since a full check makes new ones.
func describeInfo(fset *token.FileSet, info *check.Info) string {
	var lines []string
	at := func(n ast.Node) string { return fmt.Sprintf("%s %T", fset.Position(n.Pos()), n) }
	for n, t := range info.Types {
		lines = append(lines, "type "+at(n)+" "+t.String())
	}
	for n, o := range info.Defs {
		lines = append(lines, fmt.Sprintf("def %s %T %s %d", at(n), o, o.ObjName(), o.ObjPos()))
	}
	for n, o := range info.Uses {
		lines = append(lines, fmt.Sprintf("use %s %T %s %d", at(n), o, o.ObjName(), o.ObjPos()))
	}
	for n, o := range info.Overloads {
		lines = append(lines, "overload "+at(n)+" "+o.ID)
	}
	sort.Strings(lines)
	for _, r := range info.Rules {
		lines = append(lines, fmt.Sprintf("rule %s %q %s %v", fset.Position(r.Decl.Pos()), r.Ident, r.Stage.Name, r.Previous != nil))
	}
	for _, tr := range info.Triggers {
		lines = append(lines, fmt.Sprintf("trigger %s %q %s", fset.Position(tr.Decl.Pos()), tr.Ident, tr.Stage.Name))
	}
	for _, d := range info.Tests {
		lines = append(lines, "test "+fset.Position(d.Pos()).String())
	}
	return strings.Join(lines, "\n")
}

func firstDiff(a, b string) string {
	bl := map[string]bool{}
	for _, l := range strings.Split(b, "\n") {
		bl[l] = true
	}
	var out []string
	for _, l := range strings.Split(a, "\n") {
		if !bl[l] {
			out = append(out, l)
			if len(out) == 10 {
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

// edits are changes an editor makes to a file's text, each applied to
// the text the one before left. They touch what files learn from each
// other: identities (a rule written twice, a label taken), names bound on
// a stage and used elsewhere, declarations, and text that does not parse.
var edits = []struct {
	name string
	edit func(text string) string
}{
	{"reparsed", func(s string) string { return s }},
	{"first rule twice", func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "on stage") {
				return s + "\n" + l + "\n"
			}
		}
		return s
	}},
	{"label taken", func(s string) string { return s + "\ntwin: on stage Nowe: send sms text \"a\"\n" }},
	{"binds a name", func(s string) string {
		// Labelled, so that only the name ties the files together.
		return s + fmt.Sprintf("\nbind%d: on stage Nowe: let shared = 1\nuse%d: on stage Nowe: send sms text \"{shared}\"\n", len(s), len(s))
	}},
	{"broken line", func(s string) string { return "on stage Nowe: send smss text \"x\"\n" + s }},
	{"declares a field", func(s string) string { return s + "\nfield deal.extra_note: text \"Note\"\n" }},
	{"first rule removed", func(s string) string {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "on stage") {
				return strings.Join(append(lines[:i:i], lines[i+1:]...), "\n")
			}
		}
		return s
	}},
	{"pipeline broken", func(s string) string { return s + "\npipeline deal Broken {\n    stage\n" }},
}

// TestIncrementalSameAsFull edits every file of the examples and of a
// generated workspace, one edit after another, and compares each
// incremental check with a full check of the same files; then it undoes
// the edits one file at a time.
func TestIncrementalSameAsFull(t *testing.T) {
	u := universe(t)
	conf := testConfig(t)
	examples := readDir(t, "../../examples")
	generated := map[string]string{"workspace.rules": examples["workspace.rules"]}
	for i := 0; i < 3; i++ {
		var b strings.Builder
		for j, line := range strings.Split(workspaceN(40)["gen.rules"], "\n") {
			if j%7 == 0 && line != "" {
				line = fmt.Sprintf("g%d_%d: %s", i, j, line)
			}
			b.WriteString(line + "\n")
		}
		if i == 1 {
			b.WriteString("on stage Nowe: let v = deal.amount\non stage Nowe then: update deal.comments = \"{v}\"\n")
		}
		generated[fmt.Sprintf("gen%d.rules", i)] = b.String()
	}
	for _, tc := range []struct {
		name string
		srcs map[string]string
	}{{"examples", examples}, {"generated", generated}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newEditedWorkspace(tc.srcs)
			inc := check.NewIncremental(conf, u)
			sameCheck(t, "start", w, inc, conf, u)
			original := append([]string(nil), w.texts...)
			for i, name := range w.names {
				for _, e := range edits {
					w.set(i, e.edit(w.texts[i]))
					sameCheck(t, name+": "+e.name, w, inc, conf, u)
				}
			}
			for i, name := range w.names {
				w.set(i, original[i])
				sameCheck(t, name+": undone", w, inc, conf, u)
			}
		})
	}
}

// FuzzIncremental checks a workspace, replaces one of its files with the
// fuzzer's text, and compares the incremental check with a full one.
func FuzzIncremental(f *testing.F) {
	u := universe(f)
	conf := testConfig(f)
	examples := readDir(f, "../../examples")
	for _, e := range edits {
		f.Add(e.edit(examples["furniture.rules"]))
	}
	f.Fuzz(func(t *testing.T, src string) {
		w := newEditedWorkspace(examples)
		inc := check.NewIncremental(conf, u)
		inc.Check(w.fset, w.files)
		for i, n := range w.names {
			if n == "furniture.rules" {
				w.set(i, src)
			}
		}
		sameCheck(t, "fuzzed", w, inc, conf, u)
	})
}

// BenchmarkIncrementalEdit measures what a language server waits for
// after a keystroke in a 5,000-rule workspace (10 files of 500 rules, as
// lsp's BenchmarkEdit): parsing the edited file and checking the
// workspace, incrementally and in full. It reports p50 and p99:
//
//	go test -run '^$' -bench IncrementalEdit -benchtime 200x ./compiler/check
func BenchmarkIncrementalEdit(b *testing.B) {
	const files, perFile = 10, 500
	var ws strings.Builder
	ws.WriteString("pipeline deal Sales {\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&ws, "    stage S%d\n", i)
	}
	ws.WriteString("}\n\nfield deal.net: money \"Net\"\nemployee anna \"Anna\" { email \"anna@example.com\" }\nprovider smsapi \"SMSAPI\"\n")
	rules := func(f int, edit string) string {
		var s strings.Builder
		for i := 0; i < perFile; i++ {
			fmt.Fprintf(&s, "r%d_%d: on stage S%d after %dd if deal.net > %d: send sms text \"Hello {contact.name}%s\"\n", f, i, i%20, i%30+1, i, edit)
		}
		return s.String()
	}
	srcs := map[string]string{"workspace.rules": ws.String()}
	for f := 0; f < files; f++ {
		srcs[fmt.Sprintf("r%02d.rules", f)] = rules(f, "")
	}
	u := universe(b)
	texts := [2]string{rules(0, "!"), rules(0, "?")}
	for _, mode := range []string{"incremental", "full"} {
		b.Run(mode, func(b *testing.B) {
			w := newEditedWorkspace(srcs)
			edited := 0 // r00.rules
			inc := check.NewIncremental(check.Config{}, u)
			run := func(i int) *diag.List {
				w.set(edited, texts[i%2])
				if mode == "full" {
					_, ds := check.Check(w.fset, w.files, u)
					return ds
				}
				_, ds := inc.Check(w.fset, w.files)
				return ds
			}
			if ds := run(0); ds.HasErrors() {
				b.Fatalf("the workspace has errors: %v", ds.Sorted()[0].Message)
			}
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				run(i + 1)
				times = append(times, time.Since(start))
			}
			b.StopTimer()
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// TestIncrementalBoundNames edits only the file that binds a name which a
// kept file uses: the kept file's results must follow (its rule reads a
// name another file's rule sets, an error that names that rule's line).
func TestIncrementalBoundNames(t *testing.T) {
	u := universe(t)
	conf := testConfig(t)
	w := newEditedWorkspace(map[string]string{
		"workspace.rules": readDir(t, "../../examples")["workspace.rules"],
		"a.rules":         "bind: on stage Nowe: let shared = 1\n",
		"b.rules":         "use: on stage Nowe: send sms text \"{shared}\"\nagain: on stage Nowe: let shared = 2\n",
	})
	inc := check.NewIncremental(conf, u)
	sameCheck(t, "start", w, inc, conf, u)
	for _, text := range []string{"\n\nbind: on stage Nowe: let shared = 1\n", "bind: on stage Nowe: let other = 1\n", "bind: on stage Nowe: let shared = 1\n"} {
		w.set(0, text) // a.rules
		sameCheck(t, text, w, inc, conf, u)
	}
}
