package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/lower"
	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/internal/workspace"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
)

// cmdDiff prints the semantic plan between two rule sets, the plan a
// deploy of NEW over a running OLD applies (compiler/plan, spec/plan.md):
// stagecraft diff [--format=text|json] [--data DIR] OLD NEW. Exit 0: no
// changes; 1: changes; 2: a side does not check, or usage or I/O failure.
func cmdDiff(args []string, stdout, stderr io.Writer) int {
	c := newCommand("diff", "[--format=text|json] [--data DIR] OLD NEW", stdout, stderr)
	format := c.fl.String("format", "text", "output `format`: text, or json (the plan as one object)")
	data := c.fl.String("data", "", "the store `DIR` of an engine running OLD: count the pending runs each change touches")
	paths, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if !c.oneOf("format", *format, "text", "json") {
		return 2
	}
	if len(paths) != 2 {
		return c.fail("want two paths, OLD and NEW (files or folders); got %d", len(paths))
	}
	if r1, ok1 := workspace.Root(paths[0]); ok1 && paths[0] != paths[1] && !isDir(paths[0]) && !isDir(paths[1]) {
		if r2, ok2 := workspace.Root(paths[1]); ok2 && r1 == r2 {
			return c.fail("%s and %s are in the same workspace (%s), which each of them stands for: compare two folders", paths[0], paths[1], r1)
		}
	}
	sides := [2]*side{}
	for i, p := range paths {
		s, err := loadSide(p)
		if err != nil {
			fmt.Fprintln(stderr, "stagecraft diff:", err)
			return 2
		}
		sides[i] = s
	}
	if code, failed := reportFailures(sides, *format, stdout, stderr); failed {
		return code
	}
	p := plan.Compare(sides[0].prog, sides[1].prog)
	if *data != "" {
		if err := countPending(p, *data); err != nil {
			fmt.Fprintln(stderr, "stagecraft diff:", err)
			return 2
		}
	}
	var err error
	if *format == "json" {
		err = p.WriteJSON(stdout)
	} else {
		err = p.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft diff:", err)
		return 2
	}
	if p.Empty() {
		return 0
	}
	return 1
}

// side is OLD or NEW: its path, what checking it found, and its program
// when it has no errors.
type side struct {
	path string
	ch   *compile.Checked
	prog *ir.Program
}

// loadSide reads and checks a path as `check` does: a folder's *.rules, or
// the workspace a file belongs to.
func loadSide(path string) (*side, error) {
	srcs, err := readSources([]string{path})
	if err != nil {
		return nil, err
	}
	// Checked with the files named from the side's folder, as a server
	// names them from the rule set's: OLD and NEW are two folders, and a
	// rule's place (a.rules:10) or a module's path (actions/wat/rabat.wasm)
	// is the same in both when unchanged.
	root := path
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		root = filepath.Dir(path)
	}
	rel := make([]compile.Source, len(srcs))
	for i, src := range srcs {
		rel[i] = src
		if r, err := filepath.Rel(root, src.Name); err == nil {
			rel[i].Name = filepath.ToSlash(r)
		}
	}
	ch, err := compile.CheckWith(rel, check.Config{Modules: underRoot(root)})
	if err != nil {
		return nil, err
	}
	s := &side{path: path, ch: ch}
	if ch.Diags.HasErrors() {
		// Reported as check reports them, with the paths as given.
		s.ch, err = compile.Check(srcs)
		return s, err
	}
	s.prog, err = lower.Program(ch.Fset, ch.Files, ch.Info)
	return s, err
}

// underRoot is the files of a folder as check.Config.Modules reads them:
// slash-separated paths from the folder (a module above it with ../).
type underRoot string

func (r underRoot) Open(name string) (fs.File, error) {
	if path.IsAbs(name) {
		return os.Open(filepath.FromSlash(name))
	}
	return os.Open(filepath.Join(string(r), filepath.FromSlash(name)))
}

// reportFailures prints the diagnostics of each side that does not check,
// as check prints them (JSON: one array for both), and says which side it
// was on stderr.
func reportFailures(sides [2]*side, format string, stdout, stderr io.Writer) (int, bool) {
	var all []diag.LSPDiagnostic
	failed := false
	for i, s := range sides {
		if s.prog != nil {
			continue
		}
		failed = true
		fmt.Fprintf(stderr, "stagecraft diff: %s (%s) has errors; nothing compared\n", [2]string{"OLD", "NEW"}[i], s.path)
		if format == "json" {
			all = append(all, diag.ToLSP(s.ch.Fset, s.ch.Diags.Sorted())...)
			continue
		}
		diag.WriteText(stdout, s.ch.Fset, s.ch.Diags.Sorted(), s.ch.Diags.Dropped())
	}
	if !failed {
		return 0, false
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(all); err != nil {
			fmt.Fprintln(stderr, "stagecraft diff:", err)
		}
	}
	return 2, true
}

// countPending opens the store of an engine and sets, for each change of
// a rule or trigger of the old program, how many pending runs it has.
func countPending(p *plan.Plan, dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("--data: %v", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("--data %s: not a folder", dir)
	}
	// Refuse a folder that holds no store, rather than creating one in it.
	if m, _ := filepath.Glob(filepath.Join(dir, "MANIFEST-*")); len(m) == 0 {
		if isDir(filepath.Join(dir, "tenants")) {
			return fmt.Errorf("--data %s: a server's data folder, not a store: name a tenant's, --data %s (with the server stopped)",
				dir, filepath.Join(dir, "tenants", "NAME", "engine"))
		}
		return fmt.Errorf("--data %s: no store there (no MANIFEST file)", dir)
	}
	st, err := store.Open(dir, nil)
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("--data %s: the store is in use (a running stagecraft serve holds it): stop the server, or ask it with RulesService/Plan, which gives the same plan with its pending counts", dir)
	}
	if err != nil {
		return fmt.Errorf("--data %s: %v", dir, err)
	}
	defer st.Close()
	counts, err := engine.Pending(st)
	if err != nil {
		return fmt.Errorf("--data %s: %v", dir, err)
	}
	p.SetPending(counts)
	if p.Strands() {
		items, err := engine.ItemsByStage(st)
		if err != nil {
			return fmt.Errorf("--data %s: %v", dir, err)
		}
		p.SetItems(items)
	}
	return nil
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
