package ir

import "fmt"

// eachExpr calls f on every expression of the program, outermost first,
// with the entity of the item it is evaluated over: a rule's or trigger's
// entity, "" for a test's (whose names are the test's items). It stops at
// the first error f returns.
func (p *Program) eachExpr(f func(x *Expr, entity string) error) error {
	var walk func(x *Expr, entity string) error
	walk = func(x *Expr, entity string) error {
		if x == nil {
			return nil
		}
		if err := f(x, entity); err != nil {
			return err
		}
		if err := walk(x.X, entity); err != nil {
			return err
		}
		if err := walk(x.Y, entity); err != nil {
			return err
		}
		for _, a := range x.Args {
			if err := walk(a, entity); err != nil {
				return err
			}
		}
		return nil
	}
	all := func(entity string, ss []*Setting, xs ...*Expr) error {
		for _, s := range ss {
			xs = append(xs, s.Value)
		}
		for _, x := range xs {
			if err := walk(x, entity); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range p.Rules {
		var xs []*Expr
		var ss []*Setting
		if a := r.Action; a != nil {
			xs, ss = []*Expr{a.Target, a.Field, a.Value}, a.Settings
		}
		if err := all(r.Entity, ss, append(xs, r.At, r.Cond)...); err != nil {
			return err
		}
	}
	for _, t := range p.Triggers {
		if err := all(t.Entity, t.Settings, t.Cond); err != nil {
			return err
		}
	}
	for _, t := range p.Tests {
		for _, s := range t.Steps {
			if err := all("", s.Settings, s.Value, s.Target, s.At); err != nil {
				return err
			}
		}
	}
	return nil
}

// validate refuses a program whose enums hold a word this build does not
// know, or a field without its root: the runtime switches on them and must
// never meet a value outside its cases.
func (p *Program) validate() error {
	for _, e := range p.Entities {
		for _, f := range e.Fields {
			if !f.Kind.Valid() {
				return fmt.Errorf("field %s.%s has an unknown kind %q", e.Name, f.Name, f.Kind)
			}
		}
	}
	return p.eachExpr(func(x *Expr, _ string) error {
		switch {
		case !x.Op.Valid():
			return fmt.Errorf("%s: unknown operation %q", x.Pos, x.Op)
		case !x.Kind.Valid():
			return fmt.Errorf("%s: unknown kind %q", x.Pos, x.Kind)
		case !x.Root.Valid():
			return fmt.Errorf("%s: unknown root %q", x.Pos, x.Root)
		case x.Op == OpField && x.X == nil && x.Root == RootNone:
			return fmt.Errorf("%s: field %s has no root", x.Pos, x.Name)
		case x.Root != RootNone && (x.Op != OpField || x.X != nil):
			return fmt.Errorf("%s: a root (%s) on a %s expression", x.Pos, x.Root, x.Op)
		case x.Op == OpBuiltin && !x.Builtin.Valid():
			return fmt.Errorf("%s: unknown builtin %q", x.Pos, x.Builtin)
		case x.Op != OpBuiltin && x.Builtin != "":
			return fmt.Errorf("%s: a builtin (%s) on a %s expression", x.Pos, x.Builtin, x.Op)
		case x.Op == OpAddress && (x.X == nil || x.Sel == ""):
			return fmt.Errorf("%s: an address without its text or type", x.Pos)
		}
		return nil
	})
}
