package check

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// Custom actions (R-WASM, spec/wasm.md): `action NAME "PATH" { ... }`
// names a WebAssembly module and one action of its manifest. The types come
// from the manifest, read from the module's bytes here (package manifest
// links no WebAssembly runtime); the declaration's block of inputs and
// outputs is optional and, when written, is checked against the manifest,
// so a module whose signature changed under the rules fails at the line
// that no longer fits.

// MaxModuleSize bounds a custom action's module file: the checker reads it
// whole to hash it, with the runner's limit.
const MaxModuleSize = manifest.MaxModuleSize

// Config is how a check reaches what lies outside the rules files.
type Config struct {
	// Modules holds the module files that custom actions name, by
	// ModulePath. Nil reads the operating system's files (OSFiles).
	Modules fs.FS
	// MissingModule is the hint of a module that cannot be read, where
	// the modules come from elsewhere than the rules' folders (a
	// request's modules); %s is the module's path. Empty: the hint for
	// files on disk.
	MissingModule string
}

// ModulePath is the file a declaration in the rules file from names with
// p: p is relative to the folder of the rules file, slash-separated. The
// result is slash-separated and clean; it is what the IR records and what
// the runtime reads.
func ModulePath(from, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(path.Dir(filepath.ToSlash(from)), p)
}

// OSFiles is the operating system's files as an fs.FS whose names are
// slash-separated paths as ModulePath writes them: relative to the current
// directory, or absolute (which fs.ValidPath does not allow, and which a
// rules file given by its absolute path makes).
type OSFiles struct{}

func (OSFiles) Open(name string) (fs.File, error) { return os.Open(filepath.FromSlash(name)) }

// readModule reads a module file, refusing one that is not a regular file
// or is larger than MaxModuleSize.
func readModule(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if st.Size() > MaxModuleSize {
		return nil, fmt.Errorf("%d bytes, larger than the limit of %d MiB", st.Size(), MaxModuleSize>>20)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxModuleSize+1))
	if err == nil && len(b) > MaxModuleSize {
		err = fmt.Errorf("larger than the limit of %d MiB", MaxModuleSize>>20)
	}
	return b, err
}

// Module is a module file that custom actions name, as the check read it.
type Module struct {
	Path     string // ModulePath
	Hash     string // sha256:<hex> of the file: the identity a deployed version pins
	Manifest *manifest.Manifest
}

// CustomAction is a checked `action NAME "PATH"` declaration.
type CustomAction struct {
	Decl   *ast.ResourceDecl
	Module *Module          // nil: the file could not be read, or has no valid manifest (reported)
	Action *manifest.Action // the manifest's action NAME; nil when Module is nil or has no such action
}

// Valid reports whether the declaration names a readable module and one of
// its actions: only then may rules run it.
func (ca *CustomAction) Valid() bool { return ca != nil && ca.Action != nil }

// module reads and identifies a module file once per check.
func (c *checker) module(name string) (*Module, error) {
	if m, ok := c.modules[name]; ok {
		return m.mod, m.err
	}
	fsys := c.conf.Modules
	if fsys == nil {
		fsys = OSFiles{}
	}
	var mod *Module
	b, err := readModule(fsys, name)
	if err == nil {
		mod = &Module{Path: name, Hash: manifest.Hash(b)}
		mod.Manifest, err = manifest.Read(b)
		if err != nil {
			mod, err = nil, &manifestError{err}
		}
	}
	if c.modules == nil {
		c.modules = map[string]moduleRead{}
	}
	c.modules[name] = moduleRead{mod, err}
	return mod, err
}

type moduleRead struct {
	mod *Module
	err error
}

// manifestError marks a file that was read but carries no valid manifest.
type manifestError struct{ err error }

func (e *manifestError) Error() string { return e.err.Error() }

