// Package lower turns a checked workspace (the syntax tree and the
// checker's side tables) into the program the runtime executes
// (compiler/ir). It owns the step from the front end to the IR: it is the
// only package that reads both the tree and the IR, so compiler/ir stays a
// leaf of plain data that the runtime imports without linking the parser
// or the checker.
package lower

import (
	"sort"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/literal"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Lower turns a workspace that checked without errors into a Program.
func Lower(fset *token.FileSet, files []*ast.File, info *check.Info) *ir.Program {
	l := &lowerer{fset: fset, info: info, p: &ir.Program{}, rules: map[*check.Rule]int{}}
	l.schema(files)
	l.vars = map[string]int{}
	for i, r := range info.Rules {
		l.rules[r] = i
		if r.Binds != nil {
			if _, ok := l.vars[r.Binds.Name]; !ok {
				l.vars[r.Binds.Name] = len(l.p.Vars)
				l.p.Vars = append(l.p.Vars, r.Binds.Name)
			}
		}
	}
	for _, r := range info.Rules {
		l.p.Rules = append(l.p.Rules, l.rule(r))
	}
	for i, t := range info.Triggers {
		l.p.Triggers = append(l.p.Triggers, l.trigger(i, t))
	}
	for _, t := range info.Tests {
		l.p.Tests = append(l.p.Tests, l.test(t))
	}
	return l.p
}

type lowerer struct {
	fset  *token.FileSet
	info  *check.Info
	p     *ir.Program
	rules map[*check.Rule]int
	vars  map[string]int  // variable name -> slot
	items map[string]bool // the current test's items
}

func (l *lowerer) pos(p token.Pos) ir.Pos {
	ps := l.fset.Position(p)
	return ir.Pos{File: ps.Filename, Line: ps.Line, Col: ps.Column}
}

func (l *lowerer) schema(files []*ast.File) {
	s := l.info.Schema
	names := make([]string, 0, len(s.Entities))
	for n := range s.Entities {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		e := &ir.Entity{Name: n}
		for _, f := range s.Entities[n].Order {
			fd := &ir.Field{Name: f.Name, Kind: kindOf(f.Type), Ref: f.Type.Entity, MaxLen: f.Type.MaxLen, Values: f.Type.Values, ReadOnly: f.ReadOnly}
			if f.Type.Kind == types.List && f.Type.Elem != nil {
				fd.Ref = f.Type.Elem.Entity
			}
			e.Fields = append(e.Fields, fd)
		}
		l.p.Entities = append(l.p.Entities, e)
	}
	for _, pl := range s.Pipelines {
		p := &ir.Pipeline{Entity: pl.Entity, Name: pl.Name}
		for _, st := range pl.Stages {
			p.Stages = append(p.Stages, &ir.Stage{Name: st.Name, Kind: st.Kind.String()})
		}
		l.p.Pipelines = append(l.p.Pipelines, p)
	}
	for _, f := range files {
		for _, d := range f.Decls {
			if d, ok := d.(*ast.ResourceDecl); ok {
				l.p.Resources = append(l.p.Resources, l.resource(d))
			}
		}
	}
}

func (l *lowerer) resource(d *ast.ResourceDecl) *ir.Resource {
	r := &ir.Resource{Kind: d.Kind.Name, Name: d.Name.Name, Settings: map[string]string{}, Lists: map[string][]string{}}
	if d.Value != nil {
		r.Value = d.Value.Value
	}
	if d.Kind.Name == "action" {
		return r // its signature is the manifest's, carried by each run (Action.Call)
	}
	for _, s := range d.Settings {
		if decl, ok := l.info.Uses[s.Key].(*types.Setting); ok && decl.Type != nil && decl.Type.Multi &&
			(decl.Type.Kind == types.Email || decl.Type.Kind == types.Phone) {
			if r.Addresses == nil {
				r.Addresses = map[string][]ir.Address{}
			}
			r.Addresses[s.Key.Name] = addresses(s.Value)
			continue
		}
		if list, ok := s.Value.(*ast.ListExpr); ok {
			for _, e := range list.Elems {
				r.Lists[s.Key.Name] = append(r.Lists[s.Key.Name], literalText(e))
			}
			continue
		}
		r.Settings[s.Key.Name] = literalText(s.Value)
	}
	return r
}

// addresses are typed addresses as written: a string is a work address.
func addresses(v ast.Expr) []ir.Address {
	elems := []ast.Expr{v}
	if l, ok := v.(*ast.ListExpr); ok {
		elems = l.Elems
	}
	var out []ir.Address
	for _, e := range elems {
		a := ir.Address{Type: "work"}
		if call, ok := e.(*ast.CallExpr); ok && len(call.Args) == 1 {
			a.Type, e = call.Fun.Name, call.Args[0]
		}
		a.Text = literalText(e)
		out = append(out, a)
	}
	return out
}

// literalText is a resource setting's value as written: a name, a string's
// text, a number, a date.
func literalText(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.BasicLit:
		return e.Value
	}
	return ""
}

