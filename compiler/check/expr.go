package check

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/literal"
	tk "github.com/stagecraft/stagecraft/lang/token"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
)

// env is what names mean where an expression stands.
type env struct {
	entity string // the item's entity type in a rule or trigger; "" in a test
	// rule is the rule being checked, and bound the names that the rules of
	// its stage checked before it bind (Checker.bound): those of rule's
	// chain are in scope, the others are pending (set by a rule that does
	// not run before this one). Both nil outside rules.
	rule  *Rule
	bound map[string]*Rule
	items map[string]*types.Item // test items
}

// visible returns the variable or result of name that an earlier rule of
// the chain sets, or nil.
func (en *env) visible(name string) *types.Var {
	if b := en.bound[name]; b != nil && en.rule.follows(b) {
		return b.Binds
	}
	return nil
}

// clockWords are the predeclared values now, today and tomorrow.
var clockWords = map[string]*types.Builtin{
	"now":      {Name: "now", Type: types.DateTimeType, Doc: "the time the rule runs at"},
	"today":    {Name: "today", Type: types.DateType, Doc: "the date the rule runs on, in the workspace's time zone"},
	"tomorrow": {Name: "tomorrow", Type: types.DateType, Doc: "the day after today"},
}

// resolve works out what a bare name means, without recording it:
// variables, then test items, then the item and its relations, then the
// clock words, then resources (employees are users).
func (c *checker) resolve(name string, en *env) (types.Object, *types.Type) {
	if v := en.visible(name); v != nil {
		return v, v.Type
	}
	if it := en.items[name]; it != nil {
		return it, it.Type
	}
	if en.entity != "" {
		switch name {
		case en.entity, "contact", "company", "client", "responsible":
			r := c.root(en.entity, name)
			return r, r.Type
		}
	}
	if b := clockWords[name]; b != nil {
		return b, b.Type
	}
	if r := c.schema.Resources[name]; r != nil {
		if r.Kind == "employee" {
			return r, types.UserType
		}
		return r, types.ResourceOf(r.Kind)
	}
	return nil, nil
}

// lookup resolves a bare name and records what it refers to.
func (c *checker) lookup(id *ast.Ident, en *env) (*types.Type, bool) {
	obj, t := c.resolve(id.Name, en)
	if obj == nil {
		return nil, false
	}
	if v, ok := obj.(*types.Var); ok {
		v.Uses++
	}
	c.info.Uses[id] = obj
	return t, true
}

// root is the object of a root name of an entity's rules: the item itself,
// or the relation of that name.
func (c *checker) root(entity, name string) *types.Root {
	byName := c.roots[entity]
	if byName == nil {
		if c.roots == nil {
			c.roots = map[string]map[string]*types.Root{}
		}
		byName = map[string]*types.Root{}
		c.roots[entity] = byName
	}
	if r := byName[name]; r != nil {
		return r
	}
	e := c.schema.Entities[entity]
	r := &types.Root{Name: name, Entity: e, Type: types.EntityOf(name)}
	if name != entity && name != "client" && e != nil {
		r.Field = e.Lookup(name)
	}
	switch name { // the language's words for the relations: the one place they are read
	case entity:
		r.Role = types.RoleItem
	case "contact":
		r.Role = types.RoleContact
	case "company":
		r.Role = types.RoleCompany
	case "client":
		r.Role = types.RoleClient
	case "responsible":
		r.Role, r.Type = types.RoleResponsible, types.UserType
	}
	byName[name] = r
	return r
}

// names lists what a bare name could have been, for did-you-mean.
func (c *checker) names(en *env) []string {
	var out []string
	for n := range en.bound {
		if en.visible(n) != nil {
			out = append(out, n)
		}
	}
	for n := range en.items {
		out = append(out, n)
	}
	if en.entity != "" {
		out = append(out, en.entity, "contact", "company", "client", "responsible")
	}
	out = append(out, "now", "today", "tomorrow")
	for n := range c.schema.Resources {
		out = append(out, n)
	}
	return out
}

