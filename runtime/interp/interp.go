// Package interp evaluates the IR's expressions. Plan turns each expression
// into a tree of closures once, with every field resolved to a slot and
// every operator to a function, so that evaluation does no name lookups and,
// for conditions over fields, no allocation. Evaluation is bounded by a step
// budget.
package interp

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// MaxSteps bounds one evaluation; MaxTextBytes bounds a rendered template.
const (
	MaxSteps     = 10000
	MaxTextBytes = 64 << 10
)

// Item is an item as expressions see it: its fields by slot.
type Item struct {
	ID       string
	Entity   string
	Pipeline string
	Fields   []value.Value
}

// World is what evaluation reads besides the item: related items, named
// test items, variables. The engine implements it over its store.
type World interface {
	Load(entity, id string) *Item // nil if there is none
	Named(name string) *Item      // a test's item by name; nil outside tests
	Var(slot int) value.Value     // a variable of the item, by its slot in Program.Vars
}

// Env is one evaluation's context. Reuse it for many evaluations over one
// item: related items are looked up once.
type Env struct {
	Item  *Item
	World World
	Now   int64 // seconds, the input's time
	steps int
	err   error
	rel   [4]*Item // related items by role, cached
	relOK [4]bool
}

// Reset points env at an item, clearing what it cached.
func (env *Env) Reset(item *Item) {
	env.Item, env.steps, env.err = item, 0, nil
	env.relOK = [4]bool{}
}

// Err is the first error of the evaluations since Reset: the step budget
// exceeded, a template too long.
func (env *Env) Err() error { return env.err }

func (env *Env) step() bool {
	env.steps++
	if env.steps > MaxSteps {
		if env.err == nil {
			env.err = fmt.Errorf("evaluation exceeded %d steps", MaxSteps)
		}
		return false
	}
	return true
}

// Eval is a planned expression.
type Eval func(env *Env) value.Value

// Planner plans expressions against one program's schema.
type Planner struct {
	mu    sync.Mutex
	errs  []error                   // found while planning: see Err
	slots map[string]map[string]int // entity -> field -> slot
	refs  map[string]map[string]string
	funcs map[string]Func
	// clients find the client of an item of each entity, for actions.
	clients map[string]func(*Env) *Item
}

// NewPlanner indexes the program's entities; funcs implement the functions
// that expressions call.
func NewPlanner(p *ir.Program, funcs map[string]Func) *Planner {
	pl := &Planner{slots: map[string]map[string]int{}, refs: map[string]map[string]string{}, funcs: funcs}
	for _, e := range p.Entities {
		pl.slots[e.Name], pl.refs[e.Name] = map[string]int{}, map[string]string{}
		for i, f := range e.Fields {
			pl.slots[e.Name][f.Name] = i
			if f.Ref != "" {
				pl.refs[e.Name][f.Name] = f.Ref
			}
		}
	}
	pl.clients = map[string]func(*Env) *Item{}
	for _, e := range p.Entities {
		pl.clients[e.Name] = pl.related(roleClient, e.Name)
	}
	return pl
}

// Err is what planning found wrong, nil if nothing: a literal that cannot
// be read or lies outside the value domain (spec/semantics.md, "Values"),
// such as a number past float64's range, each with its position. Such a
// literal plans to null; a program with one must not run, so the engine
// refuses it once its expressions are planned.
func (pl *Planner) Err() error {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return errors.Join(pl.errs...)
}

// literal plans a literal's value, noting an error for Err.
func (pl *Planner) literal(x *ir.Expr) value.Value {
	v, err := readLiteral(x)
	if err != nil {
		pl.mu.Lock()
		pl.errs = append(pl.errs, fmt.Errorf("%s: %w", x.Pos, err))
		pl.mu.Unlock()
	}
	return v
}

// Slot returns a field's slot, or -1.
func (pl *Planner) Slot(entity, field string) int {
	if s, ok := pl.slots[entity][field]; ok {
		return s
	}
	return -1
}

// Ref returns the entity a field refers to, or "".
func (pl *Planner) Ref(entity, field string) string { return pl.refs[entity][field] }

// Truth plans a condition; nil plans to true. Conditions are planned to
// closures returning bool, and comparisons of fields with fields or
// literals read the values in place: a condition over an item copies no
// values and allocates nothing.
func (pl *Planner) Truth(x *ir.Expr, entity string) func(*Env) bool {
	if x == nil {
		return func(*Env) bool { return true }
	}
	return pl.truth(x, entity)
}

