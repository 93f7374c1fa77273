// Package check resolves names and types of parsed *.rules files against the
// schema and the standard library, and reports what is wrong. It leaves the
// syntax tree untouched: what it learns goes into the side tables of Info,
// which the compiler's later stages, a language server and `stagecraft diff`
// read.
package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
)

// Universe is what every workspace starts with: the built-in schema and the
// standard library's declarations, indexed for lookup. Build it once.
type Universe struct {
	// Schema is the built-in schema. Its positions are in the universe's
	// own FileSet; a check's Info.Schema has them in the check's.
	Schema    *types.Schema
	Lib       *types.Library
	file      *token.File // the built-in schema file, in a FileSet of its own
	actions   map[string]*types.ActionDecl
	triggers  map[string]*types.TriggerDecl
	funcs     map[string]*types.FuncDecl
	resources map[string]*types.ResourceKind
}

// NewUniverse indexes a library and builds its schema. An error means the
// library itself is broken.
func NewUniverse(lib *types.Library) (*Universe, error) {
	u := &Universe{Lib: lib, actions: map[string]*types.ActionDecl{}, triggers: map[string]*types.TriggerDecl{},
		funcs: map[string]*types.FuncDecl{}, resources: map[string]*types.ResourceKind{}}
	for _, a := range lib.Actions {
		u.actions[a.Name()] = a
	}
	for _, t := range lib.Triggers {
		u.triggers[t.Name()] = t
	}
	for _, f := range lib.Funcs {
		u.funcs[f.Name] = f
	}
	for _, r := range lib.Resources {
		u.resources[r.Name] = r
	}
	u.Schema = types.NewSchema()
	for _, e := range lib.Entities {
		u.Schema.Entities[e] = &types.EntityDef{Name: e, Fields: map[string]*types.Field{}, Pipelines: contains(lib.PipelineEntities, e)}
	}
	fset := token.NewFileSet()
	u.file = fset.AddFile(lib.SchemaName, lib.SchemaSource)
	file, ds := parser.ParseFile(u.file)
	c := &checker{u: u, fset: fset, schema: u.Schema, diags: ds, info: newInfo(u.Schema, len(lib.SchemaSource)), builtin: true}
	c.collect([]*ast.File{file})
	if ds.HasErrors() {
		var b strings.Builder
		diag.WriteText(&b, fset, ds.Sorted(), ds.Dropped())
		return nil, fmt.Errorf("standard library schema: %s", b.String())
	}
	// client: the item's first contact, or its company when it has none.
	u.Schema.Entities["client"] = &types.EntityDef{Name: "client", Fields: map[string]*types.Field{
		"name":  {Name: "name", Type: types.TextN(120), Builtin: true},
		"email": {Name: "email", Type: types.EmailsType, Builtin: true},
		"phone": {Name: "phone", Type: types.PhonesType, Builtin: true},
	}}
	return u, nil
}

// Action returns the standard action written as "verb object", or nil.
func (u *Universe) Action(name string) *types.ActionDecl { return u.actions[name] }

// Trigger returns the trigger of an event written as "word word", or nil.
func (u *Universe) Trigger(name string) *types.TriggerDecl { return u.triggers[name] }

