package engine

import (
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/interp"
)

// loaded is a deployed program made ready to run: its expressions planned
// and its declarations indexed. A deploy swaps the engine's loaded program
// when its input commits.
type loaded struct {
	prog    *ir.Program
	encoded []byte // ir.Encode(prog): what a deploy compares
	pl      *interp.Planner

	rules     []*plannedRule
	byIdent   map[string]*plannedRule   // rule identity -> rule
	byStage   map[string][]*plannedRule // pipeline/stage -> head rules
	follow    map[int][]*plannedRule    // rule index -> rules after it
	triggers  []*plannedTrigger
	trigIdent map[string]*plannedTrigger // trigger identity -> trigger
	entities  map[string]*ir.Entity
	pipes     map[string]*ir.Pipeline
	res       map[string]*ir.Resource
	users     map[string]*interp.Item // the employees, as items of entity user
	cal       *calendar               // the workspace calendar, if any
	hasAt     bool                    // some rule's time reads the item's fields (at deal.x ...): their changes may move timers
}

// load plans a program, encoded as body, for the library. A program the
// engine cannot run as written (a calendar with impossible hours) is
// refused.
func load(prog *ir.Program, body []byte, lib Library) (*loaded, error) {
	l := &loaded{prog: prog, encoded: body, pl: interp.NewPlanner(prog, lib.Funcs),
		byIdent: map[string]*plannedRule{}, byStage: map[string][]*plannedRule{}, follow: map[int][]*plannedRule{},
		trigIdent: map[string]*plannedTrigger{}, entities: map[string]*ir.Entity{}, pipes: map[string]*ir.Pipeline{},
		res: map[string]*ir.Resource{}, users: map[string]*interp.Item{}}
	for _, en := range prog.Entities {
		l.entities[en.Name] = en
	}
	for _, p := range prog.Pipelines {
		l.pipes[p.Entity+"/"+p.Name] = p
	}
	for _, r := range prog.Resources {
		l.res[r.Name] = r
		switch r.Kind {
		case "employee":
			l.users[r.Name] = employee(r, l.entities["user"])
		case "calendar":
			cal, err := newCalendar(r)
			if err != nil {
				return nil, err
			}
			l.cal = cal
		}
	}
	l.plan()
	if err := l.pl.Err(); err != nil { // a literal out of range: refused, never run as null
		return nil, err
	}
	return l, nil
}

func (l *loaded) plan() {
	for _, r := range l.prog.Rules {
		pr := &plannedRule{Rule: r, cond: l.pl.Truth(r.Cond, r.Entity), settings: map[string]interp.Eval{}, auto: map[string]bool{}}
		if r.At != nil {
			pr.at = l.pl.Plan(r.At, r.Entity)
			pr.followsFields = readsOwnField(r.At)
			l.hasAt = l.hasAt || pr.followsFields
		}
		a := r.Action
		if a.Target != nil {
			pr.target = l.pl.Recipients(a.Target, r.Entity)
		}
		if a.Value != nil {
			pr.value = l.pl.Plan(a.Value, r.Entity)
		}
		if a.Field != nil {
			pr.owner = l.pl.Owner(a.Field, r.Entity)
		}
		for _, s := range a.Settings {
			if s.Auto {
				pr.auto[s.Name] = true
			} else {
				pr.settings[s.Name] = l.pl.Plan(s.Value, r.Entity)
			}
		}
		l.rules = append(l.rules, pr)
		l.byIdent[r.Ident] = pr
		if r.Previous >= 0 {
			l.follow[r.Previous] = append(l.follow[r.Previous], pr)
		} else {
			key := r.Pipeline + "/" + r.Stage
			l.byStage[key] = append(l.byStage[key], pr)
		}
	}
	for _, tr := range l.prog.Triggers {
		pt := &plannedTrigger{Trigger: tr, cond: l.pl.Truth(tr.Cond, tr.Entity), settings: map[string]interp.Eval{}}
		for _, s := range tr.Settings {
			if s.Value != nil {
				pt.settings[s.Name] = l.pl.Plan(s.Value, tr.Entity)
			}
		}
		l.triggers = append(l.triggers, pt)
		l.trigIdent[tr.Ident] = pt
	}
}

// readsOwnField reports whether an expression reads a field of the item
// it is evaluated on: an `at` rule's time follows changes of those only
// (`at deal.delivery_date - 1d`), never the clock's (`at tomorrow + 14:00`
// read again at each change would move on a day at a time) nor a
// contact's (spec/semantics.md, Timers).
func readsOwnField(x *ir.Expr) bool {
	if x == nil {
		return false
	}
	if x.Op == ir.OpField && x.X == nil && (x.Root == ir.RootSelf || x.Root == ir.RootEntity) && len(x.Path) == 1 {
		return true // deal.delivery_date; deal.contact.meeting is the contact's
	}
	if readsOwnField(x.X) || readsOwnField(x.Y) {
		return true
	}
	for _, a := range x.Args {
		if readsOwnField(a) {
			return true
		}
	}
	return false
}
