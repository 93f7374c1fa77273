package check

import (
	"reflect"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Incremental checking, for an editor that re-checks a workspace after
// every keystroke in one file. As go/types and gopls keep a package's
// declarations apart from its function bodies, a check is two stages:
//
//   - the declarations (fields, pipelines, resources, employees, custom
//     actions) of every file, collected together into one summary: the
//     schema every rule is checked against. It is collected again only
//     when the files that declare something, or whether a pipeline failed
//     to parse, changed; otherwise it is kept as it is.
//   - each file's rules, triggers and tests, checked against the summary
//     one file at a time, in the order the files are given. Their results
//     (side tables, diagnostics) are kept per file.
//
// A file's rules learn two things from the files checked before it: the
// identities and labels taken (ident.go), and the names that rules of a
// stage bind (let, calc, as), which a rule of another file may use by
// mistake. A file records both: each identity it claimed with what the
// claim gave, and each bound name it looked up with the rule it found. A
// kept file's results still hold when its claims, replayed on the
// identities taken by the files before it, give the same again, and its
// lookups find the same rules; otherwise the file is checked again. So
// an edit re-checks the edited file, and another file only when what it
// learned changed (a label it duplicates was removed, say).
//
// The diagnostics are those of a full check, in the same order (the
// declarations', then each file's, then the unused variables'), so the
// bound on their number keeps the same ones: Check is an Incremental
// that keeps nothing.

// Incremental checks one workspace again and again, re-using what did not
// change since its last check. It is not safe for concurrent use.
//
// A language server keeps one per workspace, and after an edit calls
// Check with every file of the workspace: the *ast.File of each file
// that did not change must be the one given last time (keep the parse),
// and the edited file's a new parse. The FileSet must be the same one as
// long as the kept parses are used; a new FileSet checks everything again.
//
//	w.inc = check.NewIncremental(check.Config{}, u) // once per workspace
//	info, ds := w.inc.Check(w.fset, files)          // after each edit
//
// The Info returned holds the workspace's Schema, Custom, Rules, Triggers
// and Tests, but not its side tables: those are kept in parts, one per
// file (Tables, FileTables), so that an edit replaces one file's part
// instead of taking its entries out of maps of the whole workspace and
// putting new ones in. The parts are the Incremental's own: a file's part
// stays valid until the file is checked again.
type Incremental struct {
	conf Config
	u    *Universe
	keep bool // results are kept for the next check

	fset    *token.FileSet
	decls   *declSummary
	sites   map[string][]site // where the rules of the workspace set names (sites.go)
	files   map[*ast.File]*fileResult
	results []*fileResult // of the last check, in the order of the files
	// info is the declarations' side tables when results are kept (the
	// files' are in their results: Tables); else every file's together.
	info *Info
	// idents is the table of identities of the last check, kept for its
	// memory (identTable.reset).
	idents *identTable
	undo   []undoTake // holds' scratch
	// byName is the results of the last check by file name: when a file
	// is checked again (edited, or what it learned from others changed),
	// its new side tables reuse the memory of its old ones, which an edit
	// changes little and nothing reads after the check that replaces them.
	byName map[string]*fileResult
}

// newFileInfo makes the side tables for checking f's rules: the emptied
// tables of f's last check, or new ones sized from f's size.
func (in *Incremental) newFileInfo(f *ast.File) *Info {
	old := in.byName[f.Name]
	if old == nil || old.info == nil {
		return newInfo(in.decls.schema, f.Size)
	}
	info := &Info{Schema: in.decls.schema, Types: old.info.Types, Defs: old.info.Defs, Uses: old.info.Uses, Overloads: old.info.Overloads}
	old.info = nil // its tables are info's now
	clear(info.Types)
	clear(info.Defs)
	clear(info.Uses)
	clear(info.Overloads)
	return info
}

// NewIncremental returns an Incremental that checks with conf and u.
func NewIncremental(conf Config, u *Universe) *Incremental {
	return &Incremental{conf: conf, u: u, keep: true}
}

// Check checks the workspace of files, as the package's Check does, and
// returns the same Info and the same diagnostics, re-using what the last
// Check found where it still holds.
func (in *Incremental) Check(fset *token.FileSet, files []*ast.File) (*Info, *diag.List) {
	return in.check(fset, files)
}

// declSummary is what the declarations of a workspace make: the schema
// and resources every rule is checked against.
type declSummary struct {
	declaring []*ast.File // the files that declare something, in the order of their names
	broken    bool        // a pipeline declaration did not parse
	schema    *types.Schema
	calendar  *types.ResourceDef
	custom    map[string]*CustomAction
	roots     map[string]map[string]*types.Root
	diags     *diag.List
	// brokenFields are the fields whose declaration is an error, by
	// entity ("" when the entity is unknown), then name: they are known by
	// name, and their uses get no errors that would follow.
	brokenFields map[string]map[string]bool
}

// binding is a name that a rule binds on a stage.
type binding struct {
	stage *types.StageDef
	name  string
	rule  *Rule
}

// fileResult is what checking one file's rules, triggers and tests found.
type fileResult struct {
	file     *ast.File
	info     *Info // its side tables; the workspace's own when nothing is kept
	rules    []*Rule
	triggers []*Trigger
	tests    []*ast.TestDecl
	vars     []*types.Var
	diags    *diag.List
	claims   []claim
	imports  []binding // bound names looked up in other files (rule is what was found, or nil)
	// names looked up among the sites where rules set names
	siteLookups []siteLookup
	misused     []token.Pos // checker.misused
	exports     []binding   // names its rules bind
}

func (in *Incremental) check(fset *token.FileSet, files []*ast.File) (*Info, *diag.List) {
	declaring := declaringFiles(byName(files))
	broken := hasBadDecl(fset, files, "pipeline")
	if d := in.decls; d == nil || in.fset != fset || d.broken != broken || !sameFiles(d.declaring, declaring) {
		in.collect(fset, files, declaring, broken)
	}
	in.sites = bindingSites(files)
	bound := map[*types.StageDef]map[string]*Rule{}
	if in.idents == nil || !in.keep {
		in.idents = newIdentTable()
	}
	idents := in.idents
	idents.reset()
	results := make([]*fileResult, len(files))
	for i, f := range files {
		if r := in.files[f]; r != nil && sitesHold(r, in.sites) && in.holds(r, bound, idents) {
			results[i] = r
			continue
		}
		results[i] = in.checkFile(f, bound, idents)
	}
	info := in.info
	if in.keep {
		next := make(map[*ast.File]*fileResult, len(files))
		for _, r := range results {
			next[r.file] = r
		}
		in.files, in.results = next, results
		in.byName = make(map[string]*fileResult, len(results))
		for _, r := range results {
			in.byName[r.file.Name] = r
		}
		// A new Info each time, without side tables: those stay in parts
		// (Tables), since merging a file's into maps of the whole
		// workspace, and taking them out again after the next edit, cost
		// more than checking the file.
		info = &Info{Schema: in.info.Schema, Custom: in.info.Custom}
		n := [3]int{}
		for _, r := range results {
			n[0], n[1], n[2] = n[0]+len(r.rules), n[1]+len(r.triggers), n[2]+len(r.tests)
		}
		info.Rules, info.Triggers, info.Tests = make([]*Rule, 0, n[0]), make([]*Trigger, 0, n[1]), make([]*ast.TestDecl, 0, n[2])
		for _, r := range results {
			info.Rules = append(info.Rules, r.rules...)
			info.Triggers = append(info.Triggers, r.triggers...)
			info.Tests = append(info.Tests, r.tests...)
		}
	}
	var ds diag.List
	ds.Append(in.decls.diags)
	for _, r := range results {
		ds.Append(r.diags)
	}
	misused := map[token.Pos]bool{}
	for _, r := range results {
		for _, p := range r.misused {
			misused[p] = true
		}
	}
	for _, r := range results {
		unused(&ds, r.vars, misused)
	}
	return info, &ds
}

// declaringFiles is the files that declare a field, pipeline or resource.
func declaringFiles(files []*ast.File) []*ast.File {
	var out []*ast.File
	for _, f := range files {
		for _, d := range f.Decls {
			switch d.(type) {
			case *ast.FieldDecl, *ast.PipelineDecl, *ast.ResourceDecl:
				out = append(out, f)
			default:
				continue
			}
			break
		}
	}
	return out
}

func sameFiles(a, b []*ast.File) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// collect collects the declarations of every file into a new summary,
// which makes every kept file result stale.
func (in *Incremental) collect(fset *token.FileSet, files, declaring []*ast.File, broken bool) {
	schema := in.u.schemaIn(fset)
	size := 0
	for _, f := range files {
		size += f.Size
	}
	ds := &diag.List{}
	c := &checker{u: in.u, conf: in.conf, fset: fset, schema: schema, diags: ds, info: newInfo(schema, size), brokenPipeline: broken}
	c.collect(byName(files))
	c.resolveResources()
	in.fset = fset
	in.decls = &declSummary{declaring: declaring, broken: broken, schema: schema, calendar: c.calendar,
		custom: c.info.Custom, roots: map[string]map[string]*types.Root{}, diags: ds, brokenFields: c.brokenFields}
	in.info = c.info
	in.files, in.results = nil, nil
}

// checkFile checks the rules, triggers and tests of f. bound and idents
// are what the files before it bound and claimed; f's own are added.
func (in *Incremental) checkFile(f *ast.File, bound map[*types.StageDef]map[string]*Rule, idents *identTable) *fileResult {
	d := in.decls
	c := &checker{u: in.u, conf: in.conf, fset: in.fset, schema: d.schema, diags: &diag.List{}, info: in.info,
		calendar: d.calendar, bound: bound, idents: idents, roots: d.roots, brokenPipeline: d.broken, file: f,
		sites: in.sites, brokenLast: map[*types.StageDef]bool{}, brokenFields: d.brokenFields}
	r := &fileResult{file: f, diags: c.diags}
	if in.keep {
		c.info = in.newFileInfo(f)
		c.info.Custom = d.custom
		r.claims = make([]claim, 0, len(f.Decls)) // one a rule or trigger, as a rule is labelled or not
		c.claims = &r.claims
	}
	nr, nt, ns := len(c.info.Rules), len(c.info.Triggers), len(c.info.Tests)
	c.lastRule = map[*types.StageDef]*Rule{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.RuleDecl:
			c.rule(d)
		case *ast.TriggerDecl:
			c.trigger(d)
		case *ast.TestDecl:
			c.test(d)
		case *ast.BadDecl:
			c.badRule(d)
		}
	}
	r.info = c.info
	r.rules, r.triggers, r.tests = c.info.Rules[nr:], c.info.Triggers[nt:], c.info.Tests[ns:]
	r.vars, r.imports, r.exports, r.siteLookups, r.misused = c.vars, c.imports, c.exports, c.siteLookups, c.misused
	return r
}