// Info is what the checker learned, in side tables keyed by syntax nodes,
// as go/types.Info keeps them.
//
// Every name of a checked file is a key of Defs or of Uses, never of both:
// an *ast.Ident, or an *ast.Name for stage and pipeline names. The
// exceptions are words that name no declaration: keywords written as names
// (a stage's won or lost, a delay's worktime or keep, auto, a custom
// action's input and output, a test's sent and created), members of an enum
// written bare (use last, days [mon, tue]) and e-mail and phone types
// (client.email[work], mobile("...")). A name whose meaning the checker
// could not work out (an error) has no entry.
type Info struct {
	Schema *types.Schema
	Types  map[ast.Expr]*types.Type // the type of every checked expression
	// Defs maps each declaring name to what it declares: a field,
	// pipeline, stage or resource; a variable or result (let, calc, as); a
	// custom action's input (a *types.Setting) or output (a *types.Field);
	// the label of a rule or trigger; a test's item.
	Defs map[ast.Node]types.Object
	// Uses maps each name that refers to a declaration to it: a stage or
	// pipeline of a stage reference, a root (deal, contact, client, ...; a
	// *types.Root), a field of a path, now/today/tomorrow (*types.Builtin),
	// a function, an action or trigger event (both of its words), a
	// setting's key (to the setting the action, trigger or resource kind
	// declares), a resource kind, a resource or employee, a variable, a
	// custom action, a test item, a type name.
	Uses map[ast.Node]types.Object
	// Overloads maps each operator expression (*ast.UnaryExpr,
	// *ast.BinaryExpr) to the overload of the table of operators that it
	// resolves to: what lowering writes into the IR and the runtime runs.
	Overloads map[ast.Expr]*ops.Overload
	Rules     []*Rule
	Triggers  []*Trigger
	Tests     []*ast.TestDecl
	// Custom maps each custom action's name to its declaration and the
	// module and manifest it was checked against (custom.go).
	Custom map[string]*CustomAction
}

// ObjectOf returns what a name declares or refers to, or nil.
func (info *Info) ObjectOf(name ast.Node) types.Object {
	if obj := info.Defs[name]; obj != nil {
		return obj
	}
	return info.Uses[name]
}

// Rule is a checked rule.
type Rule struct {
	Decl *ast.RuleDecl
	// Ident is the rule's identity across versions of the workspace: its
	// label, or derived from its stage and action (ident.go).
	Ident    string
	Stage    *types.StageDef
	Action   *types.ActionDecl  // nil for let, calc and update
	Custom   *types.ResourceDef // for run NAME: the action declaration
	Previous *Rule              // for then: the rule it runs after
	Binds    *types.Var         // the variable or result it sets, if any

	// A then chain is the rules of one stage in one file, each written
	// then after the one before: head is its first rule, depth the rule's
	// place in it. A rule sees the names that the rules before it in its
	// chain bind (follows), found without walking the chain.
	head  *Rule
	depth int
	id    identity
	file  *ast.File // the file it is in
}

// follows reports whether r runs after b in the same then chain.
func (r *Rule) follows(b *Rule) bool { return r != nil && b.head == r.head && b.depth < r.depth }

// Trigger is a checked trigger.
type Trigger struct {
	Decl  *ast.TriggerDecl
	Ident string // as Rule.Ident
	Stage *types.StageDef
	Event *types.TriggerDecl
}

// newInfo sizes the side tables for sourceBytes of source, so that the maps
// do not grow and rehash while checking: rules written one per line have
// about one typed expression per 10 bytes and one resolved name per 35;
// comments and layout make real files sparser.
func newInfo(s *types.Schema, sourceBytes int) *Info {
	return &Info{
		Schema: s,
		Types:  make(map[ast.Expr]*types.Type, sourceBytes/12),
		Defs:   make(map[ast.Node]types.Object, sourceBytes/200),
		Uses:   make(map[ast.Node]types.Object, sourceBytes/24),
		// about one operator per 40 bytes of rules
		Overloads: make(map[ast.Expr]*ops.Overload, sourceBytes/40),
	}
}

// Check checks a workspace: every file of it, together. It adds the
// built-in schema file (Library.SchemaName) to fset, once, so that the
// built-in fields that names resolve to have positions there.
func Check(fset *token.FileSet, files []*ast.File, u *Universe) (*Info, *diag.List) {
	return Config{}.Check(fset, files, u)
}

// Check is the package's Check, with conf's way to read modules.
func (conf Config) Check(fset *token.FileSet, files []*ast.File, u *Universe) (*Info, *diag.List) {
	in := &Incremental{conf: conf, u: u}
	return in.check(fset, files)
}