func (c *checker) record(e ast.Expr, t *types.Type) *types.Type {
	c.info.Types[e] = t
	return t
}

func (c *checker) unknownName(id *ast.Ident, en *env) *types.Type {
	if r := c.pendingBy(en, id.Name); r != nil {
		d := c.diags.Errorf(id.Pos(), id.End(), diag.ENotYetSet, "%s is set by the rule at line %d, which does not run before this one",
			id.Name, c.fset.Position(r.Decl.Pos()).Line)
		d.Hint = "write `then` after the stage to run this rule after the previous one"
		if h := en.rule.head; en.rule.Previous != nil && h != nil && h != en.rule && h.Decl.Pos() > r.Decl.Pos() {
			// This rule is then already: its chain starts at a rule
			// between, which is not.
			d.Hint = fmt.Sprintf("the rule at line %d, which this one follows, starts a chain of its own: write `then` after its stage too", c.fset.Position(h.Decl.Pos()).Line)
		}
		if r.Binds != nil {
			c.misused = append(c.misused, r.Binds.Pos)
		}
		return c.record(id, types.InvalidType)
	}
	if en.rule != nil && c.notInScope(id, en.rule) {
		return c.record(id, types.InvalidType)
	}
	r := c.diags.Errorf(id.Pos(), id.End(), diag.EUnknownName, "unknown name %q", id.Name)
	if b := boolWords[strings.ToLower(id.Name)]; b != "" {
		r.Hint = "a bool is written true or false: did you mean " + b + "?"
		r.Replace(id.Pos(), id.End(), b)
	} else if ent := c.schema.Entities[en.entity]; ent != nil && ent.Lookup(id.Name) != nil {
		// if amount > 10: a field is read through its item.
		path := en.entity + "." + id.Name
		r.Hint = "a field is read through its item: did you mean " + path + "?"
		r.Replace(id.Pos(), id.End(), path)
	} else if c.textValue == id {
		// send sms text Oferta: a word where a text goes is the text, not
		// a misspelt name (the template oferta is no text either).
		q := literal.Quote(id.Name)
		r.Hint = "a text is written in quotes: " + q
		r.Replace(id.Pos(), id.End(), q)
	} else {
		hintName(r, id.Name, c.names(en), id.Pos(), id.End(), "")
	}
	return c.record(id, types.InvalidType)
}

// boolWords are what other languages and people write for true and false.
var boolWords = map[string]string{
	"yes": "true", "true": "true", "tak": "true",
	"no": "false", "off": "false", "false": "false", "nie": "false",
}

// expr returns the type of e, reporting what is wrong. An operand that is
// already invalid makes the whole expression invalid without a new error.
func (c *checker) expr(e ast.Expr, en *env) *types.Type {
	switch e := e.(type) {
	case *ast.Ident:
		if t, ok := c.lookup(e, en); ok {
			return c.record(e, t)
		}
		return c.unknownName(e, en)
	case *ast.BasicLit:
		return c.record(e, c.literal(e, en))
	case *ast.ParenExpr:
		return c.record(e, c.expr(e.X, en))
	case *ast.SelectorExpr:
		return c.record(e, c.selector(e, en))
	case *ast.TypeSelExpr:
		return c.record(e, c.typeSel(e, en))
	case *ast.CallExpr:
		return c.record(e, c.call(e, en))
	case *ast.UnaryExpr:
		return c.record(e, c.unary(e, en))
	case *ast.BinaryExpr:
		return c.record(e, c.binary(e, en))
	case *ast.ListExpr:
		return c.record(e, c.list(e, en))
	case *ast.RangeExpr:
		c.diags.Errorf(e.Pos(), e.End(), diag.EBadOperand, "a range lo..hi stands only after in")
		return c.record(e, types.InvalidType)
	}
	return c.record(e, types.InvalidType)
}

