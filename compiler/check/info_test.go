package check_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/internal/golden"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// A name of the tree and where it stands: the nodes above it, innermost
// last, and the field of its parent that holds it.
type namePath struct {
	node  ast.Node // *ast.Ident or *ast.Name
	above []any
	field string
}

func (p namePath) parent() any { return p.above[len(p.above)-1] }

// names finds every *ast.Ident and *ast.Name of a file by reflection, so
// that a node type added to lang/ast is walked without this test knowing.
func names(f *ast.File) []namePath {
	var out []namePath
	var walk func(v reflect.Value, above []any, field string)
	walk = func(v reflect.Value, above []any, field string) {
		switch v.Kind() {
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), above, field)
			}
		case reflect.Pointer:
			if v.IsNil() {
				return
			}
			switch n := v.Interface().(type) {
			case *ast.Ident:
				out = append(out, namePath{n, above, field})
				return
			case *ast.Name:
				out = append(out, namePath{n, above, field})
				return
			}
			walk(v.Elem(), append(above[:len(above):len(above)], v.Interface()), field)
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i), above, v.Type().Field(i).Name)
				}
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), above, field)
			}
		}
	}
	walk(reflect.ValueOf(f), nil, "")
	return out
}

// exempt says why a name has no entry in Defs or Uses, or "" if it must
// have one. These are the words that name no declaration (check.Info).
func exempt(p namePath, info *check.Info) string {
	id, _ := p.node.(*ast.Ident)
	if id == nil {
		return ""
	}
	switch parent := p.parent().(type) {
	case *ast.StageDecl:
		return "won and lost are keywords of a stage"
	case *ast.Timing:
		return "worktime and keep are keywords of a delay"
	case *ast.TypeSelExpr:
		return "an e-mail or phone type is a keyword-like member of the types"
	case *ast.EffectExpect:
		if p.field == "Verb" {
			return "sent and created are keywords of an expectation"
		}
	case *ast.Setting:
		if p.field == "Value" && id.Name == "auto" {
			return "auto is a keyword: the setting's default"
		}
		if r, ok := p.above[len(p.above)-2].(*ast.ResourceDecl); ok && p.field == "Key" && r.Kind.Name == "action" {
			return "input and output are keywords of a custom action's declaration"
		}
	case *ast.CallExpr:
		for _, a := range p.above {
			if _, ok := a.(*ast.ItemStmt); ok && parent.Fun == id {
				return "a typed e-mail or phone value of a test item: its type is a keyword-like member of the types"
			}
		}
	}
	if t := info.Types[id]; t != nil && t.Kind == types.Enum {
		return "a member of an enum written bare"
	}
	return ""
}

// TestInfoExamples: every name of the examples workspace is in Defs or
// Uses (or exempt, with the reason), never both; each object's position is
// that of its name in a file of the FileSet, built-in fields' in the schema
// file; a Def is declared where it stands.
func TestInfoExamples(t *testing.T) {
	srcs := readDir(t, "../../examples")
	fset, files, info, ds := checkFiles(t, universe(t), srcs)
	if ds.HasErrors() {
		t.Fatalf("examples have errors: %v", ds.Sorted()[0])
	}
	inTree := map[ast.Node]bool{}
	counts := map[string]int{}
	for _, f := range files {
		for _, p := range names(f) {
			inTree[p.node] = true
			def, use := info.Defs[p.node], info.Uses[p.node]
			switch {
			case def != nil && use != nil:
				t.Errorf("%s: %s is in Defs and Uses", fset.Position(p.node.Pos()), text(p.node))
			case def != nil:
				counts["def"]++
				if def.ObjPos() != p.node.Pos() {
					t.Errorf("%s: %s declares %s, which is declared at %s", fset.Position(p.node.Pos()), text(p.node),
						describe(def), fset.Position(def.ObjPos()))
				}
			case use != nil:
				counts["use"]++
			default:
				if why := exempt(p, info); why != "" {
					counts["exempt: "+why]++
					continue
				}
				t.Errorf("%s: %s (in %T.%s) is in neither Defs nor Uses", fset.Position(p.node.Pos()), text(p.node), p.parent(), p.field)
			}
		}
	}
	for _, table := range []map[ast.Node]types.Object{info.Defs, info.Uses} {
		for n, obj := range table {
			if !inTree[n] {
				t.Errorf("%s: %T %s is a key but no name of the files", fset.Position(n.Pos()), n, text(n))
			}
			checkObjPos(t, fset, n, obj)
		}
	}
	t.Logf("%v", counts)
	if counts["use"] < 500 || counts["def"] < 50 {
		t.Errorf("too few entries: %v", counts)
	}
}