type checker struct {
	u       *Universe
	fset    *token.FileSet
	schema  *types.Schema
	diags   *diag.List
	info    *Info
	builtin bool

	resourceDecls []*ast.ResourceDecl
	calendar      *types.ResourceDef
	lastRule      map[*types.StageDef]*Rule            // per file: the last rule on each stage
	bound         map[*types.StageDef]map[string]*Rule // names bound by rules of a stage, to the rule that binds each
	vars          []*types.Var                         // per file: the variables and results its rules set
	idents        *identTable                          // identities and labels taken, by rules and triggers together
	roots         map[string]map[string]*types.Root    // by entity, then name

	// What a file's rules learn from the other files' rules, recorded so
	// that an incremental check can tell whether a file's results still
	// hold (incremental.go): file is the file being checked, claims its
	// identities, imports the names it looked up among those bound by
	// the rules of other files, exports the names its rules bind.
	file             *ast.File
	claims           *[]claim
	imports, exports []binding
	conf             Config
	modules          map[string]moduleRead // custom.go: module files read, by path
	// brokenPipeline is set when a pipeline declaration did not parse:
	// an unknown stage may then be one it declares, and is not reported
	// unless it looks like a typo of a known one.
	brokenPipeline bool
	// sites are where the rules of the workspace set names, and
	// siteLookups the names this file's rules looked up there (sites.go).
	sites       map[string][]site
	siteLookups []siteLookup
	// misused are the places of the names set whose use is E115: their
	// rule is not told that nothing uses them (W003), which follows.
	misused []token.Pos
	// brokenLast is set for a stage whose last rule in this file did not
	// parse: a then rule after it gets no error for having no rule before it.
	brokenLast map[*types.StageDef]bool
	// brokenFields are the fields whose declaration is an error (declSummary).
	brokenFields map[string]map[string]bool
	// textValue is the bare name given where a setting takes a text
	// (text Buongiorno): when it names nothing, the hint quotes it.
	textValue *ast.Ident
}

// brokenField reports whether entity's field name is declared by a
// declaration that is an error: its uses are not errors of their own.
func (c *checker) brokenField(entity, name string) bool {
	return c.brokenFields[entity][name] || c.brokenFields[""][name]
}

// brokenNames are the names of entity's fields whose declaration is an
// error, for did-you-mean.
func (c *checker) brokenNames(entity string) []string {
	return append(keys(c.brokenFields[entity]), keys(c.brokenFields[""])...)
}

// hasBadDecl reports whether a declaration that did not parse starts with word.
func hasBadDecl(fset *token.FileSet, files []*ast.File, word string) bool {
	for _, f := range files {
		for _, d := range f.Decls {
			bad, ok := d.(*ast.BadDecl)
			if !ok {
				continue
			}
			if tf := fset.File(bad.From); tf != nil {
				src := tf.Source()[tf.Offset(bad.From):]
				if len(src) > len(word) && string(src[:len(word)]) == word && (src[len(word)] == ' ' || src[len(word)] == '\t') {
					return true
				}
			}
		}
	}
	return false
}

// byName is files in the order of their names: which of two declarations
// of one name is the duplicate must not depend on the order that files
// were listed in. The order of the files given is kept otherwise.
func byName(files []*ast.File) []*ast.File {
	out := append([]*ast.File(nil), files...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// schemaIn is the universe's schema for a check whose files are in fset:
// the built-in schema file is added to fset (once), and the built-in
// fields and entities are copied with their positions moved into it, so
// that a use of deal.amount resolves to its line of the schema file.
func (u *Universe) schemaIn(fset *token.FileSet) *types.Schema {
	var file *token.File
	for _, f := range fset.Files() {
		if f.Name() == u.file.Name() && sameBytes(f.Source(), u.file.Source()) {
			file = f
		}
	}
	if file == nil {
		file = fset.AddFile(u.file.Name(), u.file.Source())
	}
	shift := token.Pos(file.Base() - u.file.Base())
	s := u.Schema.Clone()
	for _, e := range s.Entities {
		if e.Pos.IsValid() {
			e.Pos += shift
		}
		for i, f := range e.Order {
			if f.Pos.IsValid() {
				moved := *f
				moved.Pos += shift
				e.Order[i], e.Fields[f.Name] = &moved, &moved
			}
		}
	}
	return s
}

// sameBytes reports whether a and b are the same bytes in memory.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