// holds reports whether a kept file result still holds after the files
// before it, which bound and claimed what bound and idents hold: its
// lookups find the same rules, and its claims give the same again. When
// it holds, its bindings and claims are added to bound and idents;
// otherwise they are left as they were.
func (in *Incremental) holds(r *fileResult, bound map[*types.StageDef]map[string]*Rule, idents *identTable) bool {
	for _, im := range r.imports {
		if bound[im.stage][im.name] != im.rule {
			return false
		}
	}
	undo := in.undo[:0]
	defer func() { in.undo = undo[:0] }()
	for i := range r.claims {
		cl := &r.claims[i]
		var scratch diag.List
		got, d, u := idents.take(in.fset, &scratch, cl)
		undo = append(undo, u)
		if got != cl.got || !sameDiag(d, cl.diag) {
			for j := len(undo) - 1; j >= 0; j-- {
				idents.undo(undo[j])
			}
			return false
		}
	}
	for _, b := range r.exports {
		m := bound[b.stage]
		if m == nil {
			m = map[string]*Rule{}
			bound[b.stage] = m
		}
		m[b.name] = b.rule
	}
	return true
}

func sameDiag(a, b *diag.Diagnostic) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.DeepEqual(*a, *b)
}

// Tables returns the side tables of the last Check in parts, which
// together hold what a full Check's Info.Types, Defs, Uses and Overloads
// hold: the declarations' (fields, pipelines, resources of every file)
// first, then those of each file's rules, triggers and tests, in the order
// of the files. A file's part is valid until the file is checked again,
// which empties and reuses its tables: do not keep a part across checks.
func (in *Incremental) Tables() []*Info {
	if in.info == nil {
		return nil
	}
	out := make([]*Info, 0, len(in.results)+1)
	out = append(out, in.info)
	for _, r := range in.results {
		out = append(out, r.info)
	}
	return out
}

// FileTables returns the part of Tables that holds the side tables of the
// rules, triggers and tests of f, or nil if f was not in the last Check.
// A file's declarations are in the first part, with every file's.
func (in *Incremental) FileTables(f *ast.File) *Info {
	if r := in.files[f]; r != nil {
		return r.info
	}
	return nil
}

// boundBy is the rule that binds name on stage st, among the rules checked
// so far, or nil; one in another file is recorded as an import.
func (c *checker) boundBy(st *types.StageDef, name string) *Rule {
	r := c.bound[st][name]
	if r == nil || r.file != c.file {
		c.imports = append(c.imports, binding{st, name, r})
	}
	return r
}

// pendingBy is the rule that binds name on the stage of en's rule, or nil.
func (c *checker) pendingBy(en *env, name string) *Rule {
	if en.rule == nil {
		return en.bound[name]
	}
	return c.boundBy(en.rule.Stage, name)
}