// customAction turns `action NAME "PATH" [{ input x: T  output y: T }]`
// into an action signature, from the module's manifest: inputs become
// settings (required unless the manifest says optional), outputs the fields
// of the result. It records what it read in Info.Custom.
func (c *checker) customAction(d *ast.ResourceDecl) *types.ActionDecl {
	ca := &CustomAction{Decl: d}
	if c.info.Custom == nil {
		c.info.Custom = map[string]*CustomAction{}
	}
	c.info.Custom[d.Name.Name] = ca
	a := &types.ActionDecl{ID: "R-WASM", Verb: c.u.Lib.RunVerb, Object: d.Name.Name, Doc: "custom action " + d.Name.Name}
	if d.Value == nil || d.Value.Value == "" {
		c.declaredSignature(d, nil) // the missing path is reported with the resource
		return nil
	}
	from := c.fset.Position(d.Pos()).Filename
	name := ModulePath(from, d.Value.Value)
	mod, err := c.module(name)
	if err != nil {
		var me *manifestError
		if errors.As(err, &me) {
			c.diags.Errorf(d.Value.Pos(), d.Value.End(), diag.EBadValue, "module %s has no valid manifest: %v", name, me.err).Hint =
				"write or mend manifest.json, then pack it into the module: stagecraft module pack --manifest manifest.json MODULE.wasm (spec/wasm.md, The manifest)"
		} else {
			hint := "the path is relative to this file's folder; build the module first if it is built from source"
			switch {
			case c.conf.MissingModule != "" && (name == ".." || strings.HasPrefix(name, "../")):
				// A request's modules are under the rule set: a path above
				// its root is not one a request can send.
				hint = fmt.Sprintf("the module is above the rule set's folder (%s): send the rules files with their folder in their paths (rules/shop.rules), so that the module's path is under the set's root", name)
			case c.conf.MissingModule != "":
				hint = fmt.Sprintf(c.conf.MissingModule, name)
			}
			c.diags.Errorf(d.Value.Pos(), d.Value.End(), diag.EUnreadable, "cannot read module %s: %v", name, unwrapPath(err)).Hint = hint
		}
		c.declaredSignature(d, nil)
		return nil
	}
	ca.Module = mod
	act := mod.Manifest.Action(d.Name.Name)
	if act == nil {
		var names []string
		for _, x := range mod.Manifest.Actions {
			names = append(names, x.Name)
		}
		r := c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.EUnknownAction, "module %s (%s %s) has no action %q",
			name, mod.Manifest.Name, mod.Manifest.Version, d.Name.Name)
		hintName(r, d.Name.Name, names, d.Name.Pos(), d.Name.End(), "its actions are "+joinNames(names))
		c.declaredSignature(d, nil)
		return nil
	}
	ca.Action = act
	if act.Doc != "" {
		a.Doc = act.Doc
	}
	declared := c.declaredSignature(d, act)
	result := types.RecordOf(d.Name.Name + " result")
	for _, p := range act.Inputs {
		in := &types.Setting{Name: p.Name, Type: languageType(p.Type), Required: !p.Optional, Doc: orDoc(p.Doc, "input of "+d.Name.Name), Pos: d.Name.Pos()}
		if id := declared["input "+p.Name]; id != nil {
			in.Pos = id.Pos()
			c.info.Defs[id] = in
		}
		a.Settings = append(a.Settings, in)
	}
	for _, p := range act.Outputs {
		out := &types.Field{Name: p.Name, Type: languageType(p.Type), Label: p.Doc, Pos: d.Name.Pos()}
		if id := declared["output "+p.Name]; id != nil {
			out.Pos = id.Pos()
			c.info.Defs[id] = out
		}
		result.Fields = append(result.Fields, out)
	}
	a.Result = result
	return a
}

