package check

import (
	"fmt"
	"sort"
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
		given := c.settings(d.Settings, kind.Settings, en, kind.Name+" "+d.Name.Name, func(s *ast.Setting, decl *types.Setting) {
			if l, ok := s.Value.(*ast.BasicLit); ok {
				r.Settings[decl.Name] = l.Value
			} else if id, ok := s.Value.(*ast.Ident); ok {
				r.Settings[decl.Name] = id.Name
			}
			if kind.Name == "calendar" {
				c.calendarSetting(s)
			}
		})
		for _, s := range kind.Settings {
			if s.Required && given.get(s.Name) == nil {
				c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.EMissingSetting, "%s %s needs the setting %s (%s)", kind.Name, d.Name.Name, s.Name, s.Doc)
			}
		}
	}
}

// calendarSetting checks what a calendar's settings mean beyond their
// types: a time zone the time zone database knows, at least one working
// day (an empty list would read as none given, the default), and hours
// that are an opening before a closing (the engine refuses any other
// calendar).
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
	case "days":
		if list, ok := s.Value.(*ast.ListExpr); ok && len(list.Elems) == 0 {
			c.diags.Errorf(s.Value.Pos(), s.Value.End(), diag.EBadValue, "a calendar with no working days has no working moment: a worktime rule would never run").Hint =
				"name the working days, e.g. days [mon, tue, wed, thu, fri]"
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
	switch {
	case s != nil:
		c.info.Uses[ref.Stage] = s
		if ref.Pipeline != nil {
			c.info.Uses[ref.Pipeline] = s.Pipeline
		}
	case ref.Pipeline != nil:
		// Leady.Kontakt, no stage of Leady: the pipeline is still the one
		// named, for an editor's hover, definition and rename.
		for _, p := range c.schema.Pipelines {
			if p.Name == ref.Pipeline.Value && (entity == "" || p.Entity == entity) {
				c.info.Uses[ref.Pipeline] = p
				break
			}
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
		d := c.diags.Errorf(ref.Stage.Pos(), ref.Stage.End(), diag.EUnknownStage, "unknown stage %q", ref.Stage.Value)
		if hintStage(d, ref.Stage.Value, names, ref.Stage.Pos(), ref.Stage.End(), "declare it in a pipeline: stage "+ref.Stage.Raw) || ref.Pipeline == nil {
			return nil
		}
		// Leads.Contact, where Contact is a stage of another pipeline.
		var others []*types.Pipeline
		for _, p := range c.schema.Pipelines {
			if p.Lookup(ref.Stage.Value) != nil && (entity == "" || p.Entity == entity) {
				others = append(others, p)
			}
		}
		if len(others) > 0 {
			where := make([]string, len(others))
			for i, p := range others {
				where[i] = quote(p.Name)
			}
			fixed := spellName(others[0].Name) + "." + spellName(ref.Stage.Value)
			d.Hint = fmt.Sprintf("pipeline %q has no stage %q; it is a stage of %s: write stage %s", ref.Pipeline.Value, ref.Stage.Value, joinNames(where), fixed)
			if len(others) == 1 {
				d.Replace(ref.Pipeline.Pos(), ref.Stage.End(), fixed)
			}
		}
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
		c.misused = append(c.misused, a.Name.Pos()) // its error is reported: whether it is used follows from it
	case t.Kind == types.Null:
		c.diags.Errorf(a.Value.Pos(), a.Value.End(), diag.EBadOperand, "a variable cannot be set to null alone; its type would be unknown")
	case a.Calc && !calcKind(t.Kind):
		c.diags.Errorf(a.Value.Pos(), a.Value.End(), diag.EBadOperand, "calc computes a number, money, date, datetime or duration, not %s", an(t)).Hint =
			"use let to set a variable of any type"
		c.misused = append(c.misused, a.Name.Pos()) // whether it is used follows from the error
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
	if owner == nil || owner.Kind != types.Entity || f == nil || owner.Entity != en.entity && owner.Entity != "contact" && owner.Entity != "company" {
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
	if ft.Kind == types.Text && ft.MaxLen > 0 && vt.Kind != types.Invalid {
		c.limit(a.Value, exprString(a.Field), ft.MaxLen, "stored", true, en)
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
	if n := given.get("name"); n != nil && (decl.Verb == "create" || decl.Verb == "copy") && c.schema.Entities[decl.Object] != nil {
		// create lead name "...": the name is the new item's title, a
		// text(N); a longer one is cut to it at run time (the lead is made,
		// and its timeline says so), which a constant name always would be.
		title := c.schema.Entities[decl.Object].Lookup("title")
		if l, ok := n.Value.(*ast.BasicLit); ok && l.Kind == ast.String && !l.IsTemplate() && title != nil && title.Type.MaxLen > 0 {
			if k := utf8.RuneCountInString(l.Value); k > title.Type.MaxLen {
				c.diags.Warnf(l.Pos(), l.End(), diag.WTextTooLong, "name is %d characters; the %s's title holds %d, so it is always cut", k, decl.Object, title.Type.MaxLen).Hint =
					fmt.Sprintf("shorten it by %s", plural(k-title.Type.MaxLen, "character"))
			}
		}
	}
	if decl.Setting("provider") != nil && given.get("provider") == nil {
		c.defaultProvider(a)
	}
	if r.Decl.Cond == nil {
		c.selfStart(r, decl, a, given)
	}
	if a.Result != nil {
		if decl.Result == nil {
			c.diags.Errorf(a.Result.Pos(), a.Result.End(), diag.EBadTarget, "%s has no result to name", name)
			// The name is still set, to nothing: its uses are not errors of their own.
			c.bind(r, a.Result, types.InvalidType, en)
			c.misused = append(c.misused, a.Result.Pos())
		} else {
			c.bind(r, a.Result, decl.Result, en)
		}
	}
}

// selfStart warns about an action that makes an item in the stage of its
// own rule: copy deal into that stage, or without a stage into the first
// of a pipeline whose first stage it is. The new item runs the rule again,
// which makes another, until the chain's limit of stage changes stops it
// (spec/semantics.md). A rule with a condition may stop itself, so it is
// left alone.
func (c *checker) selfStart(r *Rule, decl *types.ActionDecl, a *ast.CallAction, given givenSettings) {
	for _, s := range decl.Settings {
		if s.Type.Kind != types.Stage || s.StageOf == "" || s.Type.Entity != r.Stage.Pipeline.Entity {
			continue
		}
		pl := r.Stage.Pipeline
		if p := given.get(s.StageOf); p != nil {
			if pl = c.schema.Pipeline(pl.Entity, nameOf(p.Value)); pl == nil {
				return
			}
		}
		if len(pl.Stages) == 0 {
			return
		}
		target := pl.Stages[0]
		if g := given.get(s.Name); g != nil {
			ref := stageRefOf(g.Value)
			if ref == nil {
				return
			}
			if target = pl.Lookup(ref.Stage.Value); target == nil {
				return
			}
		}
		if target == r.Stage {
			again := "each makes another until the chain's limit stops it"
			if r.Decl.Timing != nil { // each timer is a chain of its own: no limit ends it
				again = "each makes another when its time comes, without end"
			}
			c.diags.Warnf(a.Verb.Pos(), a.Object.End(), diag.WSelfStart,
				"%s %s makes a %s in %q, the stage of this rule, so the new %s runs this rule again: %s",
				a.Verb.Name, a.Object.Name, pl.Entity, target.Name, pl.Entity, again).Hint = "give it another stage or pipeline, or a condition that the new item does not meet"
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
		r := c.diags.Errorf(a.Target.Pos(), a.Target.End(), diag.EBadTarget, "%s sends to %s, and %s is %s", name, want, exprString(a.Target), an(t))
		r.Hint = hint
		if decl.Target == types.UserTarget {
			c.hintNamed(r, a.Target, "employee")
		}
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
