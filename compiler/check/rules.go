package check

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones known without the system's database
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/literal"
	"github.com/stagecraft/stagecraft/lang/token"
)

// resolveResources checks resource settings once every resource is known, so
// an employee's supervisor may be declared after the employee.
func (c *checker) resolveResources() {
	en := &env{}
	for _, d := range c.resourceDecls {
		kind := c.u.resources[d.Kind.Name]
		r := c.schema.Resources[d.Name.Name]
		if kind.Name == "action" {
			r.Action = c.customAction(d)
			continue
		}
		c.settings(d.Settings, kind.Settings, en, kind.Name+" "+d.Name.Name, func(s *ast.Setting, decl *types.Setting) {
			if l, ok := s.Value.(*ast.BasicLit); ok {
				r.Settings[decl.Name] = l.Value
			} else if id, ok := s.Value.(*ast.Ident); ok {
				r.Settings[decl.Name] = id.Name
			}
			if kind.Name == "calendar" {
				c.calendarSetting(s)
			}
		})
	}
}

// calendarSetting checks what a calendar's settings mean beyond their
// types: a time zone the time zone database knows, and hours that are an
// opening before a closing (the engine refuses any other calendar).
func (c *checker) calendarSetting(s *ast.Setting) {
	switch s.Key.Name {
	case "timezone":
		l, ok := s.Value.(*ast.BasicLit)
		if !ok {
			return
		}
		if _, err := time.LoadLocation(l.Value); err != nil || l.Value == "" || l.Value == "Local" {
			c.diags.Errorf(s.Value.Pos(), s.Value.End(), diag.EBadValue, "unknown time zone %q", l.Value).Hint =
				`write an IANA time zone, e.g. "Europe/Warsaw"`
		}
	case "hours":
		list, ok := s.Value.(*ast.ListExpr)
		if !ok {
			return
		}
		if len(list.Elems) != 2 {
			c.diags.Errorf(s.Value.Pos(), s.Value.End(), diag.EBadValue, "hours are an opening and a closing time; this gives %d", len(list.Elems)).Hint =
				"write hours [09:00, 17:00]"
			return
		}
		open, ok1 := list.Elems[0].(*ast.BasicLit)
		closing, ok2 := list.Elems[1].(*ast.BasicLit)
		if !ok1 || !ok2 || open.Kind != ast.Clock || closing.Kind != ast.Clock {
			return
		}
		o, err1 := literal.Clock(open.Value)
		cl, err2 := literal.Clock(closing.Value)
		if err1 == nil && err2 == nil && o >= cl {
			c.diags.Errorf(s.Value.Pos(), s.Value.End(), diag.EBadValue, "the opening %s is not before the closing %s", open.Value, closing.Value)
		}
	}
}

// stageRef resolves a stage reference written as one and records its names.
func (c *checker) stageRef(ref *ast.StageRef, entity string) *types.StageDef {
	s := c.stage(ref, entity)
	if s != nil {
		c.info.Uses[ref.Stage] = s
		if ref.Pipeline != nil {
			c.info.Uses[ref.Pipeline] = s.Pipeline
		}
	}
	return s
}

// useName records what a name written as a value (an identifier, not a
// string) refers to.
func (c *checker) useName(v ast.Expr, obj types.Object) {
	if id, ok := v.(*ast.Ident); ok && obj != nil {
		c.info.Uses[id] = obj
	}
}