// declaredSignature checks the declaration's block, `input NAME: TYPE` and
// `output NAME: TYPE`, against the manifest's action (nil when there is
// none to check against: only the form is checked) and returns the names
// declared, by "input NAME" and "output NAME". The block may leave out
// optional inputs and outputs; a required input left out is an error,
// since every rule that runs the action must give it.
func (c *checker) declaredSignature(d *ast.ResourceDecl, act *manifest.Action) map[string]*ast.Ident {
	declared := map[string]*ast.Ident{}
	for _, s := range d.Settings {
		kw := s.Key.Name
		if kw != "input" && kw != "output" {
			r := c.diags.Errorf(s.Key.Pos(), s.Key.End(), diag.EUnknownSetting, "unknown setting %q of action %s", kw, d.Name.Name)
			hintName(r, kw, []string{"input", "output"}, s.Key.Pos(), s.Key.End(), "an action declares input NAME: TYPE and output NAME: TYPE")
			continue
		}
		t, ok := declaredType(s.Value)
		c.useTypeNames(s.Value)
		if s.Name == nil || !ok {
			c.diags.Errorf(s.Pos(), s.End(), diag.EBadFieldType, "write %s NAME: TYPE, such as %s amount: money", kw, kw).Hint =
				"types are text, number, money, bool, date, datetime, time, duration and list(T) of those"
			continue
		}
		key := kw + " " + s.Name.Name
		if declared[key] != nil {
			c.diags.Errorf(s.Name.Pos(), s.Name.End(), diag.EDuplicate, "%s %q is declared twice", kw, s.Name.Name)
			continue
		}
		declared[key] = s.Name
		if act == nil {
			continue
		}
		params := act.Inputs
		if kw == "output" {
			params = act.Outputs
		}
		var p *manifest.Param
		var names []string
		for i := range params {
			names = append(names, params[i].Name)
			if params[i].Name == s.Name.Name {
				p = &params[i]
			}
		}
		if p == nil {
			r := c.diags.Errorf(s.Name.Pos(), s.Name.End(), diag.EUnknownSetting, "action %s of module %s has no %s %q", d.Name.Name, d.Value.Value, kw, s.Name.Name)
			hintName(r, s.Name.Name, names, s.Name.Pos(), s.Name.End(), kw+"s are "+joinNames(names))
			continue
		}
		if t != p.Type.String() {
			c.diags.Errorf(s.Value.Pos(), s.Value.End(), diag.EMismatch, "%s %s is %s in the module's manifest, not %s", kw, p.Name, p.Type, t).
				Replace(s.Value.Pos(), s.Value.End(), p.Type.String()).Hint = "write " + p.Type.String() + ", or rebuild the module with the signature you meant"
		}
	}
	if act != nil && len(declared) > 0 {
		for _, p := range act.Inputs {
			if !p.Optional && declared["input "+p.Name] == nil {
				c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.EMissingSetting, "the manifest of %s has the required input %s: %s, which this declaration leaves out",
					d.Value.Value, p.Name, p.Type).Hint = fmt.Sprintf("declare it: input %s: %s", p.Name, p.Type)
			}
		}
	}
	return declared
}

// declaredType reads a type written in an action's block: a name, or
// list(NAME). It reports false for anything else.
func declaredType(v ast.Expr) (string, bool) {
	var t string
	switch v := v.(type) {
	case *ast.Ident:
		t = v.Name
	case *ast.CallExpr:
		if len(v.Args) != 1 || v.Fun.Name != "list" {
			return "", false
		}
		id, ok := v.Args[0].(*ast.Ident)
		if !ok {
			return "", false
		}
		t = "list(" + id.Name + ")"
	default:
		return "", false
	}
	if _, err := manifest.ParseType(t); err != nil {
		return "", false
	}
	return t, true
}

// useTypeNames records what the type names of a declared type refer to.
func (c *checker) useTypeNames(v ast.Expr) {
	ids := []ast.Expr{v}
	if call, ok := v.(*ast.CallExpr); ok {
		ids = append([]ast.Expr{call.Fun}, call.Args...)
	}
	for _, x := range ids {
		if id, ok := x.(*ast.Ident); ok {
			if obj := typeObjects[id.Name]; obj != nil {
				c.info.Uses[id] = obj
			}
		}
	}
}

// languageType is the language's type of a manifest type.
func languageType(t manifest.Type) *types.Type {
	scalar := func(k manifest.Kind) *types.Type {
		switch k {
		case manifest.Text:
			return types.TextType
		case manifest.Number:
			return types.NumberType
		case manifest.Money:
			return types.MoneyType
		case manifest.Bool:
			return types.BoolType
		case manifest.Date:
			return types.DateType
		case manifest.DateTime:
			return types.DateTimeType
		case manifest.Time:
			return types.TimeType
		case manifest.Duration:
			return types.DurationType
		}
		return types.InvalidType
	}
	if t.Kind == manifest.List {
		return types.ListOf(scalar(t.Elem))
	}
	return scalar(t.Kind)
}

// brokenCustom checks a rule that runs a custom action whose module could
// not be read (an error already reported at the declaration): its values
// are checked, and its result is bound with no known type, so the rules
// after it get no follow-on errors.
func (c *checker) brokenCustom(r *Rule, a *ast.CallAction, en *env) {
	for _, s := range a.Settings {
		if s.Value != nil {
			c.expr(s.Value, en)
		}
	}
	if a.Result != nil {
		c.bind(r, a.Result, types.InvalidType, en)
	}
}

// unwrapPath drops the path from an *fs.PathError: the message already
// names the file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func orDoc(doc, otherwise string) string {
	if doc != "" {
		return doc
	}
	return otherwise
}