// Plan plans an expression evaluated over an item of the given entity.
func (pl *Planner) Plan(x *ir.Expr, entity string) Eval {
	switch x.Op {
	case ir.OpLit:
		v := pl.literal(x)
		return func(*Env) value.Value { return v }
	case ir.OpBuiltin:
		return builtin(x)
	case ir.OpField:
		return pl.field(x, entity)
	case ir.OpVar:
		slot, path := x.Slot, x.Path
		return func(env *Env) value.Value {
			v := env.World.Var(slot)
			for _, p := range path {
				v = v.Field(p)
			}
			return v
		}
	case ir.OpUnary:
		return pl.unary(x, entity)
	case ir.OpBinary:
		return pl.binary(x, entity)
	case ir.OpTypeSel: // one value, as the checker types it; an action's `to` plans with Recipients
		inner, sel := pl.Plan(x.X, entity), x.Sel
		return func(env *Env) value.Value { return first(SelectType(inner(env), sel)) }
	case ir.OpList, ir.OpRange:
		return pl.list(x, entity)
	case ir.OpTemplate:
		return pl.template(x, entity)
	case ir.OpCall:
		return pl.call(x, entity)
	case ir.OpAddress: // a test item's mobile("+48 ...")
		inner, typ := pl.Plan(x.X, entity), x.Sel
		return func(env *Env) value.Value { return value.TypedText(typ, inner(env).S) }
	}
	panic(fmt.Sprintf("interp: unknown op %q at %s", x.Op, x.Pos))
}

// readLiteral reads a literal; one that cannot be read, or is outside the
// value domain, is an error and null.
func readLiteral(x *ir.Expr) (value.Value, error) {
	var v value.Value
	var err error
	switch x.Kind {
	case "number", "money":
		v, err = value.ParseNumber(x.Lit)
	case "duration":
		v, err = value.ParseDuration(x.Lit)
	case "date":
		v, err = value.ParseDate(x.Lit)
	case "datetime":
		v, err = value.ParseDateTime(x.Lit)
	case "time":
		v, err = value.ParseClock(x.Lit)
	case "bool":
		v = value.BoolOf(x.Lit == "true")
	case "null":
	case "ref":
		v = value.RefOf("user", x.Lit)
	default:
		v = value.TextOf(x.Lit)
	}
	if err == nil {
		err = value.Valid(v) // a text literal of invalid UTF-8
	}
	if err != nil {
		return value.Value{}, fmt.Errorf("%s literal: %w", x.Kind, err)
	}
	return v, nil
}

func builtin(x *ir.Expr) Eval {
	switch x.Builtin {
	case ir.BuiltinNow:
		return func(env *Env) value.Value { return value.Value{K: value.DateTime, N: float64(env.Now)} }
	case ir.BuiltinToday:
		return func(env *Env) value.Value {
			return value.Value{K: value.Date, N: float64(env.Now - mod(env.Now, 86400))}
		}
	case ir.BuiltinTomorrow:
		return func(env *Env) value.Value {
			return value.Value{K: value.Date, N: float64(env.Now - mod(env.Now, 86400) + 86400)}
		}
	}
	panic(fmt.Sprintf("interp: unknown builtin %q at %s", x.Builtin, x.Pos)) // ir.Decode refuses it
}

func mod(a, b int64) int64 { return (a%b + b) % b }

// Roles of related items that a rule's expressions name as roots.
const (
	roleContact = iota
	roleCompany
	roleClient
)

