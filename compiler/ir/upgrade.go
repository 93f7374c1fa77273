package ir

// upgrade3 turns a version 3 (or 2) program into the current format.
// Version 2 differs from 3 only by what it could not carry: a custom
// action's module and typed signature (Action.Call), without which the
// engine writes that the action did not run, as the version 2 engine did
// (with other words); and x[type] outside an action's to, which the
// version 2 runtime evaluated to the list of that type's values, against
// the single value the checker typed: it is the first one now. Version 3
// had no Expr.Root, no Expr.Builtin and no OpAddress: the runtime worked
// them out of Expr.Name each time it planned a program. Stores keep deployed programs
// and the input log keeps each deploy's program bytes, so those programs
// are read on every open and every replay; they are given the roots and
// builtins that the version 3 runtime derived, by its very rules, so that
// they run as they ran.
//
// This is the only place where names are interpreted: a current program
// carries what the checker resolved, and nothing reads a meaning out of a
// name. Kinds need no upgrade: version 3 wrote the same words, untyped.
func upgrade3(p *Program) {
	entities := map[string]bool{}
	for _, e := range p.Entities {
		entities[e.Name] = true
	}
	// The callback never fails, so neither does the walk.
	_ = p.eachExpr(func(x *Expr, entity string) error {
		switch {
		case x.Op == OpField && x.X == nil:
			x.Root = rootOf3(x.Name, entity, entities)
		case x.Op == OpBuiltin:
			switch x.Name {
			case "now":
				x.Builtin = BuiltinNow
			case "today":
				x.Builtin = BuiltinToday
			default: // the version 3 runtime read any other name as tomorrow
				x.Builtin = BuiltinTomorrow
			}
		case x.Op == OpCall && addressTypes3[x.Name] && len(x.Args) == 1:
			x.Op, x.Sel, x.X, x.Name, x.Args = OpAddress, x.Name, x.Args[0], "", nil
		}
		return nil
	})
}

// addressTypes3 are the calls that the version 3 runtime read as a typed
// address (mobile("+48 ...")) rather than as a function.
var addressTypes3 = map[string]bool{"work": true, "home": true, "mobile": true, "mailing": true, "other": true}

// rootOf3 is the root that the version 3 runtime (interp.Planner.root)
// gave the first name of a path over an item of entity ("" in a test), in
// its order: the item itself, a relation, an entity of the schema, else a
// test's item.
func rootOf3(name, entity string, entities map[string]bool) Root {
	switch {
	case name == entity:
		return RootSelf
	case name == "contact":
		return RootContact
	case name == "company":
		return RootCompany
	case name == "client":
		return RootClient
	case entities[name]:
		return RootEntity
	}
	return RootTestItem
}

// upgrade4 gives a version 4 (or older) program's literals the names they
// were written as, which version 4 did not carry, as the printer of that
// version took them: a text equal to a stage or resource name of the
// program (it printed such a text bare), and any employee; a pipeline's
// name it quoted, and so it stays a text. So an old program's plans and
// timelines read as they did, and its log replays to the timelines its
// build wrote. A string that happened to equal a name is taken for the
// name, as that printer took it.
func upgrade4(p *Program) {
	names := p.BareNames()
	_ = p.eachExpr(func(x *Expr, _ string) error {
		if x.Op == OpLit && x.Name == "" && (x.Kind == KindRef || x.Kind == KindText && names[x.Lit]) {
			x.Name = x.Lit
		}
		return nil
	})
}

// BareNames are the names version 4's printer wrote bare when a text
// equalled one: the program's stages' and resources'.
func (p *Program) BareNames() map[string]bool {
	names := map[string]bool{}
	for _, pl := range p.Pipelines {
		for _, s := range pl.Stages {
			names[s.Name] = true
		}
	}
	for _, r := range p.Resources {
		names[r.Name] = true
	}
	return names
}
