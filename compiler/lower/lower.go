// Package lower turns a checked workspace (the syntax tree and the
// checker's side tables) into the program the runtime executes
// (compiler/ir). It owns the step from the front end to the IR: it is the
// only package that reads both the tree and the IR, so compiler/ir stays a
// leaf of plain data that the runtime imports without linking the parser
// or the checker.
package lower

import (
	"fmt"
	"slices"
	"sort"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/literal"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Program turns a workspace that checked without errors into a Program.
// Every name is lowered from what the checker recorded for it (Info.Uses,
// or for the few words it records no object for, Info.Types and the node
// the name stands in); a name it recorded nothing for is an internal error,
// naming its position, never a guess.
func Program(fset *token.FileSet, files []*ast.File, info *check.Info) (p *ir.Program, err error) {
	l := &lowerer{fset: fset, info: info, p: &ir.Program{}, rules: map[*check.Rule]int{}}
	defer func() {
		if e := recover(); e != nil {
			ie, ok := e.(internalError)
			if !ok {
				panic(e)
			}
			p, err = nil, ie
		}
	}()
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
	return l.p, nil
}

// Lower is Program for callers that hold a workspace known to have
// checked: an internal error, which only a checker that left a name
// unrecorded can cause, panics with its position.
func Lower(fset *token.FileSet, files []*ast.File, info *check.Info) *ir.Program {
	p, err := Program(fset, files, info)
	if err != nil {
		panic(err)
	}
	return p
}

// internalError is a name of a checked workspace that lowering cannot
// lower from the checker's side tables: a fault of the checker, not of the
// rules. It unwinds the lowering (a panic that Program recovers), as deep
// in an expression as it is found.
type internalError struct{ msg string }

func (e internalError) Error() string { return e.msg }

// fail stops the lowering with an internal error at pos.
func (l *lowerer) fail(pos token.Pos, format string, args ...any) {
	panic(internalError{fmt.Sprintf("%s: internal error: lowering: ", l.pos(pos)) + fmt.Sprintf(format, args...)})
}

type lowerer struct {
	fset  *token.FileSet
	info  *check.Info
	p     *ir.Program
	rules map[*check.Rule]int
	vars  map[string]int // variable name -> slot
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

// kinds are the IR's kinds of the checker's, written out rather than
// derived from types.Kind.String, so that renaming a kind in the checker
// cannot change the programs it stores.
var kinds = [...]ir.Kind{types.Invalid: ir.KindInvalid, types.Null: ir.KindNull, types.Text: ir.KindText,
	types.Number: ir.KindNumber, types.Money: ir.KindMoney, types.Date: ir.KindDate, types.DateTime: ir.KindDateTime,
	types.Time: ir.KindTime, types.Duration: ir.KindDuration, types.Bool: ir.KindBool, types.File: ir.KindFile,
	types.URL: ir.KindURL, types.Enum: ir.KindEnum, types.Email: ir.KindEmail, types.Phone: ir.KindPhone,
	types.Stage: ir.KindStage, types.Entity: ir.KindEntity, types.Record: ir.KindRecord, types.List: ir.KindList,
	types.Resource: ir.KindResource}

// kindOf is the IR's kind of a type; KindNone for no type.
func kindOf(t *types.Type) ir.Kind {
	switch {
	case t == nil:
		return ir.KindNone
	case t.Multi && t.Kind == types.Email:
		return ir.KindEmails
	case t.Multi && t.Kind == types.Phone:
		return ir.KindPhones
	case int(t.Kind) < len(kinds) && kinds[t.Kind] != "":
		return kinds[t.Kind]
	}
	return ir.KindInvalid // a kind added to the checker but not here: TestKinds fails
}

// litKinds are the kinds of literals, by how they are written.
var litKinds = map[ast.LitKind]ir.Kind{ast.Number: ir.KindNumber, ast.Duration: ir.KindDuration, ast.Date: ir.KindDate,
	ast.DateTime: ir.KindDateTime, ast.Clock: ir.KindTime, ast.String: ir.KindText, ast.Bool: ir.KindBool, ast.Null: ir.KindNull}

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
		if l.auto(s) {
			st.Auto = true
		} else {
			st.Value = l.expr(s.Value)
		}
		out = append(out, st)
	}
	return out
}