func kindOf(t *types.Type) string {
	if t == nil {
		return ""
	}
	if t.Multi {
		return t.Kind.String() + "s"
	}
	return t.Kind.String()
}

func (l *lowerer) rule(r *check.Rule) *ir.Rule {
	d := r.Decl
	out := &ir.Rule{Index: l.rules[r], Pos: l.pos(d.Pos()), Ident: r.Ident, Label: labelName(d.Label), Entity: r.Stage.Pipeline.Entity,
		Pipeline: r.Stage.Pipeline.Name, Stage: r.Stage.Name, Previous: -1}
	if r.Previous != nil {
		out.Previous = l.rules[r.Previous]
	}
	if t := d.Timing; t != nil {
		if t.After != nil {
			out.After, _ = literal.Duration(t.After.Raw)
		} else {
			out.At = l.expr(t.At)
		}
		out.Worktime, out.Keep = t.Has("worktime"), t.Has("keep")
	}
	if d.Cond != nil {
		out.Cond = l.expr(d.Cond)
	}
	a := &ir.Action{}
	switch act := d.Action.(type) {
	case *ast.LetAction:
		a.Name, a.ID, a.Bind, a.BindSlot, a.Value = "let", "R-VARIABLE", act.Name.Name, l.vars[act.Name.Name], l.expr(act.Value)
		if act.Calc {
			a.Name, a.ID = "calc", "R-MATH"
		}
	case *ast.UpdateAction:
		a.Name, a.ID, a.Field, a.Value = "update", "R-UPDATE", l.expr(act.Field), l.expr(act.Value)
	case *ast.CallAction:
		a.Name = act.Verb.Name + " " + act.Object.Name
		if r.Action != nil {
			a.ID = r.Action.ID
		}
		if r.Custom != nil {
			a.Name, a.ID, a.Custom = "run", "R-WASM", r.Custom.Name
			a.Call = l.customCall(r.Custom.Name)
		}
		if act.Target != nil {
			a.Target = l.expr(act.Target)
		}
		a.Settings = l.settings(act.Settings)
		if act.Result != nil {
			a.Bind, a.BindSlot = act.Result.Name, l.vars[act.Result.Name]
		}
	}
	out.Action = a
	return out
}

// labelName is a rule's or trigger's label, or "" without one.
func labelName(id *ast.Ident) string {
	if id == nil {
		return ""
	}
	return id.Name
}

func (l *lowerer) settings(ss []*ast.Setting) []*ir.Setting {
	var out []*ir.Setting
	for _, s := range ss {
		st := &ir.Setting{Name: s.Key.Name}
		if id, ok := s.Value.(*ast.Ident); ok && id.Name == "auto" && l.info.Uses[id] == nil {
			st.Auto = true
		} else {
			st.Value = l.expr(s.Value)
		}
		out = append(out, st)
	}
	return out
}