func (c *checker) literal(l *ast.BasicLit, en *env) *types.Type {
	switch l.Kind {
	case ast.Number:
		if _, err := literal.Number(l.Raw); errors.Is(err, literal.ErrRange) {
			c.diags.Errorf(l.Pos(), l.End(), diag.EBadValue, "number %s is out of range", shorten(l.Raw)).Hint =
				"numbers are 64-bit floating point: at most about 1.8e308"
			return types.InvalidType
		}
		return types.UntypedNum
	case ast.String:
		for _, p := range l.Parts {
			if p.Expr == nil {
				continue
			}
			if _, bad := p.Expr.(*ast.BadExpr); bad {
				continue
			}
			if t := c.expr(p.Expr, en); !types.Printable(t) && t.Kind != types.Invalid {
				c.diags.Errorf(p.Expr.Pos(), p.Expr.End(), diag.EBadOperand, "cannot insert %s into a text", an(t)).Hint =
					"insert one of its fields, like {contact.name}"
			}
		}
		return types.TextType
	case ast.Duration:
		if !c.duration(l) {
			return types.InvalidType
		}
		return types.DurationType
	case ast.Date:
		return types.DateType
	case ast.DateTime:
		return types.DateTimeType
	case ast.Clock:
		return types.TimeType
	case ast.Bool:
		return types.BoolType
	}
	return types.NullType
}

// duration reports a duration literal longer than the longest duration,
// and returns whether it is in range.
func (c *checker) duration(l *ast.BasicLit) bool {
	if _, err := literal.Duration(l.Raw); errors.Is(err, literal.ErrRange) {
		c.diags.Errorf(l.Pos(), l.End(), diag.EBadValue, "duration %s is out of range", shorten(l.Raw)).Hint =
			fmt.Sprintf("a duration is at most %dd, about 10,000 years", literal.MaxDuration/86400)
		return false
	}
	return true
}

// shorten cuts a long literal for a message.
func shorten(raw string) string {
	if len(raw) > 24 {
		return raw[:20] + "..." + fmt.Sprintf(" (%d characters)", len(raw))
	}
	return raw
}

// fieldsOf returns the entity whose fields a value of type t has, or nil.
func (c *checker) fieldsOf(t *types.Type) *types.EntityDef {
	if t.Kind == types.Entity {
		return c.schema.Entities[t.Entity]
	}
	return nil
}

func (c *checker) selector(e *ast.SelectorExpr, en *env) *types.Type {
	xt := c.expr(e.X, en)
	name := e.Sel.Name
	switch xt.Kind {
	case types.Invalid:
		return types.InvalidType
	case types.Record:
		if f := xt.Field(name); f != nil {
			c.info.Uses[e.Sel] = f
			return f.Type
		}
		var names []string
		for _, f := range xt.Fields {
			names = append(names, f.Name)
		}
		hintName(c.diags.Errorf(e.Sel.Pos(), e.Sel.End(), diag.EUnknownField, "%s has no field %q", xt, name),
			name, names, e.Sel.Pos(), e.Sel.End(), "its fields are "+joinNames(names))
		return types.InvalidType
	case types.Entity:
		ent := c.fieldsOf(xt)
		if f := ent.Lookup(name); f != nil {
			c.info.Uses[e.Sel] = f
			if f.Type.Kind == types.Stage {
				return &types.Type{Kind: types.Stage, Entity: ent.Name}
			}
			return f.Type
		}
		if c.brokenField(ent.Name, name) {
			return types.InvalidType // its declaration is the error
		}
		otherwise := "declare it: field " + ent.Name + "." + name + ": TYPE"
		if ent.Name == "client" {
			// The client is a contact or a company, not an entity of its
			// own: its fields are declared on those.
			otherwise = "the client (the contact, or else the company) has the fields " + joinNames(keys(ent.Fields)) +
				"; a company client's name is its title; for other fields write contact.NAME or company.NAME"
		}
		hintName(c.diags.Errorf(e.Sel.Pos(), e.Sel.End(), diag.EUnknownField, "unknown field %q of %s", name, ent.Name),
			name, append(keys(ent.Fields), c.brokenNames(ent.Name)...), e.Sel.Pos(), e.Sel.End(), otherwise)
		return types.InvalidType
	}
	c.diags.Errorf(e.Sel.Pos(), e.Sel.End(), diag.ENoFields, "%s is %s, which has no fields", exprString(e.X), an(xt))
	return types.InvalidType
}