// stage resolves a stage reference, Dostawa or Sales.Dostawa.
func (c *checker) stage(ref *ast.StageRef, entity string) *types.StageDef {
	var cbuf [4]*types.Pipeline // a stage is looked up for every rule: no allocation for a few pipelines
	candidates := cbuf[:0]
	if ref.Pipeline != nil {
		for _, p := range c.schema.Pipelines {
			if p.Name == ref.Pipeline.Value && (entity == "" || p.Entity == entity) {
				candidates = append(candidates, p)
			}
		}
		if len(candidates) == 0 {
			var names []string
			for _, p := range c.schema.Pipelines {
				names = append(names, p.Name)
			}
			hintStage(c.diags.Errorf(ref.Pipeline.Pos(), ref.Pipeline.End(), diag.EUnknownPipeline, "unknown pipeline %q", ref.Pipeline.Value),
				ref.Pipeline.Value, names, ref.Pipeline.Pos(), ref.Pipeline.End(), "")
			return nil
		}
	} else {
		for _, p := range c.schema.Pipelines {
			if entity == "" || p.Entity == entity {
				candidates = append(candidates, p)
			}
		}
	}
	var buf [2]*types.StageDef
	found := buf[:0]
	for _, p := range candidates {
		for _, s := range p.Stages {
			if s.Name == ref.Stage.Value {
				found = append(found, s)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0]
	case 0:
		var names []string // what a stage of the name could be, for the hint
		for _, p := range candidates {
			for _, s := range p.Stages {
				names = append(names, s.Name)
			}
		}
		if suggest(ref.Stage.Value, names) == "" && c.brokenPipeline {
			// A pipeline that did not parse may declare it: that error
			// is reported, and this one would follow from it.
			return nil
		}
		hintStage(c.diags.Errorf(ref.Stage.Pos(), ref.Stage.End(), diag.EUnknownStage, "unknown stage %q", ref.Stage.Value),
			ref.Stage.Value, names, ref.Stage.Pos(), ref.Stage.End(), "declare it in a pipeline: stage "+ref.Stage.Raw)
		return nil
	}
	where := ""
	for i, s := range found {
		if i > 0 {
			where += " and "
		}
		where += s.Pipeline.Entity + " pipeline " + quote(s.Pipeline.Name)
	}
	c.diags.Errorf(ref.Stage.Pos(), ref.Stage.End(), diag.EAmbiguousStage, "stage %q is in %s", ref.Stage.Value, where).Hint =
		"name the pipeline: " + found[0].Pipeline.Name + "." + ref.Stage.Raw
	return nil
}

func (c *checker) rule(d *ast.RuleDecl) {
	label := c.claimLabel(d.Label, "rule")
	st := c.stageRef(d.Stage, "")
	if st == nil {
		return // without its stage, nothing in the rule has a meaning to check
	}
	r := &Rule{Decl: d, Stage: st, file: c.file}
	r.head = r
	c.info.Rules = append(c.info.Rules, r)
	if d.Then.IsValid() {
		r.Previous = c.lastRule[st]
		if r.Previous == nil {
			if !c.brokenLast[st] { // after a rule that did not parse, this would follow from its error
				c.diags.Errorf(d.Then, d.Then+4, diag.ENoPrevious, "then: no earlier rule on stage %q in this file", st.Name).Hint =
					"remove then, or move this rule after the rule it should follow"
			}
		} else {
			r.head, r.depth = r.Previous.head, r.Previous.depth+1
		}
	}
	r.Ident = c.ruleIdent(r, label)
	c.lastRule[st] = r
	delete(c.brokenLast, st)
	// Names set by earlier rules of the same chain are in scope; those set
	// by other rules of the stage are pending: using one is an error that
	// says why. Both are looked up in the one map of the stage's names.
	en := &env{entity: st.Pipeline.Entity, rule: r, bound: c.bound[st]}
	if d.Timing != nil {
		c.timing(d.Timing, en)
	}
	if d.Cond != nil {
		if why := c.condition(d.Cond, en); why != "" {
			c.diags.Warnf(d.Cond.Pos(), d.Cond.End(), diag.WUnreachable, "this rule can never run: %s", why).Hint =
				"check the comparisons; remove the rule if it is not needed"
		}
	}
	switch a := d.Action.(type) {
	case *ast.LetAction:
		c.let(r, a, en)
	case *ast.UpdateAction:
		c.update(a, en)
	case *ast.CallAction:
		c.callAction(r, a, en)
	}
	if r.Binds != nil {
		if c.bound[st] == nil {
			c.bound[st] = map[string]*Rule{}
		}
		c.bound[st][r.Binds.Name] = r
		c.exports = append(c.exports, binding{st, r.Binds.Name, r})
		c.vars = append(c.vars, r.Binds)
	}
}

// badRule notes a rule that did not parse (its error is reported): a
// then rule after it on its stage is not told that no rule comes before.
func (c *checker) badRule(d *ast.BadDecl) {
	if d.Stage == nil || c.brokenLast == nil {
		return
	}
	var found *types.StageDef
	for _, p := range c.schema.Pipelines {
		if d.Stage.Pipeline != nil && p.Name != d.Stage.Pipeline.Value {
			continue
		}
		if s := p.Lookup(d.Stage.Stage.Value); s != nil {
			if found != nil {
				return // ambiguous: nothing to say
			}
			found = s
		}
	}
	if found != nil {
		c.brokenLast[found] = true
	}
}

// condition checks an if, and returns why it can never be true ("" when
// it may be, or when it is not a valid bool: that is reported).
func (c *checker) condition(e ast.Expr, en *env) string {
	t := c.expr(e, en)
	if t.Kind != types.Bool && t.Kind != types.Invalid {
		c.diags.Errorf(e.Pos(), e.End(), diag.ENotBool, "the condition is %s, not a bool", an(t))
	}
	if t.Kind != types.Bool {
		return ""
	}
	return neverTrue(e)
}

func (c *checker) timing(t *ast.Timing, en *env) {
	if t.After != nil {
		c.duration(t.After)
	}
	if t.At != nil {
		switch k := c.expr(t.At, en).Kind; k {
		case types.Date, types.DateTime, types.Time, types.Invalid:
		default:
			c.diags.Errorf(t.At.Pos(), t.At.End(), diag.EBadTiming, "at needs a date, a datetime or a time of day, not %s", an(k)).Hint =
				"for example: at tomorrow + 14:00, at deal.close_date - 1d, at 09:00"
		}
	}
	seen := map[string]bool{}
	for _, o := range t.Options {
		switch {
		case o.Name != "worktime" && o.Name != "keep":
			hintName(c.diags.Errorf(o.Pos(), o.End(), diag.ESyntax, "unexpected %q after the delay", o.Name),
				o.Name, timingOptions, o.Pos(), o.End(), "only worktime and keep may follow a delay")
		case seen[o.Name]:
			c.diags.Errorf(o.Pos(), o.End(), diag.EDuplicate, "%s is given twice", o.Name)
		case o.Name == "worktime" && c.calendar == nil:
			c.diags.Errorf(o.Pos(), o.End(), diag.EMissingSetting, "worktime needs the workspace calendar").Hint =
				`declare one: calendar work { timezone "Europe/Warsaw" }`
		}
		seen[o.Name] = true
	}
}

// timingOptions may follow a rule's delay: worktime (M-WORKTIME) and keep
// (the wait goes on when the item leaves the stage; M-DELAY).
var timingOptions = []string{"worktime", "keep"}

// bind declares a rule's variable or result.
func (c *checker) bind(r *Rule, id *ast.Ident, t *types.Type, en *env) {
	if obj, _ := c.resolve(id.Name, &env{entity: en.entity}); obj != nil || en.visible(id.Name) != nil || contains(scopeWords, id.Name) {
		c.diags.Errorf(id.Pos(), id.End(), diag.EDuplicate, "%q is already a name here; choose another", id.Name)
		return
	}
	if b := c.boundBy(r.Stage, id.Name); b != nil {
		c.diags.Errorf(id.Pos(), id.End(), diag.EDuplicate, "%q is already set by the rule at line %d of stage %q", id.Name,
			c.fset.Position(b.Decl.Pos()).Line, r.Stage.Name)
		return
	}
	r.Binds = &types.Var{Name: id.Name, Type: t, Pos: id.Pos()}
	c.info.Defs[id] = r.Binds
}

func (c *checker) let(r *Rule, a *ast.LetAction, en *env) {
	t := c.expr(a.Value, en)
	switch {
	case t.Kind == types.Invalid:
	case t.Kind == types.Null:
		c.diags.Errorf(a.Value.Pos(), a.Value.End(), diag.EBadOperand, "a variable cannot be set to null alone; its type would be unknown")
	case a.Calc && !calcKind(t.Kind):
		c.diags.Errorf(a.Value.Pos(), a.Value.End(), diag.EBadOperand, "calc computes a number, money, date, datetime or duration, not %s", an(t)).Hint =
			"use let to set a variable of any type"
	}
	if t.Untyped {
		t = types.NumberType
	}
	c.bind(r, a.Name, t, en)
}

func calcKind(k types.Kind) bool {
	switch k {
	case types.Number, types.Money, types.Date, types.DateTime, types.Duration:
		return true
	}
	return false
}

func (c *checker) update(a *ast.UpdateAction, en *env) {
	sel, ok := a.Field.(*ast.SelectorExpr)
	ft := c.expr(a.Field, en)
	var f *types.Field
	if ok {
		f, _ = c.info.Uses[sel.Sel].(*types.Field)
	}
	if f != nil && f.ReadOnly && f.Name == "stage" {
		// update deal.stage = Lost: the value is a stage's name, which
		// is no name an expression knows; the move is what is wrong,
		// said once, not the name as well.
		c.diags.Errorf(sel.Sel.Pos(), sel.Sel.End(), diag.EBadUpdate, "%s is set by the CRM and cannot be updated", exprString(a.Field)).Hint =
			"stages change by triggers (move to stage ...) and by users"
		return
	}
	vt := c.expr(a.Value, en)
	if !ok || ft.Kind == types.Invalid {
		if !ok {
			c.diags.Errorf(a.Field.Pos(), a.Field.End(), diag.EBadUpdate, "update sets a field, like deal.comments")
		}
		return
	}
	owner := c.info.Types[sel.X]
	if owner == nil || owner.Kind != types.Entity || f == nil || owner.Entity == "client" {
		c.diags.Errorf(a.Field.Pos(), a.Field.End(), diag.EBadUpdate, "update sets a field of the item, its contact or its company, not %s", exprString(a.Field))
		return
	}
	if f.ReadOnly {
		c.diags.Errorf(sel.Sel.Pos(), sel.Sel.End(), diag.EBadUpdate, "%s is set by the CRM and cannot be updated", exprString(a.Field))
		return
	}
	if vt.Kind != types.Invalid && !types.AssignableTo(vt, ft) {
		c.diags.Errorf(a.Value.Pos(), a.Value.End(), diag.EMismatch, "cannot set %s (%s) to %s", exprString(a.Field), ft, an(vt))
		return
	}
	if ft.Kind == types.Enum {
		c.member(a.Value, ft, en)
	}
}

func (c *checker) callAction(r *Rule, a *ast.CallAction, en *env) {
	name := a.Verb.Name + " " + a.Object.Name
	decl := c.u.actions[name]
	if a.Verb.Name == c.u.Lib.RunVerb {
		res := c.schema.Resources[a.Object.Name]
		if res == nil || res.Kind != "action" {
			var names []string
			for n, x := range c.schema.Resources {
				if x.Kind == "action" {
					names = append(names, n)
				}
			}
			hintName(c.diags.Errorf(a.Object.Pos(), a.Object.End(), diag.EUnknownAction, "unknown custom action %q", a.Object.Name),
				a.Object.Name, names, a.Object.Pos(), a.Object.End(), "declare it: action "+a.Object.Name+` "module.wasm" { input NAME: TYPE }`)
			return
		}
		c.info.Uses[a.Verb], c.info.Uses[a.Object] = res, res
		r.Custom, decl = res, res.Action
		if !c.info.Custom[res.Name].Valid() { // custom.go: its module is reported at the declaration
			c.brokenCustom(r, a, en)
			return
		}
	}
	if decl == nil {
		var names []string
		for _, x := range c.u.Lib.Actions {
			names = append(names, x.Name())
		}
		hintName(c.diags.Errorf(a.Verb.Pos(), a.Object.End(), diag.EUnknownAction, "unknown action %q", name),
			name, names, a.Verb.Pos(), a.Object.End(), "actions are "+joinNames(names)+", run NAME, let, calc and update")
		return
	}
	r.Action = decl
	if r.Custom == nil {
		c.info.Uses[a.Verb], c.info.Uses[a.Object] = decl, decl
	}
	if len(decl.Entities) > 0 && !contains(decl.Entities, en.entity) {
		c.diags.Errorf(a.Verb.Pos(), a.Object.End(), diag.EWrongEntity, "%s works on %s stages, not on %s stages (rule on %q)",
			name, joinNames(decl.Entities), en.entity, r.Stage.Name)
	}
	c.target(decl, a, en)
	given := c.settings(a.Settings, decl.Settings, en, name, nil)
	for _, s := range decl.Settings {
		if s.Required && given.get(s.Name) == nil {
			c.diags.Errorf(a.Verb.Pos(), a.Object.End(), diag.EMissingSetting, "%s needs the setting %s (%s)", name, s.Name, s.Doc)
		}
	}
	for _, group := range decl.OneOf {
		var set []string
		for _, g := range group {
			if given.get(g) != nil {
				set = append(set, g)
			}
		}
		if len(set) != 1 {
			c.diags.Errorf(a.Verb.Pos(), a.Object.End(), diag.EConflict, "%s needs exactly one of %s; %d given", name, joinNames(group), len(set))
		}
	}
	if decl.Setting("provider") != nil && given.get("provider") == nil {
		c.defaultProvider(a)
	}
	if a.Result != nil {
		if decl.Result == nil {
			c.diags.Errorf(a.Result.Pos(), a.Result.End(), diag.EBadTarget, "%s has no result to name", name)
		} else {
			c.bind(r, a.Result, decl.Result, en)
		}
	}
}

func (c *checker) defaultProvider(a *ast.CallAction) {
	var names []string
	for n, r := range c.schema.Resources {
		if r.Kind == "provider" {
			names = append(names, n)
		}
	}
	switch len(names) {
	case 1:
	case 0:
		c.diags.Errorf(a.Verb.Pos(), a.Object.End(), diag.EMissingSetting, "send sms needs an SMS provider, and none is declared").Hint =
			`declare one: provider smsapi "SMSAPI"`
	default:
		c.diags.Errorf(a.Verb.Pos(), a.Object.End(), diag.EMissingSetting, "%d SMS providers are declared; name one with provider", len(names)).Hint =
			"providers: " + joinNames(sorted(names))
	}
}

func (c *checker) target(decl *types.ActionDecl, a *ast.CallAction, en *env) {
	name := decl.Name()
	if a.Target == nil {
		if decl.TargetRequired {
			c.diags.Errorf(a.Verb.Pos(), a.Object.End(), diag.EMissingSetting, "%s needs to WHOM", name)
		}
		return
	}
	if decl.Target == types.NoTarget {
		c.diags.Errorf(a.Target.Pos(), a.Target.End(), diag.EBadTarget, "%s takes no to", name)
		return
	}
	if id, ok := a.Target.(*ast.Ident); ok && decl.Target == types.UserTarget {
		if obj, _ := c.resolve(id.Name, en); obj == nil {
			c.resourceValue(id, "employee", en) // an unknown employee: E105, as any resource
			return
		}
	}
	t := c.expr(a.Target, en)
	want := map[types.TargetKind]*types.Type{types.EmailTarget: types.EmailType, types.PhoneTarget: types.PhoneType, types.UserTarget: types.UserType}[decl.Target]
	if t.Kind != types.Invalid && !types.AssignableTo(t, want) {
		hint := map[types.TargetKind]string{types.EmailTarget: "for example: to client.email[work]", types.PhoneTarget: "for example: to contact.phone[mobile]",
			types.UserTarget: "for example: to responsible.supervisor, or an employee's name"}[decl.Target]
		c.diags.Errorf(a.Target.Pos(), a.Target.End(), diag.EBadTarget, "%s sends to %s, and %s is %s", name, want, exprString(a.Target), an(t)).Hint = hint
	}
}

// settings checks `key value` settings against their declarations and
// returns the ones given. each, when set, sees every valid setting.
func (c *checker) settings(given []*ast.Setting, decls []*types.Setting, en *env, owner string,
	each func(*ast.Setting, *types.Setting)) givenSettings {
	out := make(givenSettings, 0, len(given))
	var meant map[string]*ast.Setting // misspelled settings, by the name they likely mean
	for _, s := range given {
		var decl *types.Setting
		for _, d := range decls {
			if d.Name == s.Key.Name {
				decl = d
			}
		}
		if decl == nil {
			r := c.diags.Errorf(s.Key.Pos(), s.Key.End(), diag.EUnknownSetting, "unknown setting %q of %s", s.Key.Name, owner)
			if hintName(r, s.Key.Name, types.Names(decls), s.Key.Pos(), s.Key.End(), settingList(decls)) {
				if meant == nil {
					meant = map[string]*ast.Setting{}
				}
				meant[suggest(s.Key.Name, types.Names(decls))] = s
			}
			continue
		}
		if out.get(s.Key.Name) != nil {
			c.diags.Errorf(s.Key.Pos(), s.Key.End(), diag.EDuplicateSet, "setting %s is given twice", s.Key.Name)
			continue
		}
		out = append(out, namedSetting{s.Key.Name, s})
		c.info.Uses[s.Key] = decl
		if s.Name != nil {
			c.diags.Errorf(s.Name.Pos(), s.Name.End(), diag.ESyntax, "unexpected %q: write %s VALUE", s.Name.Name, s.Key.Name)
			continue
		}
		if c.value(s.Value, decl, en, out) && each != nil {
			each(s, decl)
		}
	}
	// A misspelled setting counts as the one it likely means, so that the
	// one mistake is not reported again as that setting missing.
	for name, s := range meant {
		if out.get(name) == nil {
			out = append(out, namedSetting{name, s})
		}
	}
	return out
}

// givenSettings are the settings given to an action, trigger or event, by
// name: a few, so a list, which a map would cost more than for every rule.
type givenSettings []namedSetting

type namedSetting struct {
	name string
	s    *ast.Setting
}

// get returns the setting given by name, or nil.
func (g givenSettings) get(name string) *ast.Setting {
	for _, n := range g {
		if n.name == name {
			return n.s
		}
	}
	return nil
}

func settingList(decls []*types.Setting) string {
	if len(decls) == 0 {
		return "it takes no settings"
	}
	return "settings are " + joinNames(types.Names(decls))
}

// value checks one setting's value against its declared type.
func (c *checker) value(v ast.Expr, decl *types.Setting, en *env, given givenSettings) bool {
	want := decl.Type
	if want == nil || want.Kind == types.Invalid {
		c.expr(v, en) // typed by the owner (T-FIELD-CHANGED's field and value)
		return true
	}
	if id, ok := v.(*ast.Ident); ok && decl.Auto && id.Name == "auto" {
		return true
	}
	if want.Multi && (want.Kind == types.Email || want.Kind == types.Phone) { // an employee's email and phone
		// Dropped ones count: whether an error was found must not depend
		// on how many diagnostics came before (a file is checked with a
		// list of its own; incremental.go).
		n := c.diags.Len() + c.diags.Dropped()
		c.addresses(v, decl.Name, want, en)
		return c.diags.Len()+c.diags.Dropped() == n
	}
	if id, ok := v.(*ast.Ident); ok && want.Kind == types.Bool {
		if obj, _ := c.resolve(id.Name, en); obj == nil {
			r := c.diags.Errorf(id.Pos(), id.End(), diag.ESettingType, "%s takes true or false, not %s", decl.Name, id.Name)
			if b := boolWords[strings.ToLower(id.Name)]; b != "" {
				r.Hint = "did you mean " + b + "?"
				r.Replace(id.Pos(), id.End(), b)
			}
			c.record(id, types.InvalidType)
			return false
		}
	}
	if id, ok := v.(*ast.Ident); ok && want.Kind == types.Entity && want.Entity == "user" {
		if obj, _ := c.resolve(id.Name, en); obj == nil {
			return c.resourceValue(id, "employee", en) // an unknown employee: E105, as any resource
		}
	}
	switch want.Kind {
	case types.Resource:
		if want.Name == "pipeline" {
			return c.pipelineValue(v, en) != nil
		}
		return c.resourceValue(v, want.Name, en)
	case types.Stage:
		return c.stageValue(v, decl, en, given)
	case types.Enum:
		if c.member(v, want, en) {
			return c.info.Types[v].Kind != types.Invalid
		}
	case types.List:
		if l, ok := v.(*ast.ListExpr); ok && (want.Elem.Kind == types.Enum || want.Elem.Kind == types.Resource) {
			okAll := true
			for _, el := range l.Elems {
				okAll = c.value(el, &types.Setting{Name: decl.Name, Type: want.Elem}, en, given) && okAll
			}
			return okAll
		}
	}
	t := c.expr(v, en)
	if t.Kind == types.Invalid {
		return false
	}
	if want.Kind == types.List && want.Elem.Kind == types.File && t.Kind == types.List && t.Elem.Kind == types.Record && t.Elem.Field("file") != nil {
		return true // documents attach as files
	}
	if !types.AssignableTo(t, want) || t.Kind == types.Null {
		d := c.diags.Errorf(v.Pos(), v.End(), diag.ESettingType, "%s needs %s, not %s", decl.Name, an(want), an(t))
		if l, ok := v.(*ast.BasicLit); ok && want.Kind == types.Bool && l.Kind == ast.String && !l.IsTemplate() {
			d.Hint = "a bool is written true or false, without quotes"
			if b := boolWords[strings.ToLower(l.Value)]; b != "" {
				d.Hint += ": did you mean " + b + "?"
				d.Replace(l.Pos(), l.End(), b)
			}
		}
		return false
	}
	if decl.MaxLen > 0 {
		c.textLimit(v, decl, en)
	}
	if want.Kind == types.Duration {
		if secs, ok := constDuration(v); ok && secs <= 0 {
			c.diags.Errorf(v.Pos(), v.End(), diag.EBadValue, "%s is %s; it must be longer than zero", decl.Name, exprText(v)).Hint =
				"for example: " + decl.Name + " 10m"
			return false
		}
	}
	if decl.Max > decl.Min {
		if l, ok := v.(*ast.BasicLit); ok && l.Kind == ast.Number {
			if f, err := strconv.ParseFloat(l.Raw, 64); err == nil && (f < decl.Min || f > decl.Max) {
				c.diags.Errorf(v.Pos(), v.End(), diag.EBadValue, "%s is %s; it runs from %g to %g", decl.Name, l.Raw, decl.Min, decl.Max)
				return false
			}
		}
	}
	return true
}

// textLimit reports a text that is longer than its limit (an error: it
// could never be sent), and warns about one that can become longer with
// the values inserted into it. A rule's condition may bound an inserted
// value (if len(deal.title) <= 150), as a text(N) field is bounded.
func (c *checker) textLimit(v ast.Expr, decl *types.Setting, en *env) {
	l, ok := v.(*ast.BasicLit)
	if !ok || l.Kind != ast.String {
		return
	}
	var cond ast.Expr
	if en.rule != nil {
		cond = en.rule.Decl.Cond
	}
	fixed, most, bounded := 0, 0, true
	var unbounded ast.Expr
	for _, p := range l.Parts {
		if p.Expr == nil {
			fixed += utf8.RuneCountInString(p.Text)
			continue
		}
		t := c.info.Types[p.Expr]
		if t == nil {
			continue // a bad placeholder, reported
		}
		if t.Kind == types.Invalid {
			return // its error is reported; a warning about its length would follow from it
		}
		if n := types.PrintedMax(t); n > 0 {
			most += n
		} else if n := lenBound(cond, exprString(p.Expr)); n >= 0 {
			most += n
		} else if bounded {
			bounded, unbounded = false, p.Expr
		}
	}
	switch {
	case fixed > decl.MaxLen:
		c.diags.Errorf(l.Pos(), l.End(), diag.EBadValue, "%s is %d characters; the limit is %d, so it could never be sent", decl.Name, fixed, decl.MaxLen).Hint =
			fmt.Sprintf("shorten it by %s", plural(fixed-decl.MaxLen, "character"))
	case bounded && fixed+most > decl.MaxLen:
		c.diags.Warnf(l.Pos(), l.End(), diag.WTextTooLong, "%s can reach %d characters with the longest field values; the limit is %d",
			decl.Name, fixed+most, decl.MaxLen).Hint = "a longer text fails at run time and the timeline says so"
	case !bounded:
		r := c.diags.Warnf(unbounded.Pos(), unbounded.End(), diag.WTextTooLong, "%s has no length limit, so %s can exceed %d characters",
			exprString(unbounded), decl.Name, decl.MaxLen)
		room := decl.MaxLen - fixed - most
		guard := fmt.Sprintf("if len(%s) <= %d", exprString(unbounded), max(room, 0))
		if f := c.fieldOf(unbounded); f != nil && !f.Builtin {
			r.Hint = fmt.Sprintf("declare the field as text(%d), or bound it in the rule's condition: %s", max(room, 1), guard)
		} else {
			r.Hint = "bound it in the rule's condition: " + guard
		}
	}
}

// fieldOf is the field that a path like deal.title selects, or nil.
func (c *checker) fieldOf(e ast.Expr) *types.Field {
	if sel, ok := e.(*ast.SelectorExpr); ok {
		f, _ := c.info.Uses[sel.Sel].(*types.Field)
		return f
	}
	return nil
}

// lenBound is the bound that a condition's conjuncts put on the length of
// the text path (len(path) <= N, len(path) < N), or -1 without one.
func lenBound(cond ast.Expr, path string) int {
	if cond == nil {
		return -1
	}
	var conj []ast.Expr
	conjuncts(cond, &conj)
	best := -1
	for _, x := range conj {
		b, ok := x.(*ast.BinaryExpr)
		if !ok || b.Op != "<=" && b.Op != "<" {
			continue
		}
		call, ok := unparen(b.X).(*ast.CallExpr)
		n, isNum := number(b.Y)
		if !ok || !isNum || call.Fun.Name != "len" || len(call.Args) != 1 || exprString(call.Args[0]) != path || n < 0 {
			continue
		}
		bound := int(n)
		if b.Op == "<" && float64(bound) == n {
			bound--
		}
		if best < 0 || bound < best {
			best = max(bound, 0)
		}
	}
	return best
}

// constDuration is the value in seconds of a duration literal, negated or
// not.
func constDuration(e ast.Expr) (int64, bool) {
	e = unparen(e)
	neg := false
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == "-" {
		neg, e = true, unparen(u.X)
	}
	l, ok := e.(*ast.BasicLit)
	if !ok || l.Kind != ast.Duration {
		return 0, false
	}
	secs, err := literal.Duration(l.Raw)
	if err != nil {
		return 0, false
	}
	if neg {
		secs = -secs
	}
	return secs, true
}

func (c *checker) resourceValue(v ast.Expr, kind string, en *env) bool {
	id, ok := v.(*ast.Ident)
	if !ok {
		c.diags.Errorf(v.Pos(), v.End(), diag.ESettingType, "expected the name of %s, not %s", an(kind), exprString(v))
		return false
	}
	r := c.schema.Resources[id.Name]
	if r != nil && r.Kind == kind {
		c.info.Uses[id] = r
		c.record(id, types.ResourceOf(kind))
		return true
	}
	var names []string
	for n, x := range c.schema.Resources {
		if x.Kind == kind {
			names = append(names, n)
		}
	}
	if r != nil {
		c.diags.Errorf(id.Pos(), id.End(), diag.ESettingType, "%s is %s, not %s", id.Name, an(r.Kind), an(kind))
		return false
	}
	hintName(c.diags.Errorf(id.Pos(), id.End(), diag.EUnknownResource, "unknown %s %q", kind, id.Name),
		id.Name, names, id.Pos(), id.End(), fmt.Sprintf("declare it: %s %s", kind, id.Name))
	return false
}

func (c *checker) pipelineValue(v ast.Expr, en *env) *types.Pipeline {
	name := nameOf(v)
	entity := en.entity
	if p := c.schema.Pipeline(entity, name); p != nil {
		c.useName(v, p)
		return p
	}
	var names []string
	for _, p := range c.schema.PipelinesOf(entity) {
		names = append(names, p.Name)
	}
	hintStage(c.diags.Errorf(v.Pos(), v.End(), diag.EUnknownPipeline, "unknown %s pipeline %q", entity, name), name, names, v.Pos(), v.End(), "")
	return nil
}

// stageValue checks a stage setting against the pipeline setting it depends
// on (copy deal: stage belongs to the target pipeline), or the rule's own.
func (c *checker) stageValue(v ast.Expr, decl *types.Setting, en *env, given givenSettings) bool {
	ref := stageRefOf(v)
	if ref == nil {
		c.diags.Errorf(v.Pos(), v.End(), diag.ESettingType, "%s needs a stage name", decl.Name)
		return false
	}
	if p := given.get(decl.StageOf); p != nil && decl.StageOf != "" {
		pl := c.schema.Pipeline(en.entity, nameOf(p.Value))
		if pl == nil {
			return false // reported by the pipeline setting
		}
		if s := pl.Lookup(ref.Stage.Value); s != nil {
			c.useName(v, s)
			return true
		}
		var names []string
		for _, s := range pl.Stages {
			names = append(names, s.Name)
		}
		hintStage(c.diags.Errorf(v.Pos(), v.End(), diag.EUnknownStage, "pipeline %q has no stage %q", pl.Name, ref.Stage.Value),
			ref.Stage.Value, names, ref.Stage.Pos(), ref.Stage.End(), "")
		return false
	}
	s := c.stage(ref, en.entity)
	if s == nil {
		return false
	}
	c.useName(v, s)
	return true
}

// nameOf is the name a bare identifier or a string literal spells.
func nameOf(v ast.Expr) string {
	switch x := v.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.BasicLit:
		return x.Value
	}
	return ""
}