func (l *lowerer) trigger(i int, t *check.Trigger) *ir.Trigger {
	d := t.Decl
	out := &ir.Trigger{Index: i, Pos: l.pos(d.Pos()), Ident: t.Ident, Label: labelName(d.Label), ID: t.Event.ID, Entity: t.Stage.Pipeline.Entity,
		Pipeline: t.Stage.Pipeline.Name, Stage: t.Stage.Name, Event: t.Event.Name(), Name: t.Event.DefaultName}
	for _, s := range l.settings(d.Settings) {
		switch s.Name {
		case "name":
			out.Name = s.Value.Lit
		case "allow_back":
			out.AllowBack = s.Value.Lit == "true"
		default:
			out.Settings = append(out.Settings, s)
		}
	}
	if d.Cond != nil {
		out.Cond = l.expr(d.Cond)
	}
	if d.As != nil {
		out.As = d.As.Name
	}
	return out
}

func (l *lowerer) test(d *ast.TestDecl) *ir.Test {
	t := &ir.Test{Name: d.Name.Value, Pos: l.pos(d.Pos())}
	l.items = map[string]bool{}
	for _, s := range d.Stmts {
		st := &ir.Step{Pos: l.pos(s.Pos())}
		switch s := s.(type) {
		case *ast.ItemStmt:
			l.items[s.Name.Name] = true
			st.Op, st.Entity, st.Item, st.Settings = "given", s.Entity.Name, s.Name.Name, l.settings(s.Settings)
		case *ast.AtStmt:
			st.Op, st.Value = "at", l.expr(s.Time)
		case *ast.WaitStmt:
			secs, _ := literal.Duration(s.Duration.Raw)
			st.Op, st.Seconds = "wait", secs
		case *ast.MoveStmt:
			st.Op, st.Item, st.Stage = "move", s.Item.Name, s.Stage.Stage.Value
			if s.By != nil {
				st.By = s.By.Name
			}
		case *ast.SetStmt:
			sel := s.Field.(*ast.SelectorExpr)
			st.Op, st.Item, st.Field, st.Value = "set", sel.X.(*ast.Ident).Name, sel.Sel.Name, l.expr(s.Value)
		case *ast.EventStmt:
			st.Op, st.Item, st.Event, st.Settings = "event", s.Item.Name, s.Name[0].Name+" "+s.Name[1].Name, l.settings(s.Settings)
		case *ast.ExpectStmt:
			switch {
			case s.Effect != nil:
				e := s.Effect
				st.Op, st.No, st.Verb, st.Kind, st.Settings = "expect-effect", e.No.IsValid(), e.Verb.Name, e.Kind.Name, l.settings(e.Settings)
				if e.Target != nil {
					st.Target = l.expr(e.Target)
				}
				if e.At != nil {
					st.At = l.expr(e.At)
				}
				if e.After != nil {
					st.After = e.After.Name
				}
				if e.As != nil {
					st.Bind = e.As.Name
					l.items[e.As.Name] = true // a created deal or lead is an item of the test
				}
			case s.Timeline != nil:
				st.Op, st.Item, st.Text, st.No = "expect-timeline", s.Timeline.Item.Name, s.Timeline.Text.Value, s.Timeline.No.IsValid()
				if s.Timeline.At != nil {
					st.At = l.expr(s.Timeline.At)
				}
			default:
				st.Op, st.Value = "expect", l.expr(s.Cond)
			}
		}
		t.Steps = append(t.Steps, st)
	}
	l.items = nil
	return t
}

