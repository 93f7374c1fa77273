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
)

// Universe is what every workspace starts with: the built-in schema and the
// standard library's declarations, indexed for lookup. Build it once.
type Universe struct {
	Schema    *types.Schema
	Lib       *types.Library
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
	file, ds := parser.ParseFile(fset.AddFile(lib.SchemaName, lib.SchemaSource))
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

// Info is what the checker learned, in side tables keyed by syntax nodes.
type Info struct {
	Schema   *types.Schema
	Types    map[ast.Expr]*types.Type    // the type of every checked expression
	Uses     map[*ast.Ident]types.Object // what a name refers to
	Rules    []*Rule
	Triggers []*Trigger
	Tests    []*ast.TestDecl
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
}

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
		Uses:   make(map[*ast.Ident]types.Object, sourceBytes/36),
	}
}

// Check checks a workspace: every file of it, together.
func Check(fset *token.FileSet, files []*ast.File, u *Universe) (*Info, *diag.List) {
	var ds diag.List
	schema := u.Schema.Clone()
	size := 0
	for _, f := range files {
		size += f.Size
	}
	c := &checker{u: u, fset: fset, schema: schema, diags: &ds, info: newInfo(schema, size),
		bound: map[*types.StageDef]map[string]*Rule{}, idents: map[string]*seenIdent{}}
	c.collect(files)
	c.resolveResources()
	for _, f := range files {
		c.lastRule = map[*types.StageDef]*Rule{}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.RuleDecl:
				c.rule(d)
			case *ast.TriggerDecl:
				c.trigger(d)
			case *ast.TestDecl:
				c.test(d)
			}
		}
	}
	c.unused()
	return c.info, &ds
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
	bound         map[*types.StageDef]map[string]*Rule // names bound by rules of a stage
	vars          []*types.Var
	idents        map[string]*seenIdent // identities and labels taken, by rules and triggers together
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