// field plans Root.Path: the root is the item itself, a related item
// (contact, company, client), or a test's named item, as the IR's Root
// says; each field of the path that refers to another item loads it.
func (pl *Planner) field(x *ir.Expr, entity string) Eval {
	if x.X != nil { // a field of a computed record
		inner, path := pl.Plan(x.X, entity), x.Path
		return func(env *Env) value.Value {
			v := inner(env)
			for _, p := range path {
				v = v.Field(p)
			}
			return v
		}
	}
	root, rootEntity := pl.root(x, entity)
	if x.Root == ir.RootClient && len(x.Path) == 1 { // a contact, a company or a lead itself: the slots found now
		name := x.Path[0]
		contact, company, own := pl.ClientSlot("contact", name), pl.ClientSlot("company", name), pl.ClientSlot(entity, name)
		return func(env *Env) value.Value {
			it := root(env)
			slot := contact
			switch {
			case it == nil:
			case it.Entity == "company":
				slot = company
			case it.Entity == entity:
				slot = own
			}
			if it == nil || slot < 0 || slot >= len(it.Fields) {
				return value.Value{}
			}
			return it.Fields[slot]
		}
	}
	if rootEntity == "" { // a test's item, or a longer path from the client: the entity is known only at run time
		path := x.Path
		return func(env *Env) value.Value {
			it := root(env)
			for i, name := range path {
				if it == nil {
					return value.Value{}
				}
				s := pl.Slot(it.Entity, name)
				if s < 0 || s >= len(it.Fields) {
					return value.Value{}
				}
				if i == len(path)-1 {
					return it.Fields[s]
				}
				it = env.World.Load(pl.Ref(it.Entity, name), it.Fields[s].S)
			}
			if it == nil {
				return value.Value{}
			}
			return value.RefOf(it.Entity, it.ID)
		}
	}
	type hop struct {
		slot   int
		entity string // the entity the next hop reads
	}
	var hops []hop
	cur := rootEntity
	for _, name := range x.Path {
		if cur == "" {
			break
		}
		hops = append(hops, hop{slot: pl.Slot(cur, name), entity: pl.Ref(cur, name)})
		cur = pl.Ref(cur, name)
	}
	if len(hops) == 1 { // the common case, kept small
		slot := hops[0].slot
		return func(env *Env) value.Value {
			it := root(env)
			if it == nil || slot < 0 || slot >= len(it.Fields) {
				return value.Value{}
			}
			return it.Fields[slot]
		}
	}
	return func(env *Env) value.Value {
		it := root(env)
		if len(hops) == 0 {
			if it == nil {
				return value.Value{}
			}
			return value.RefOf(it.Entity, it.ID)
		}
		for i, h := range hops {
			if it == nil || h.slot < 0 || h.slot >= len(it.Fields) {
				return value.Value{}
			}
			v := it.Fields[h.slot]
			if i == len(hops)-1 {
				return v
			}
			it = env.World.Load(h.entity, v.S)
		}
		return value.Value{}
	}
}

// Owner plans the item that holds the field x names (an OpField without
// X): the item itself for deal.title, its contact for contact.city, the
// contact's company for deal.contact.company.title; nil at run time when
// the item has none. An update writes there (R-UPDATE).
func (pl *Planner) Owner(x *ir.Expr, entity string) func(*Env) *Item {
	root, _ := pl.root(x, entity)
	if len(x.Path) <= 1 {
		return root
	}
	prefix := *x
	prefix.Path = x.Path[:len(x.Path)-1]
	ref := pl.field(&prefix, entity)
	return func(env *Env) *Item {
		v := ref(env)
		if v.K != value.Ref || v.S == "" {
			return nil
		}
		return env.World.Load(v.Tag, v.S)
	}
}

// root plans the item a field's path starts from, by the root the checker
// resolved, and gives its entity: "" when only the run knows it (a test's
// item; the client, a contact or a company).
func (pl *Planner) root(x *ir.Expr, entity string) (func(*Env) *Item, string) {
	switch x.Root {
	case ir.RootSelf:
		return func(env *Env) *Item { return env.Item }, entity
	case ir.RootContact:
		return pl.related(roleContact, entity), "contact"
	case ir.RootCompany:
		return pl.related(roleCompany, entity), "company"
	case ir.RootClient:
		return pl.related(roleClient, entity), ""
	case ir.RootEntity:
		name := x.Name
		return func(env *Env) *Item {
			if env.Item != nil && env.Item.Entity == name {
				return env.Item
			}
			return nil
		}, name
	case ir.RootTestItem:
		name := x.Name
		return func(env *Env) *Item { return env.World.Named(name) }, ""
	}
	panic(fmt.Sprintf("interp: field %s at %s has no root (%q)", x.Name, x.Pos, x.Root)) // ir.Decode refuses it
}