func (c *checker) trigger(d *ast.TriggerDecl) {
	label := c.claimLabel(d.Label, "trigger")
	st := c.stageRef(d.Stage, "")
	if st == nil {
		return
	}
	name := d.Event[0].Name + " " + d.Event[1].Name
	ev := c.u.triggers[name]
	if ev == nil {
		var names []string
		for _, t := range c.u.Lib.Triggers {
			names = append(names, t.Name())
		}
		hintName(c.diags.Errorf(d.Event[0].Pos(), d.Event[1].End(), diag.EUnknownEvent, "unknown trigger event %q", name),
			name, names, d.Event[0].Pos(), d.Event[1].End(), "events are "+joinNames(names))
		return
	}
	c.info.Uses[d.Event[0]], c.info.Uses[d.Event[1]] = ev, ev
	t := &Trigger{Decl: d, Stage: st, Event: ev}
	t.Ident = c.triggerIdent(t, label)
	c.info.Triggers = append(c.info.Triggers, t)
	en := &env{entity: st.Pipeline.Entity}
	all := append(append([]*types.Setting(nil), c.u.Lib.TriggerSettings...), ev.Settings...)
	given := c.settings(d.Settings, all, en, "trigger "+name, nil)
	for _, s := range ev.Settings {
		if s.Required && given.get(s.Name) == nil {
			c.diags.Errorf(d.Event[0].Pos(), d.Event[1].End(), diag.EMissingSetting, "trigger %s needs the setting %s (%s)", name, s.Name, s.Doc)
		}
	}
	if f := given.get("field"); f != nil {
		c.changedField(f, given.get("value"), en)
	}
	c.formKind(d, ev, given.get("form"))
	if d.Cond != nil {
		if why := c.condition(d.Cond, en); why != "" {
			c.diags.Warnf(d.Cond.Pos(), d.Cond.End(), diag.WNeverFires, "this trigger can never fire: %s", why).Hint =
				"check the comparisons; remove the trigger if it is not needed"
		}
	}
	if d.As != nil {
		c.resourceValue(d.As, "employee", en)
	}
	back := false
	if b := given.get("allow_back"); b != nil {
		if l, ok := b.Value.(*ast.BasicLit); ok && l.Raw == "true" {
			back = true
		}
	}
	if st.Index == 0 && !back {
		c.diags.Warnf(d.Stage.Pos(), d.Stage.End(), diag.WNeverFires, "this trigger can never fire: %q is the first stage, so moving there is always a move back", st.Name).Hint =
			"add allow_back true, or attach the trigger to a later stage"
	}
}