// typeSel checks x[type]: one e-mail address or phone number of a type.
func (c *checker) typeSel(e *ast.TypeSelExpr, en *env) *types.Type {
	xt := c.expr(e.X, en)
	sel := e.Type.Name
	var kinds []string
	switch {
	case xt.Kind == types.Invalid:
		return types.InvalidType
	case xt.Kind == types.Email && xt.Multi:
		kinds = types.EmailKinds
	case xt.Kind == types.Phone && xt.Multi:
		kinds = types.PhoneKinds
	default:
		c.diags.Errorf(e.Lbrack, e.End(), diag.EBadSelector, "%s is %s; [%s] picks a value of an e-mail or phone field", exprString(e.X), an(xt), sel)
		return types.InvalidType
	}
	if sel == "auto" || contains(kinds, sel) {
		return xt.Single()
	}
	other := types.PhoneKinds
	otherKind, kind := "phone", "e-mail"
	if xt.Kind == types.Phone {
		other, otherKind, kind = types.EmailKinds, "e-mail", "phone"
	}
	if contains(other, sel) {
		c.diags.Errorf(e.Type.Pos(), e.Type.End(), diag.EBadSelector, "%s is %s type, but %s is %s field", sel, an(otherKind), exprString(e.X), an(kind)).Hint =
			kind + " types are " + joinNames(kinds) + " and auto"
		return types.InvalidType
	}
	hintName(c.diags.Errorf(e.Type.Pos(), e.Type.End(), diag.EUnknownSelector, "unknown %s type %q", kind, sel),
		sel, append(kinds, "auto"), e.Type.Pos(), e.Type.End(), kind+" types are "+joinNames(kinds)+" and auto")
	return types.InvalidType
}

func (c *checker) call(e *ast.CallExpr, en *env) *types.Type {
	f := c.u.funcs[e.Fun.Name]
	args := make([]*types.Type, len(e.Args))
	valid := true
	for i, a := range e.Args {
		args[i] = c.expr(a, en)
		valid = valid && args[i].Kind != types.Invalid
	}
	if f != nil {
		c.info.Uses[e.Fun] = f
	}
	if f == nil {
		hintName(c.diags.Errorf(e.Fun.Pos(), e.Fun.End(), diag.EUnknownFunc, "unknown function %q", e.Fun.Name),
			e.Fun.Name, keys(c.u.funcs), e.Fun.Pos(), e.Fun.End(), "functions are "+joinNames(keys(c.u.funcs)))
		return types.InvalidType
	}
	if f.Arity >= 0 && len(args) != f.Arity {
		c.diags.Errorf(e.Pos(), e.End(), diag.EBadCall, "%s takes %d argument(s), not %d", f.Name, f.Arity, len(args))
		return types.InvalidType
	}
	if !valid {
		return types.InvalidType
	}
	for i, a := range args {
		if a.Kind == types.Null {
			c.diags.Errorf(e.Args[i].Pos(), e.Args[i].End(), diag.EBadCall, "%s of null is always null", f.Name)
			return types.InvalidType
		}
	}
	t, msg := f.Check(args)
	if msg != "" {
		c.diags.Errorf(e.Pos(), e.End(), diag.EBadCall, "%s", msg)
		return types.InvalidType
	}
	return t
}

func (c *checker) unary(e *ast.UnaryExpr, en *env) *types.Type {
	t := c.expr(e.X, en)
	if t.Kind == types.Invalid {
		return t
	}
	return c.operator(e, e.Op, t)
}

// isDocument reports whether t is a result that is also a file (a created
// document: R-DOCUMENT's record with its file).
func isDocument(t *types.Type) bool { return t.Kind == types.Record && t.Field("file") != nil }