// related plans the contact, company or client (the contact, or the company
// when there is none) of an item of the given entity, cached in the Env.
// The slots it reads are found now, not at each evaluation.
func (pl *Planner) related(role int, entity string) func(*Env) *Item {
	var find func(env *Env) *Item
	switch role {
	case roleClient:
		// A lead without a contact or a company is its own client: it
		// holds the name, phone and e-mail of the person it is about.
		contact, company, self := pl.related(roleContact, entity), pl.related(roleCompany, entity), entity == "lead"
		find = func(env *Env) *Item {
			if it := contact(env); it != nil {
				return it
			}
			if it := company(env); it != nil || !self {
				return it
			}
			return env.Item
		}
	case roleContact:
		find = pl.link(entity, "contact", nil)
	default: // a company: the item's own, or else its contact's
		own, viaContact := pl.link(entity, "company", nil), pl.link("contact", "company", pl.link(entity, "contact", nil))
		find = func(env *Env) *Item {
			if it := own(env); it != nil {
				return it
			}
			return viaContact(env)
		}
	}
	return func(env *Env) *Item {
		if env.relOK[role] {
			return env.rel[role]
		}
		it := find(env)
		env.rel[role], env.relOK[role] = it, true
		return it
	}
}

// link plans following the field named target (contact, company) from an
// item of the given entity: the one that from gives, or the Env's item when
// from is nil. An item of the target entity is its own link.
func (pl *Planner) link(entity, target string, from func(*Env) *Item) func(*Env) *Item {
	slot := pl.Slot(entity, target)
	return func(env *Env) *Item {
		it := env.Item
		if from != nil {
			it = from(env)
		}
		var out *Item
		switch {
		case it == nil:
		case it.Entity == target:
			out = it
		case it.Entity == entity && slot >= 0 && slot < len(it.Fields) && it.Fields[slot].S != "":
			out = env.World.Load(target, it.Fields[slot].S)
		}
		return out
	}
}

// ClientSlot is the slot of client.NAME in a client of the given entity:
// the field of that name, or, for a company, whose name is its title,
// title for name.
func (pl *Planner) ClientSlot(entity, name string) int {
	s := pl.Slot(entity, name)
	if s < 0 && entity == "company" && name == "name" {
		s = pl.Slot("company", "title")
	}
	return s
}

// Client returns the client of the Env's item: its first contact, or its
// company, or, for a lead with neither, the lead itself.
func (pl *Planner) Client(env *Env) *Item {
	if env.Item == nil || pl.clients[env.Item.Entity] == nil {
		return nil
	}
	return pl.clients[env.Item.Entity](env)
}

// Recipients plans an action's `to`: for x[type], every value of the
// type in order, since the action chooses among them (the first, or the
// last with `use last`); anything else as Plan does.
func (pl *Planner) Recipients(x *ir.Expr, entity string) Eval {
	if x.Op != ir.OpTypeSel {
		return pl.Plan(x, entity)
	}
	inner, sel := pl.Plan(x.X, entity), x.Sel
	return func(env *Env) value.Value { return SelectType(inner(env), sel) }
}

// first is a list's first value (null for an empty one), or v itself.
func first(v value.Value) value.Value {
	if v.K != value.List {
		return v
	}
	if len(v.L) == 0 {
		return value.Value{}
	}
	return v.L[0]
}

// SelectType picks the values of one type (work, mobile, ...) from a list
// of typed e-mails or phones; auto keeps them all.
func SelectType(v value.Value, kind string) value.Value {
	if kind == "auto" {
		return v
	}
	if v.K == value.Text {
		if v.Tag == kind {
			return v
		}
		return value.Value{}
	}
	var out []value.Value
	for _, e := range v.L {
		if e.Tag == kind {
			out = append(out, e)
		}
	}
	if out == nil {
		return value.Value{}
	}
	return value.ListOf(out...)
}

func (pl *Planner) template(x *ir.Expr, entity string) Eval {
	parts := make([]Eval, len(x.Args))
	addresses := make([]bool, len(x.Args))
	for i, a := range x.Args {
		parts[i] = pl.Plan(a, entity)
		addresses[i] = a.Kind == ir.KindEmails || a.Kind == ir.KindPhones
	}
	return func(env *Env) value.Value {
		var b strings.Builder
		for i, p := range parts {
			v := p(env)
			switch {
			case v.K != value.List:
				b.WriteString(v.String())
			case addresses[i]: // {contact.phone}: the first, the one a message would go to
				b.WriteString(first(v).String())
			default: // a list of values, {r.rates}: all of them, as the language writes a list's elements
				for j, e := range v.L {
					if j > 0 {
						b.WriteString(", ")
					}
					b.WriteString(e.String())
				}
			}
			if b.Len() > MaxTextBytes {
				env.err = fmt.Errorf("text longer than %d bytes after inserting fields", MaxTextBytes)
				return value.TextOf(truncate(b.String(), MaxTextBytes))
			}
		}
		return value.TextOf(b.String())
	}
}

func truncate(s string, n int) string {
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