// auto reports whether a setting's value is the keyword auto, its default:
// the checker accepts it where the setting's declaration allows it, and
// records no object for it, as for no keyword.
func (l *lowerer) auto(s *ast.Setting) bool {
	id, ok := s.Value.(*ast.Ident)
	if !ok || id.Name != "auto" || l.info.Uses[id] != nil {
		return false
	}
	decl, _ := l.info.Uses[s.Key].(*types.Setting)
	return decl != nil && decl.Auto
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
	for _, s := range d.Stmts {
		st := &ir.Step{Pos: l.pos(s.Pos())}
		switch s := s.(type) {
		case *ast.ItemStmt:
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
	return t
}

// expr lowers an expression, using what the checker recorded.
func (l *lowerer) expr(e ast.Expr) *ir.Expr {
	x := &ir.Expr{Pos: l.pos(e.Pos()), Kind: kindOf(l.info.Types[e])}
	switch e := e.(type) {
	case *ast.ParenExpr:
		return l.expr(e.X)
	case *ast.BasicLit:
		x.Op, x.Lit, x.Kind = ir.OpLit, e.Value, litKinds[e.Kind]
		if e.IsTemplate() {
			x.Op = ir.OpTemplate
			for _, p := range e.Parts {
				if p.Expr != nil {
					x.Args = append(x.Args, l.expr(p.Expr))
				} else {
					x.Args = append(x.Args, &ir.Expr{Op: ir.OpLit, Kind: ir.KindText, Lit: p.Text})
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
		if l.address(e) {
			x.Op, x.Sel, x.X = ir.OpAddress, e.Fun.Name, l.expr(e.Args[0])
			return x
		}
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

// address reports whether a call is a typed e-mail address or phone number
// (a test item's mobile("+48 ...")): the checker records no object for its
// type, which it checks against the types of addresses; any other call's
// name refers to a function (or a test's matcher).
func (l *lowerer) address(e *ast.CallExpr) bool {
	if l.info.Uses[e.Fun] != nil {
		return false
	}
	if len(e.Args) != 1 || !slices.Contains(types.EmailKinds, e.Fun.Name) && !slices.Contains(types.PhoneKinds, e.Fun.Name) {
		l.fail(e.Fun.Pos(), "the checker recorded nothing for the call %q", e.Fun.Name)
	}
	return true
}

// overload is the ID of the overload that the checker resolved an operator
// to: the runtime runs it, and never matches the operator by name.
func (l *lowerer) overload(e ast.Expr) string {
	if ov := l.info.Overloads[e]; ov != nil {
		return ov.ID
	}
	return "" // not checked: Lower takes only workspaces without errors
}

// ident lowers a name by what the checker resolved it to: a variable, the
// item or one of its relations, a test's item, the clock, or a member
// written bare (a stage, a resource, an enum's value), which becomes its
// text. The names of the clock and of the roots are read from the
// checker's objects, whose names are the checker's decision (a closed set
// of predeclared words), not from the name written.
func (l *lowerer) ident(id *ast.Ident, x *ir.Expr) *ir.Expr {
	switch obj := l.info.Uses[id].(type) {
	case *types.Var:
		x.Op, x.Name, x.Slot = ir.OpVar, id.Name, l.vars[obj.Name]
		return x
	case *types.Root:
		x.Op, x.Name, x.Root = ir.OpField, id.Name, l.root(id, obj)
		if obj.Role == types.RoleResponsible { // the item's field: deal.responsible
			x.Name, x.Path = obj.Entity.Name, []string{"responsible"}
		}
		return x
	case *types.Item: // a test's item, given or named by an expectation's as
		x.Op, x.Name, x.Root = ir.OpField, obj.Name, ir.RootTestItem
		return x
	case *types.EntityDef:
		x.Op, x.Name, x.Root = ir.OpField, obj.Name, ir.RootEntity
		return x
	case *types.Builtin:
		x.Op, x.Name, x.Builtin = ir.OpBuiltin, id.Name, l.builtin(id, obj)
		return x
	case *types.StageDef: // its name, printed as a name (Expr.Name)
		x.Op, x.Lit, x.Name, x.Kind = ir.OpLit, obj.Name, obj.Name, ir.KindText
		return x
	case *types.Pipeline: // copy deal's pipeline: its name
		x.Op, x.Lit, x.Name, x.Kind = ir.OpLit, obj.Name, obj.Name, ir.KindText
		return x
	case *types.ResourceDef:
		x.Op, x.Lit, x.Name, x.Kind = ir.OpLit, obj.Name, obj.Name, ir.KindText
		if obj.Kind == "employee" {
			x.Kind = ir.KindRef
		}
		return x
	case nil:
		// The checker records no object for a member of an enum written
		// bare (deal.category == Express): it types it as the enum.
		if t := l.info.Types[id]; t != nil && t.Kind == types.Enum {
			x.Op, x.Lit, x.Kind = ir.OpLit, id.Name, ir.KindText
			return x
		}
		l.fail(id.Pos(), "the checker recorded nothing for the name %q", id.Name)
	default:
		l.fail(id.Pos(), "the name %q refers to a %T, which is not a value", id.Name, obj)
	}
	return nil
}

// root is the IR's root of a root object: the item itself (deal, lead,
// responsible, which is its field), or the relation the checker resolved.
func (l *lowerer) root(id *ast.Ident, obj *types.Root) ir.Root {
	if obj.Entity == nil {
		l.fail(id.Pos(), "the root %q has no entity", id.Name)
	}
	switch obj.Role {
	case types.RoleItem, types.RoleResponsible: // responsible reads the item's field
		return ir.RootSelf
	case types.RoleContact:
		return ir.RootContact
	case types.RoleCompany:
		return ir.RootCompany
	case types.RoleClient:
		return ir.RootClient
	}
	l.fail(id.Pos(), "the checker resolved %q to a root without a role", id.Name)
	return ir.RootNone
}

// builtin is the clock's value a predeclared object stands for.
func (l *lowerer) builtin(id *ast.Ident, obj *types.Builtin) ir.Builtin {
	if b := ir.Builtin(obj.Name); b.Valid() {
		return b
	}
	l.fail(id.Pos(), "the name %q refers to the builtin %q, which is not a value", id.Name, obj.Name)
	return ""
}