// formKinds are the trigger events raised by each kind of form: a web
// form is submitted (T-FORM), a callback form requests a callback
// (T-CALLBACK-FORM).
var formKinds = map[string]string{"form submitted": "web", "callback requested": "callback"}

// formKind warns about a form trigger whose form is of the other kind:
// it can never fire, since that form never raises its event.
func (c *checker) formKind(d *ast.TriggerDecl, ev *types.TriggerDecl, form *ast.Setting) {
	want := formKinds[ev.Name()]
	if want == "" || form == nil {
		return
	}
	id, ok := form.Value.(*ast.Ident)
	if !ok {
		return
	}
	r := c.schema.Resources[id.Name]
	if r == nil || r.Kind != "form" {
		return
	}
	kind := r.Settings["kind"]
	if kind == "" {
		kind = "web"
	}
	if kind == want {
		return
	}
	other := "form submitted"
	if kind == "callback" {
		other = "callback requested"
	}
	w := c.diags.Warnf(d.Event[0].Pos(), d.Event[1].End(), diag.WNeverFires, "this trigger can never fire: %s is %s form, which raises %s, not %s",
		id.Name, an(kind), other, ev.Name())
	w.Hint = "write when " + other
	w.Replace(d.Event[0].Pos(), d.Event[1].End(), other)
	w.Relate(r.Pos, r.Pos+tokenPos(len(r.Name)), "the form "+id.Name+" is declared here")
}