// testFile reports whether a text is given where a test takes a file (a
// file field's value, an e-mail's attach): a test names files by their
// names or links, as the API gives a file field a text.
func testFile(t, want *types.Type, en *env) bool {
	if en.rule != nil || en.entity != "" {
		return false
	}
	for t.Kind == types.List && want.Kind == types.List {
		t, want = t.Elem, want.Elem
	}
	return t.Kind == types.Text && want.Kind == types.File
}

func (c *checker) list(e *ast.ListExpr, en *env) *types.Type {
	var elem *types.Type
	for _, x := range e.Elems {
		t := c.expr(x, en)
		switch {
		case t.Kind == types.Invalid:
			return types.InvalidType
		case elem == nil || elem.Kind == types.Null || elem.Untyped && t.Kind == types.Money:
			elem = t
		case isDocument(elem) && t.Kind == types.File || elem.Kind == types.File && isDocument(t):
			elem = types.FileType // attach [doc, deal.contract]: a document is its file
		case !types.AssignableTo(t, elem):
			c.diags.Errorf(x.Pos(), x.End(), diag.EMismatch, "list elements mix %s and %s", elem, t)
			return types.InvalidType
		}
	}
	if elem == nil {
		elem = types.NullType
	}
	return types.ListOf(elem)
}

// member resolves a bare name or string against a stage or enum type:
// deal.stage == Lost, deal.category == "Express". ok is false when x is not
// such a literal.
func (c *checker) member(x ast.Expr, want *types.Type, en *env) (ok bool) {
	var name string
	switch x := x.(type) {
	case *ast.Ident:
		if obj, _ := c.resolve(x.Name, en); obj != nil {
			return false
		}
		name = x.Name
	case *ast.BasicLit:
		if x.Kind != ast.String || x.IsTemplate() {
			return false
		}
		name = x.Value
	default:
		return false
	}
	var members []string
	switch want.Kind {
	case types.Stage:
		for _, p := range c.schema.PipelinesOf(want.Entity) {
			for _, s := range p.Stages {
				if s.Name == name {
					if id, isID := x.(*ast.Ident); isID {
						c.info.Uses[id] = s
					}
					c.record(x, want)
					return true
				}
				members = append(members, s.Name)
			}
		}
	case types.Enum:
		if contains(want.Values, name) {
			c.record(x, want)
			return true
		}
		members = want.Values
	default:
		return false
	}
	kind := "stage of " + want.Entity
	if want.Kind == types.Enum {
		kind = "value of " + want.String()
	}
	c.record(x, types.InvalidType)
	if len(members) == 0 && c.brokenPipeline {
		return true // the pipeline that did not parse is reported
	}
	otherwise := "choose one of " + joinNames(quoteAll(members))
	if len(members) == 0 {
		otherwise = "no " + want.Entity + " pipeline is declared: pipeline " + want.Entity + " NAME { stage ... }"
	}
	spell := spellName // as written: a bare name stays bare where it can
	if _, isID := x.(*ast.Ident); !isID {
		spell = strconv.Quote
	}
	hintSpelled(c.diags.Errorf(x.Pos(), x.End(), diag.EBadMember, "%q is not %s", name, an(kind)),
		name, members, x.Pos(), x.End(), otherwise, spell)
	return true
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quote(s)
	}
	return out
}

func isMemberType(t *types.Type) bool { return t.Kind == types.Stage || t.Kind == types.Enum }