// checkObjPos: an object with a position has its name written there, in a
// file of the FileSet.
func checkObjPos(t *testing.T, fset *token.FileSet, n ast.Node, obj types.Object) {
	pos := obj.ObjPos()
	if !pos.IsValid() {
		return
	}
	f := fset.File(pos)
	if f == nil {
		t.Errorf("%s: %s refers to %s at %d, outside the FileSet", fset.Position(n.Pos()), text(n), describe(obj), pos)
		return
	}
	src := string(f.Source()[f.Offset(pos):])
	if !strings.HasPrefix(src, obj.ObjName()) && !strings.HasPrefix(src, `"`+obj.ObjName()) {
		t.Errorf("%s: %s refers to %s at %s, where %.20q is written", fset.Position(n.Pos()), text(n), describe(obj), fset.Position(pos), src)
	}
}

// TestInfoGolden prints the side tables of each case of testdata/info: a
// line per name of its files, in source order: where it stands, def or
// use, the name as written, what it resolves to, and where that is declared.
func TestInfoGolden(t *testing.T) {
	u := universe(t)
	golden.Run(t, "testdata/info/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		srcs := map[string]string{}
		for _, f := range a.Files {
			if strings.HasSuffix(f.Name, ".rules") {
				srcs[f.Name] = string(f.Data)
			}
		}
		fset, files, info, ds := checkFiles(t, u, srcs)
		var b strings.Builder
		w := tabwriter.NewWriter(&b, 0, 8, 1, ' ', 0)
		for _, f := range files {
			ps := names(f)
			sort.SliceStable(ps, func(i, j int) bool { return ps[i].node.Pos() < ps[j].node.Pos() })
			for _, p := range ps {
				where := fset.Position(p.node.Pos())
				at := fmt.Sprintf("%s:%d:%d", where.Filename, where.Line, where.Column)
				role, obj := "def", info.Defs[p.node]
				if obj == nil {
					role, obj = "use", info.Uses[p.node]
				}
				if obj == nil {
					why := exempt(p, info)
					if why == "" {
						why = "NONE"
					}
					fmt.Fprintf(w, "%s\t-\t%s\t\t(%s)\n", at, text(p.node), why)
					continue
				}
				decl := "(built in)"
				if pos := obj.ObjPos(); pos.IsValid() {
					dp := fset.Position(pos)
					decl = fmt.Sprintf("%s:%d:%d", dp.Filename, dp.Line, dp.Column)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", at, role, text(p.node), describe(obj), decl)
				checkObjPos(t, fset, p.node, obj)
			}
		}
		w.Flush()
		var diags strings.Builder
		diag.WriteText(&diags, fset, ds.Sorted(), ds.Dropped())
		return map[string]string{"info": b.String(), "check": diags.String()}
	})
}

// text is a name as written.
func text(n ast.Node) string {
	switch n := n.(type) {
	case *ast.Ident:
		return n.Name
	case *ast.Name:
		return n.Raw
	}
	return fmt.Sprintf("%T", n)
}

// describe names an object's kind and name: field deal.amount, var x.
func describe(obj types.Object) string {
	switch o := obj.(type) {
	case *types.Field:
		return "field " + o.Name
	case *types.EntityDef:
		return "entity " + o.Name
	case *types.Pipeline:
		return "pipeline " + o.Entity + " " + quoteName(o.Name)
	case *types.StageDef:
		return "stage " + quoteName(o.Pipeline.Name) + "." + quoteName(o.Name)
	case *types.ResourceDef:
		return o.Kind + " " + o.Name
	case *types.Var:
		return "var " + o.Name + " " + o.Type.String()
	case *types.Root:
		s := "root " + o.Name
		if o.Field != nil {
			s += " (" + o.Entity.Name + "." + o.Field.Name + ")"
		}
		return s
	case *types.Builtin:
		return "builtin " + o.Name
	case *types.TypeName:
		return "type " + o.Name
	case *types.Item:
		return "item " + o.Name + " " + o.Type.Entity
	case *types.Label:
		return o.Of + " label " + o.Name
	case *types.ActionDecl:
		return "action " + o.Name()
	case *types.TriggerDecl:
		return "event " + o.Name()
	case *types.FuncDecl:
		return "func " + o.Name
	case *types.ResourceKind:
		return "resource kind " + o.Name
	case *types.Setting:
		return "setting " + o.Name
	}
	return fmt.Sprintf("%T %s", obj, obj.ObjName())
}

func quoteName(s string) string {
	if strings.ContainsAny(s, " .\"") {
		return fmt.Sprintf("%q", s)
	}
	return s
}

// checkFiles parses and checks named sources as one workspace, in the
// order of their names.
func checkFiles(tb testing.TB, u *check.Universe, srcs map[string]string) (*token.FileSet, []*ast.File, *check.Info, *diag.List) {
	fset := token.NewFileSet()
	var all diag.List
	var files []*ast.File
	ns := make([]string, 0, len(srcs))
	for n := range srcs {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	for _, n := range ns {
		f, ds := parser.ParseFile(fset.AddFile(n, []byte(srcs[n])))
		all.Append(ds)
		files = append(files, f)
	}
	info, ds := testConfig(tb).Check(fset, files, u)
	all.Append(ds)
	return fset, files, info, &all
}