// changedField checks T-FIELD-CHANGED's field and value.
func (c *checker) changedField(f, value *ast.Setting, en *env) {
	ft := c.info.Types[f.Value]
	sel, ok := f.Value.(*ast.SelectorExpr)
	if ft == nil || ft.Kind == types.Invalid {
		return
	}
	if !ok || c.info.Types[sel.X] == nil || c.info.Types[sel.X].Entity != en.entity {
		c.diags.Errorf(f.Value.Pos(), f.Value.End(), diag.ESettingType, "field needs a field of the %s, like %s.amount", en.entity, en.entity)
		return
	}
	if value == nil {
		return
	}
	if isMemberType(ft) && c.member(value.Value, ft, en) {
		return
	}
	if vt := c.info.Types[value.Value]; vt != nil && vt.Kind != types.Invalid && !types.AssignableTo(vt, ft) {
		c.diags.Errorf(value.Value.Pos(), value.Value.End(), diag.ESettingType, "value needs %s, like the field %s, not %s", an(ft), exprString(f.Value), an(vt))
	}
}

// unused warns about variables and results that no later rule reads.
func unused(ds *diag.List, vars []*types.Var, misused map[token.Pos]bool) {
	for _, v := range vars {
		if v.Uses == 0 && !misused[v.Pos] {
			ds.Warnf(v.Pos, v.Pos+tokenPos(len(v.Name)), diag.WUnused, "%s is set but no later rule uses it", v.Name).Hint =
				"use it in a rule that starts with then, or remove it"
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