func (c *checker) binary(e *ast.BinaryExpr, en *env) *types.Type {
	switch e.Op {
	case "and", "or":
		x, y := c.expr(e.X, en), c.expr(e.Y, en)
		for _, side := range []struct {
			t *types.Type
			e ast.Expr
		}{{x, e.X}, {y, e.Y}} {
			if side.t.Kind != types.Bool && side.t.Kind != types.Invalid && side.t.Kind != types.Null {
				c.diags.Errorf(side.e.Pos(), side.e.End(), diag.ENotBool, "%s needs bool operands; %s is %s", e.Op, exprString(side.e), an(side.t))
				return types.InvalidType
			}
		}
		if x.Kind == types.Invalid || y.Kind == types.Invalid {
			return types.InvalidType
		}
		return c.operator(e, e.Op, x, y)
	case "in", "not in":
		return c.membership(e, en)
	}
	// The left side first; a bare name on either side may be a stage or enum member.
	var x, y *types.Type
	if id, ok := e.X.(*ast.Ident); ok && (e.Op == "==" || e.Op == "!=") {
		if obj, _ := c.resolve(id.Name, en); obj == nil {
			y = c.expr(e.Y, en)
			if isMemberType(y) && c.member(e.X, y, en) {
				return c.operator(e, e.Op, y, y)
			}
			x = c.expr(e.X, en)
		}
	}
	if x == nil {
		x = c.expr(e.X, en)
		if (e.Op == "==" || e.Op == "!=") && isMemberType(x) && c.member(e.Y, x, en) {
			return c.operator(e, e.Op, x, x)
		}
		if (e.Op == "<" || e.Op == ">" || e.Op == "<=" || e.Op == ">=") && x.Kind == types.Stage && c.member(e.Y, x, en) {
			// deal.stage > Offer: the stage is found, and stages do not order.
			if c.info.Types[e.Y].Kind == types.Invalid {
				return types.InvalidType
			}
			return c.operator(e, e.Op, x, x)
		}
		y = c.expr(e.Y, en)
	}
	if x.Kind == types.Invalid || y.Kind == types.Invalid {
		return types.InvalidType
	}
	return c.operator(e, e.Op, x, y)
}

// operator types x op y (or op x) from the table of operators, recording the
// overload it resolves to; a mismatch is an error.
func (c *checker) operator(e ast.Expr, sym string, args ...*types.Type) *types.Type {
	op, ok := ops.Binary(sym)
	if len(args) == 1 {
		op, ok = ops.Unary(sym)
	}
	var ov *ops.Overload
	var t *types.Type
	if ok {
		ov, t = ops.Resolve(op, args...)
	}
	switch e := e.(type) {
	case *ast.UnaryExpr:
		if ov == nil {
			c.diags.Errorf(e.OpPos, e.End(), diag.EBadOperand, "operator %s does not apply to %s", e.Op, args[0])
			return types.InvalidType
		}
	case *ast.BinaryExpr:
		if ov == nil {
			d := c.diags.Errorf(e.OpPos, e.OpPos+tokenPos(len(e.Op)), diag.EMismatch, "mismatched types: %s %s %s", args[0], e.Op, args[1])
			d.Hint = mismatchHint(args[0], args[1])
			if clock := dottedClock(e.Y); clock != "" && (e.Op == "+" || e.Op == "-") && (args[0].Kind == types.Date || args[0].Kind == types.DateTime) {
				// tomorrow + 14.00: a time of day written with a dot.
				d.Hint = "a time of day is written with a colon: " + clock
				d.Replace(e.Y.Pos(), e.Y.End(), clock)
			}
			return types.InvalidType
		}
		if ov.ID == ops.AddDateDuration || ov.ID == ops.SubDateDuration {
			c.wholeDays(e)
		}
	}
	c.info.Overloads[e] = ov
	return t
}

// wholeDays reports a literal duration with hours, minutes or seconds that
// moves a date: the result is a date, so they would be lost.
func (c *checker) wholeDays(e *ast.BinaryExpr) {
	y := e.Y
	for p, ok := y.(*ast.ParenExpr); ok; p, ok = y.(*ast.ParenExpr) {
		y = p.X
	}
	lit, ok := y.(*ast.BasicLit)
	if !ok || lit.Kind != ast.Duration {
		return
	}
	if secs, err := literal.Duration(lit.Raw); err == nil && secs%86400 != 0 {
		c.diags.Errorf(y.Pos(), y.End(), diag.EBadValue, "a date moves by whole days, and %s is not whole days", lit.Raw).Hint =
			fmt.Sprintf("for a datetime, give the date a time of day first: %s + 00:00 %s %s", exprString(e.X), e.Op, lit.Raw)
	}
}