// expr lowers an expression, using what the checker recorded.
func (l *lowerer) expr(e ast.Expr) *ir.Expr {
	x := &ir.Expr{Pos: l.pos(e.Pos()), Kind: kindOf(l.info.Types[e])}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return l.expr(e.X)
	case *ast.BasicLit:
		x.Op, x.Lit = ir.OpLit, e.Value
		x.Kind = map[ast.LitKind]string{ast.Number: "number", ast.Duration: "duration", ast.Date: "date",
			ast.DateTime: "datetime", ast.Clock: "time", ast.String: "text", ast.Bool: "bool", ast.Null: "null"}[e.Kind]
		if e.IsTemplate() {
			x.Op = ir.OpTemplate
			for _, p := range e.Parts {
				if p.Expr != nil {
					x.Args = append(x.Args, l.expr(p.Expr))
				} else {
					x.Args = append(x.Args, &ir.Expr{Op: ir.OpLit, Kind: "text", Lit: p.Text})
				}
			}
		}
	case *ast.Ident:
		return l.ident(e, x)
	case *ast.SelectorExpr:
		inner := l.expr(e.X)
		if inner.Op == ir.OpField || inner.Op == ir.OpVar {
			inner.Path = append(inner.Path, e.Sel.Name)
			inner.Kind, inner.Pos = x.Kind, x.Pos
			return inner
		}
		x.Op, x.X, x.Path = ir.OpField, inner, []string{e.Sel.Name}
	case *ast.TypeSelExpr:
		x.Op, x.X, x.Sel = ir.OpTypeSel, l.expr(e.X), e.Type.Name
	case *ast.UnaryExpr:
		x.Op, x.Name, x.X, x.Overload = ir.OpUnary, e.Op, l.expr(e.X), l.overload(e)
	case *ast.BinaryExpr:
		x.Op, x.Name, x.X, x.Y, x.Overload = ir.OpBinary, e.Op, l.expr(e.X), l.expr(e.Y), l.overload(e)
	case *ast.RangeExpr:
		x.Op, x.X, x.Y = ir.OpRange, l.expr(e.Lo), l.expr(e.Hi)
	case *ast.CallExpr:
		x.Op, x.Name = ir.OpCall, e.Fun.Name
		for _, a := range e.Args {
			x.Args = append(x.Args, l.expr(a))
		}
	case *ast.ListExpr:
		x.Op = ir.OpList
		for _, a := range e.Elems {
			x.Args = append(x.Args, l.expr(a))
		}
	}
	return x
}

// overload is the ID of the overload that the checker resolved an operator
// to: the runtime runs it, and never matches the operator by name.
func (l *lowerer) overload(e ast.Expr) string {
	if ov := l.info.Overloads[e]; ov != nil {
		return ov.ID
	}
	return "" // not checked: Lower takes only workspaces without errors
}

// ident lowers a name: an entity (deal, contact, ...), a variable, a test
// item, a builtin, or a member written bare (a stage, an enum value, a
// resource), which becomes its text.
func (l *lowerer) ident(id *ast.Ident, x *ir.Expr) *ir.Expr {
	switch obj := l.info.Uses[id].(type) {
	case *types.Var:
		x.Op, x.Name, x.Slot = ir.OpVar, id.Name, l.vars[id.Name]
		return x
	case *types.EntityDef:
		x.Op, x.Name = ir.OpField, id.Name
		return x
	case *types.Root:
		x.Op, x.Name = ir.OpField, id.Name
		if obj.Name == "responsible" && obj.Entity != nil { // the item's field: deal.responsible
			x.Name, x.Path = obj.Entity.Name, []string{"responsible"}
		}
		return x
	case *types.StageDef:
		x.Op, x.Lit, x.Kind = ir.OpLit, obj.Name, "text"
		return x
	case *types.ResourceDef:
		x.Op, x.Lit, x.Kind = ir.OpLit, obj.Name, "text"
		if obj.Kind == "employee" {
			x.Kind = "ref"
		}
		return x
	}
	switch {
	case l.items[id.Name]:
		x.Op, x.Name = ir.OpField, id.Name
	case id.Name == "now" || id.Name == "today" || id.Name == "tomorrow":
		x.Op, x.Name = ir.OpBuiltin, id.Name
	case l.info.Schema.Entities[id.Name] != nil && !strings.Contains(x.Kind, "stage"):
		x.Op, x.Name = ir.OpField, id.Name
	default:
		x.Op, x.Lit, x.Kind = ir.OpLit, id.Name, "text"
	}
	return x
}