// dottedClock is the time of day a number literal like 14.00 or 9.30
// stands for, written as the language writes it (14:00), or "".
func dottedClock(e ast.Expr) string {
	l, ok := ast.Unparen(e).(*ast.BasicLit)
	if !ok || l.Kind != ast.Number {
		return ""
	}
	h, m, ok := strings.Cut(l.Raw, ".")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return ""
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh > 23 || mm > 59 {
		return ""
	}
	return fmt.Sprintf("%02d:%s", hh, m)
}

func mismatchHint(x, y *types.Type) string {
	if (x.Kind == types.Money && y.Kind == types.Text) || (x.Kind == types.Text && y.Kind == types.Money) {
		return "money compares with money or a number, such as 1000"
	}
	if (x.Kind == types.Date && y.Kind == types.DateTime) || (x.Kind == types.DateTime && y.Kind == types.Date) {
		return "use date(x) to compare a datetime with a date"
	}
	if x.Kind == types.Stage && y.Kind == types.Stage {
		return "stages do not order: compare them with == or !=, or list them: deal.stage in [A, B]"
	}
	return ""
}

func (c *checker) membership(e *ast.BinaryExpr, en *env) *types.Type {
	x := c.expr(e.X, en)
	switch y := e.Y.(type) {
	case *ast.RangeExpr:
		lo, hi := c.expr(y.Lo, en), c.expr(y.Hi, en)
		c.record(y, types.ListOf(lo))
		if x.Kind == types.Invalid || lo.Kind == types.Invalid || hi.Kind == types.Invalid {
			return types.InvalidType
		}
		op := ops.InRange
		if e.Op == "not in" {
			op = ops.NotInRange
		}
		ov, t := ops.Resolve(op, x, lo, hi)
		if ov == nil {
			c.diags.Errorf(e.OpPos, e.End(), diag.EMismatch, "mismatched types: %s %s %s..%s", x, e.Op, lo, hi).Hint = mismatchHint(x, lo)
			return types.InvalidType
		}
		c.info.Overloads[e] = ov
		return t
	case *ast.ListExpr:
		if isMemberType(x) {
			valid := true
			for _, el := range y.Elems {
				if !c.member(el, x, en) {
					t := c.expr(el, en)
					if t.Kind != types.Invalid && !types.AssignableTo(t, x) {
						c.diags.Errorf(el.Pos(), el.End(), diag.EMismatch, "%s is %s, not %s", exprString(el), an(t), an(x))
					}
					valid = valid && t.Kind != types.Invalid && types.AssignableTo(t, x)
				} else {
					valid = valid && c.info.Types[el].Kind != types.Invalid
				}
			}
			if !valid {
				c.record(y, types.InvalidType)
				return types.InvalidType
			}
			c.record(y, types.ListOf(x))
			return c.operator(e, e.Op, x, types.ListOf(x))
		}
	}
	lt := c.expr(e.Y, en)
	if x.Kind == types.Invalid || lt.Kind == types.Invalid {
		return types.InvalidType
	}
	if lt.Kind != types.List && !lt.Multi {
		c.diags.Errorf(e.Y.Pos(), e.Y.End(), diag.EMismatch, "%s needs a list or a range lo..hi on its right, not %s", e.Op, an(lt)).Hint =
			"to find a text in a text, use contains(text, part)"
		return types.InvalidType
	}
	elem := lt.Elem
	if lt.Multi {
		elem = lt.Single()
	}
	op, _ := ops.Binary(e.Op)
	ov, t := ops.Resolve(op, x, lt)
	if ov == nil {
		c.diags.Errorf(e.OpPos, e.End(), diag.EMismatch, "mismatched types: %s %s list of %s", x, e.Op, elem)
		return types.InvalidType
	}
	c.info.Overloads[e] = ov
	return t
}

// exprString renders a short expression for messages.
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.TypeSelExpr:
		return exprString(e.X) + "[" + e.Type.Name + "]"
	case *ast.BasicLit:
		return e.Raw
	case *ast.ParenExpr:
		return "(" + exprString(e.X) + ")"
	case *ast.CallExpr:
		return e.Fun.Name + "(...)"
	}
	return "the expression"
}

type tokenPos = tk.Pos
