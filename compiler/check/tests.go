package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/format"
)

// EffectKinds are the effects a test can expect, by verb (sent, created),
// each kind with the action whose settings it may match on, in the order
// an editor lists them. count is accepted by all.
var EffectKinds = map[string][][2]string{
	"sent": {{"email", "send email"}, {"sms", "send sms"}, {"chat", "send chat"}, {"robocall", "send robocall"},
		{"notification", "send notification"}, {"webhook", "call webhook"}},
	"created": {{"lead", "create lead"}, {"deal", "copy deal"}, {"activity", "schedule activity"}, {"task", "assign task"},
		{"document", "create document"}},
}

// effectKinds is EffectKinds as maps from kind to action.
var effectKinds = func() map[string]map[string]string {
	m := map[string]map[string]string{}
	for verb, kinds := range EffectKinds {
		m[verb] = map[string]string{}
		for _, k := range kinds {
			m[verb][k[0]] = k[1]
		}
	}
	return m
}()

// Names of tests that no declaration of the library gives: the count of
// an expectation, the pipeline a test item starts in, the manager's reply
// in a chat.
var (
	countSetting    = &types.Setting{Name: "count", Type: types.NumberType, Doc: "how many were sent or created"}
	doneSetting     = &types.Setting{Name: "done", Type: types.BoolType, Doc: "whether the activity was completed (auto_complete, on leaving the stage)"}
	containsMatcher = &types.Builtin{Name: "contains", Doc: "in an expectation's setting: the text contains this part"}
	pipelineSetting = &types.Setting{Name: "pipeline", Type: types.ResourceOf("pipeline"), Doc: "the pipeline the item starts in; default the first of its entity"}
	chatReply       = &types.Builtin{Name: "chat reply", Doc: "a manager's reply in the item's chat, an input of tests (it stops T-CHAT-SLA's clock)"}
	chatReplyParams = []*types.Setting{{Name: "channel", Type: types.ResourceOf("channel"), Doc: "the open channel of the reply"}}
	// webhookAnswer is the answer to the item's first webhook call not
	// answered yet (R-WEBHOOK), which the server applies when the call
	// returns: the rules after the call run with it.
	webhookAnswer       = &types.Builtin{Name: "webhook answer", Doc: "the answer to the item's first webhook call not answered yet, an input of tests (the rules after the call run with it)"}
	webhookAnswerParams = []*types.Setting{
		{Name: "status", Type: types.NumberType, Required: true, Doc: "the HTTP status of the answer"},
		{Name: "body", Type: types.TextType, Doc: "the answer's body"},
	}
)

func (c *checker) test(d *ast.TestDecl) {
	c.info.Tests = append(c.info.Tests, d)
	en := &env{items: map[string]*types.Item{}}
	itemPipe := map[string]string{}   // item -> entity with pipelines
	itemIn := map[string]startPipe{}  // item -> the pipeline it starts in
	named := map[string]*types.Item{} // effects named by as, for after
	for _, s := range d.Stmts {
		switch s := s.(type) {
		case *ast.ItemStmt:
			if p := c.testItem(s, en, itemPipe); p.pipe != nil {
				itemIn[s.Name.Name] = p
			}
		case *ast.AtStmt:
			if t := c.expr(s.Time, en); t.Kind != types.DateTime && t.Kind != types.Date && t.Kind != types.Invalid {
				c.diags.Errorf(s.Time.Pos(), s.Time.End(), diag.EBadTest, "at needs a date or datetime, like 2026-11-23T09:00, not a %s", t)
			}
		case *ast.WaitStmt:
			c.duration(s.Duration)
		case *ast.MoveStmt:
			if ent := c.testItemRef(s.Item, en); ent != "" {
				if itemPipe[s.Item.Name] == "" {
					c.diags.Errorf(s.Item.Pos(), s.Item.End(), diag.EBadTest, "%s is a %s, which has no stages", s.Item.Name, ent)
				} else {
					c.testMove(s, ent, itemIn[s.Item.Name])
				}
			}
			if s.By != nil {
				c.resourceValue(s.By, "employee", en)
			}
		case *ast.SetStmt:
			ft := c.expr(s.Field, en)
			if ft.Kind == types.Stage && c.member(s.Value, ft, en) {
				c.diags.Errorf(s.Field.Pos(), s.Value.End(), diag.EBadTest, "set cannot change the stage: a user moves the item").Hint =
					"write: move " + exprString(s.Field.(*ast.SelectorExpr).X) + " to " + format.Expr(s.Value)
				continue
			}
			vt := c.expr(s.Value, en)
			if sel, ok := s.Field.(*ast.SelectorExpr); !ok || c.info.Types[sel.X] == nil || c.info.Types[sel.X].Kind != types.Entity {
				c.diags.Errorf(s.Field.Pos(), s.Field.End(), diag.EBadTest, "set changes a field of an item, like sofa.amount")
			} else if ft.Kind != types.Invalid && vt.Kind != types.Invalid && !types.AssignableTo(vt, ft) && !(isMemberType(ft) && c.member(s.Value, ft, en)) {
				c.diags.Errorf(s.Value.Pos(), s.Value.End(), diag.EMismatch, "cannot set %s (%s) to a %s", exprString(s.Field), ft, vt)
			}
		case *ast.EventStmt:
			c.testEvent(s, en)
		case *ast.ExpectStmt:
			c.expect(s, en, named, itemPipe)
		}
	}
}

func (c *checker) testItemRef(id *ast.Ident, en *env) string {
	it := en.items[id.Name]
	if it == nil {
		c.diags.Errorf(id.Pos(), id.End(), diag.EUnknownItem, "unknown item %q in this test", id.Name).Hint = didYouMean(id.Name, keys(en.items))
		return ""
	}
	c.info.Uses[id] = it
	return it.Type.Entity
}

// startPipe is the pipeline a test item starts in: given, or by default
// the first of its entity's.
type startPipe struct {
	pipe      *types.Pipeline
	defaulted bool
}

// testMove checks a test's move of an item to a stage: a stage of the
// pipeline the item is in. Items keep their pipeline, so a stage of
// another (the item given without a pipeline, which starts in the first
// of its entity's) is an error here, not at run time.
func (c *checker) testMove(s *ast.MoveStmt, ent string, in startPipe) {
	if in.pipe != nil && s.Stage.Pipeline == nil {
		if st := in.pipe.Lookup(s.Stage.Stage.Value); st != nil {
			c.info.Uses[s.Stage.Stage] = st
			return
		}
	}
	st := c.stageRef(s.Stage, ent)
	if st == nil || in.pipe == nil || st.Pipeline == in.pipe {
		return
	}
	how := ""
	if in.defaulted {
		how = fmt.Sprintf(" (given without a pipeline, it starts in the first %s pipeline, declared at %s)", ent, c.fset.Position(in.pipe.Pos))
	}
	c.diags.Errorf(s.Stage.Pos(), s.Stage.End(), diag.EUnknownStage, "%s is in pipeline %s%s, which has no stage %q",
		s.Item.Name, in.pipe.Name, how, st.Name).Hint = fmt.Sprintf("give it its pipeline: given %s %s { pipeline %s ... }", ent, s.Item.Name, st.Pipeline.Name)
}

func (c *checker) testItem(s *ast.ItemStmt, en *env, itemPipe map[string]string) (start startPipe) {
	ent := c.entity(s.Entity)
	if ent == nil {
		return
	}
	if !c.testName(s.Name, en, nil) {
		return
	}
	if ent.Pipelines {
		if ps := c.schema.PipelinesOf(ent.Name); len(ps) > 0 {
			start = startPipe{pipe: ps[0], defaulted: true} // unless given below
		}
	}
	var pipe *types.Pipeline
	if ent.Pipelines {
		itemPipe[s.Name.Name] = ent.Name
	}
	for _, set := range s.Settings {
		key := set.Key.Name
		if key == "pipeline" && ent.Pipelines {
			c.info.Uses[set.Key] = pipelineSetting
			pipe = c.pipelineValue(set.Value, &env{entity: ent.Name})
			start = startPipe{pipe: pipe}
			continue
		}
		f := ent.Lookup(key)
		if f == nil && c.brokenField(ent.Name, key) {
			continue // its declaration is the error
		}
		if f == nil {
			c.diags.Errorf(set.Key.Pos(), set.Key.End(), diag.EUnknownField, "unknown field %q of %s", key, ent.Name).Hint = didYouMean(key, keys(ent.Fields))
			continue
		}
		c.info.Uses[set.Key] = f
		c.itemValue(s.Name.Name, set, f, ent, pipe, en)
	}
	it := &types.Item{Name: s.Name.Name, Type: types.EntityOf(ent.Name), Pos: s.Name.Pos()}
	en.items[it.Name] = it
	c.info.Defs[s.Name] = it
	return start
}

// itemValue checks a field value of a test item. E-mails and phones are
// written as a string or typed: mobile("+48 600 100 200").
func (c *checker) itemValue(item string, set *ast.Setting, f *types.Field, ent *types.EntityDef, pipe *types.Pipeline, en *env) {
	t := f.Type
	switch {
	case t.Kind == types.Stage:
		ref := stageRefOf(set.Value)
		if ref == nil {
			c.diags.Errorf(set.Value.Pos(), set.Value.End(), diag.ESettingType, "stage needs a stage name")
			return
		}
		if pipe != nil && pipe.Lookup(ref.Stage.Value) == nil {
			c.diags.Errorf(set.Value.Pos(), set.Value.End(), diag.EUnknownStage, "pipeline %q has no stage %q", pipe.Name, ref.Stage.Value)
			return
		}
		if st := c.stage(ref, ent.Name); st != nil {
			c.useName(set.Value, st)
			// The engine puts a new item in the first stage of its pipeline,
			// as the product does (M-SCENARIO: every request enters stage
			// 1); a test reaches another stage as a user does, by moving.
			c.diags.Errorf(set.Key.Pos(), set.Value.End(), diag.EBadTest,
				"a test item starts in the first stage of its pipeline: its stage cannot be given").Hint =
				"give it without the stage, then: move " + item + " to " + spellName(st.Name)
		}
		return
	case t.Multi:
		c.addresses(set.Value, f.Name, t, en)
		return
	case t.Kind == types.Entity && t.Entity != "user", t.Kind == types.List:
		elems := []ast.Expr{set.Value}
		want := t
		if l, ok := set.Value.(*ast.ListExpr); ok && t.Kind == types.List {
			elems, want = l.Elems, t.Elem
		}
		for _, el := range elems {
			id, ok := el.(*ast.Ident)
			if !ok || en.items[id.Name] == nil {
				c.diags.Errorf(el.Pos(), el.End(), diag.EUnknownItem, "%s needs an item of this test, declared above", f.Name)
				continue
			}
			got := en.items[id.Name]
			c.info.Uses[id] = got
			if got.Type.Entity != want.Entity {
				c.diags.Errorf(el.Pos(), el.End(), diag.ESettingType, "%s needs a %s, and %s is a %s", f.Name, want, id.Name, got.Type)
			}
		}
		return
	}
	vt := c.expr(set.Value, en)
	if isMemberType(t) && c.member(set.Value, t, en) {
		return
	}
	if vt.Kind != types.Invalid && !types.AssignableTo(vt, t) && !testFile(vt, t, en) {
		c.diags.Errorf(set.Value.Pos(), set.Value.End(), diag.ESettingType, "%s needs a %s, not a %s", f.Name, t, vt)
	}
}

func stageRefOf(v ast.Expr) *ast.StageRef {
	switch x := v.(type) {
	case *ast.Ident:
		return &ast.StageRef{Stage: &ast.Name{NamePos: x.NamePos, Raw: x.Name, Value: x.Name}}
	case *ast.BasicLit:
		if x.Kind == ast.String {
			return &ast.StageRef{Stage: &ast.Name{NamePos: x.ValuePos, Raw: x.Raw, Value: x.Value}}
		}
	}
	return nil
}

func (c *checker) testEvent(s *ast.EventStmt, en *env) {
	name := s.Name[0].Name + " " + s.Name[1].Name
	ev := c.u.triggers[name]
	var settings []*types.Setting
	switch {
	case ev != nil && ev.Raised != "":
		c.diags.Errorf(s.Name[0].Pos(), s.Name[1].End(), diag.EBadTest, "%s is not an input", name).Hint = ev.Raised
		return
	case ev != nil:
		settings = ev.EventSettings
		c.info.Uses[s.Name[0]], c.info.Uses[s.Name[1]] = ev, ev
	case name == "chat reply":
		settings = chatReplyParams
		c.info.Uses[s.Name[0]], c.info.Uses[s.Name[1]] = chatReply, chatReply
	case name == "webhook answer":
		settings = webhookAnswerParams
		c.info.Uses[s.Name[0]], c.info.Uses[s.Name[1]] = webhookAnswer, webhookAnswer
	default:
		names := []string{"chat reply", "webhook answer"}
		for _, t := range c.u.Lib.Triggers {
			names = append(names, t.Name())
		}
		c.diags.Errorf(s.Name[0].Pos(), s.Name[1].End(), diag.EUnknownEvent, "unknown event %q", name).Hint = didYouMean(name, names)
		return
	}
	ent := c.testItemRef(s.Item, en)
	given := c.settings(s.Settings, settings, en, "event "+name, nil)
	for _, d := range settings {
		if d.Required && given.get(d.Name) == nil {
			c.diags.Errorf(s.Name[0].Pos(), s.Name[1].End(), diag.EMissingSetting, "event %s needs %s", name, d.Name)
		}
	}
	if f := given.get("field"); f != nil && ent != "" {
		c.changedField(f, given.get("value"), &env{entity: ent, items: en.items})
	}
}

func (c *checker) expect(s *ast.ExpectStmt, en *env, named map[string]*types.Item, itemPipe map[string]string) {
	switch {
	case s.Cond != nil:
		if s.No.IsValid() {
			c.diags.Errorf(s.No, s.No+2, diag.EBadTest, "no goes before sent, created or timeline, not before a condition").Hint =
				"to expect a condition false, write: expect not (" + format.Expr(s.Cond) + ")"
		}
		c.condition(s.Cond, en)
	case s.Timeline != nil:
		c.testItemRef(s.Timeline.Item, en)
		c.testTime(s.Timeline.At, en)
	default:
		c.effectExpect(s.Effect, en, named, itemPipe)
	}
}

// testTime checks the time of an expectation: expect ... at 2026-11-24T14:00.
func (c *checker) testTime(x ast.Expr, en *env) {
	if x == nil {
		return
	}
	if t := c.expr(x, en); t.Kind != types.DateTime && t.Kind != types.Date && t.Kind != types.Invalid {
		c.diags.Errorf(x.Pos(), x.End(), diag.EBadTest, "at needs the date or datetime it happened, like 2026-11-24T14:00, not %s", an(t))
	}
}

func (c *checker) effectExpect(e *ast.EffectExpect, en *env, named map[string]*types.Item, itemPipe map[string]string) {
	kinds := effectKinds[e.Verb.Name]
	action := kinds[e.Kind.Name]
	if action == "" {
		hint := hintOr(didYouMean(e.Kind.Name, keys(kinds)), "kinds are "+joinNames(keys(kinds)))
		for verb, other := range effectKinds {
			if _, ok := other[e.Kind.Name]; ok && verb != e.Verb.Name {
				// expect sent task: a task is created, an sms sent.
				hint = fmt.Sprintf("a %s is %s, not %s: write expect %s %s", e.Kind.Name, verb, e.Verb.Name, verb, e.Kind.Name)
			}
		}
		c.diags.Errorf(e.Kind.Pos(), e.Kind.End(), diag.EBadTest, "expect %s %s: unknown kind", e.Verb.Name, e.Kind.Name).Hint = hint
		return
	}
	decl := c.u.actions[action]
	c.info.Uses[e.Kind] = decl
	settings := append([]*types.Setting{countSetting}, decl.Settings...)
	if e.Kind.Name == "activity" {
		settings = append(settings, doneSetting)
	}
	// What was sent or created is matched as text: names of resources too.
	loose := make([]*types.Setting, len(settings))
	declared := make(map[*types.Setting]*types.Setting, len(settings))
	for i, st := range settings {
		cp := *st
		cp.Required = false
		if cp.Type.Kind == types.Resource || cp.Type.Kind == types.Enum || cp.Type.Kind == types.Stage || cp.Type.Kind == types.Entity {
			cp.Type = types.TextType
		}
		loose[i] = &cp
		declared[&cp] = st
	}

	if e.Target != nil {
		c.expectTarget(e.Target, decl, en)
	}
	// contains("...") matches part of a text: its argument is checked as
	// the setting's value, and the setting must be a text, or a list of
	// them (an element's part).
	given := make([]*ast.Setting, len(e.Settings))
	partial := map[*ast.Setting]*ast.CallExpr{}
	for i, st := range e.Settings {
		given[i] = st
		if kind := resourceKind(settingNamed(settings, st.Key.Name)); kind != "" {
			if id, ok := st.Value.(*ast.Ident); ok {
				// A resource or an employee is named bare, as the rules name
				// it (template oferta, responsible marek), or as a string.
				c.resourceValue(id, kind, en)
				given[i] = &ast.Setting{Key: st.Key, Value: &ast.BadExpr{From: id.Pos(), To: id.End()}}
				continue
			}
		}
		if d := settingNamed(settings, st.Key.Name); d != nil && (d.Type.Kind == types.Stage || d.Type.Kind == types.Resource && d.Type.Name == "pipeline") {
			if id, ok := st.Value.(*ast.Ident); ok {
				if obj, _ := c.resolve(id.Name, en); obj == nil {
					// pipeline Service stage Repair: named bare, as the rules name them.
					c.expectStage(id, d, e, en)
					given[i] = &ast.Setting{Key: st.Key, Value: &ast.BadExpr{From: id.Pos(), To: id.End()}}
					continue
				}
			}
		}
		call, ok := st.Value.(*ast.CallExpr)
		if !ok || call.Fun.Name != containsMatcher.Name {
			continue
		}
		c.info.Uses[call.Fun] = containsMatcher
		d := settingNamed(loose, st.Key.Name)
		if d != nil && d.Type.Kind == types.List && types.Printable(d.Type.Elem) {
			d.Type = d.Type.Elem // attach contains("umowa"): part of one of its elements
		}
		if d != nil && d.Type.Kind != types.Text && d.Type.Kind != types.File && d.Type.Kind != types.URL {
			c.diags.Errorf(call.Pos(), call.End(), diag.EBadTest, "contains matches part of a text, and %s is %s", st.Key.Name, an(declared[d].Type))
			given[i] = &ast.Setting{Key: st.Key, Value: &ast.BadExpr{From: call.Pos(), To: call.End()}}
			continue
		}
		if len(call.Args) != 1 {
			c.diags.Errorf(call.Pos(), call.End(), diag.EBadCall, "in an expectation, contains takes the part of the text to find: contains(\"...\")")
			given[i] = &ast.Setting{Key: st.Key, Value: &ast.BadExpr{From: call.Pos(), To: call.End()}}
			continue
		}
		cp := *st
		cp.Value = call.Args[0]
		given[i] = &cp
		partial[&cp] = call
	}
	c.settings(given, loose, en, "expect "+e.Verb.Name+" "+e.Kind.Name, nil)
	var count ast.Expr
	for _, s := range given { // a key names the action's setting, not its loose copy
		st, ok := c.info.Uses[s.Key].(*types.Setting)
		if !ok || declared[st] == nil {
			continue
		}
		c.info.Uses[s.Key] = declared[st]
		if call := partial[s]; call != nil {
			c.record(call, types.TextType)
		}
		if declared[st].Type.Kind == types.Entity && declared[st].Type.Entity == "user" {
			c.employeeText(s.Value)
		}
		if st.Name == "count" {
			count = s.Value
		}
	}
	c.testTime(e.At, en)
	if e.After != nil {
		if it := named[e.After.Name]; it != nil {
			c.info.Uses[e.After] = it
		} else {
			c.diags.Errorf(e.After.Pos(), e.After.End(), diag.EUnknownItem, "no expectation above is named %q", e.After.Name).Hint =
				hintOr(didYouMean(e.After.Name, keys(named)), "name an expectation with as NAME, then write after NAME")
		}
	}
	if e.As != nil {
		c.expectAs(e, count, en, named, itemPipe)
	}
}

// expectStage resolves a pipeline or a stage an expectation names bare
// (expect created deal pipeline Service stage Repair): a pipeline of the
// created item's entity, a stage of the pipeline given with it, or of any.
func (c *checker) expectStage(id *ast.Ident, d *types.Setting, e *ast.EffectExpect, en *env) {
	entity := e.Kind.Name
	if d.Type.Kind == types.Stage && d.Type.Entity != "" {
		entity = d.Type.Entity
	}
	if d.Type.Kind == types.Resource {
		c.pipelineValue(id, &env{entity: entity})
		return
	}
	pipelines := c.schema.PipelinesOf(entity)
	for _, st := range e.Settings {
		if st.Key.Name == d.StageOf && d.StageOf != "" {
			if p := c.schema.Pipeline(entity, nameOf(st.Value)); p != nil {
				pipelines = []*types.Pipeline{p}
			} else {
				return // reported with the pipeline
			}
		}
	}
	var names []string
	for _, p := range pipelines {
		if s := p.Lookup(id.Name); s != nil {
			c.useName(id, s)
			return
		}
		for _, s := range p.Stages {
			names = append(names, s.Name)
		}
	}
	msg := fmt.Sprintf("unknown %s stage %q", entity, id.Name)
	if len(pipelines) == 1 {
		msg = fmt.Sprintf("pipeline %q has no stage %q", pipelines[0].Name, id.Name)
	}
	hintStage(c.diags.Errorf(id.Pos(), id.End(), diag.EUnknownStage, "%s", msg), id.Name, names, id.Pos(), id.End(), "")
}

// resourceKind is the kind of resource that a setting names (employee for
// a user), or "".
func resourceKind(s *types.Setting) string {
	switch {
	case s == nil:
	case s.Type.Kind == types.Resource && s.Type.Name != "pipeline":
		return s.Type.Name
	case s.Type.Kind == types.Entity && s.Type.Entity == "user":
		return "employee"
	}
	return ""
}

// expectAs names the effect an expectation matched. A created deal or
// lead is an item of the test from then on: its fields can be read, and
// it can be moved. The name must then match exactly one effect.
func (c *checker) expectAs(e *ast.EffectExpect, count ast.Expr, en *env, named map[string]*types.Item, itemPipe map[string]string) {
	name := e.As.Name
	switch {
	case e.No.IsValid():
		c.diags.Errorf(e.As.Pos(), e.As.End(), diag.EBadTest, "expect no ... matches nothing to name").Hint = "drop as " + name
		return
	case count != nil:
		if lit, ok := count.(*ast.BasicLit); !ok || lit.Value != "1" {
			c.diags.Errorf(count.Pos(), count.End(), diag.EBadTest, "as %s names one effect, so count can only be 1", name).Hint =
				"drop the count, or drop as " + name
			return
		}
	case !c.testName(e.As, en, named):
		return
	}
	it := &types.Item{Name: name, Type: types.RecordOf(e.Kind.Name), Pos: e.As.Pos()}
	if e.Verb.Name == "created" && (e.Kind.Name == "deal" || e.Kind.Name == "lead") {
		it.Type = types.EntityOf(e.Kind.Name)
		en.items[name] = it
		itemPipe[name] = e.Kind.Name
	}
	named[name] = it
	c.info.Defs[e.As] = it
}

// testName checks the name of a test item or a named effect: new in the
// test, and not a name that the language gives (deal, client, now), which
// would hide it.
func (c *checker) testName(id *ast.Ident, en *env, named map[string]*types.Item) bool {
	switch {
	case contains(scopeWords, id.Name):
		c.diags.Errorf(id.Pos(), id.End(), diag.EDuplicate, "%q is a predeclared name; choose another", id.Name).Hint =
			"for example " + id.Name + "1"
		return false
	case en.items[id.Name] != nil || named[id.Name] != nil:
		c.diags.Errorf(id.Pos(), id.End(), diag.EDuplicate, "%q is already declared in this test", id.Name)
		return false
	}
	return true
}

// expectTarget checks what an expectation's to names: an address or a
// number as a string, or an employee (notification) or a channel (chat),
// bare or as a string.
func (c *checker) expectTarget(x ast.Expr, decl *types.ActionDecl, en *env) {
	if id, ok := x.(*ast.Ident); ok {
		if r := c.schema.Resources[id.Name]; r != nil && (r.Kind == "employee" && decl.Target == types.UserTarget || r.Kind == "channel" && decl.Name() == "send chat") {
			c.resourceValue(id, r.Kind, en)
			return
		}
	}
	t := c.expr(x, en)
	if t.Kind != types.Text && t.Kind != types.Invalid {
		c.diags.Errorf(x.Pos(), x.End(), diag.EBadTest, "to needs the address, number or name as a string, not %s", an(t))
		return
	}
	if decl.Target == types.UserTarget {
		c.employeeText(x)
	}
}

// employeeText checks a string that stands for an employee in an
// expectation. What an effect records is the employee's name in the rules
// (anna), not the display name (Anna Nowak), so a string that names no
// employee could never match.
func (c *checker) employeeText(x ast.Expr) {
	lit, ok := x.(*ast.BasicLit)
	if !ok || lit.Kind != ast.String || lit.IsTemplate() {
		return
	}
	if r := c.schema.Resources[lit.Value]; r != nil && r.Kind == "employee" {
		return
	}
	var ids []string
	display := ""
	for name, r := range c.schema.Resources {
		if r.Kind != "employee" {
			continue
		}
		ids = append(ids, name)
		if r.Value != "" && strings.EqualFold(r.Value, lit.Value) && (display == "" || name < display) {
			display = name
		}
	}
	sort.Strings(ids)
	if display != "" {
		d := c.diags.Errorf(lit.Pos(), lit.End(), diag.EBadTest, "%s is the display name of employee %s; an expectation names an employee as the rules do", lit.Raw, display)
		d.Hint = "write " + quote(display)
		d.Replace(lit.Pos(), lit.End(), quote(display))
		return
	}
	d := c.diags.Errorf(lit.Pos(), lit.End(), diag.EUnknownResource, "no employee is named %s, so this could never match", lit.Raw)
	if len(ids) == 0 {
		d.Hint = "declare one: employee NAME \"Display Name\""
		return
	}
	hintSpelled(d, lit.Value, ids, lit.Pos(), lit.End(), "employees are "+joinNames(ids), quote)
}

// addresses checks e-mail addresses or phone numbers written as a string,
// typed (mobile("+48 600 100 200")) or a list of either: a test item's
// field, an employee's email and phone.
func (c *checker) addresses(v ast.Expr, name string, t *types.Type, en *env) {
	elems := []ast.Expr{v}
	if l, ok := v.(*ast.ListExpr); ok {
		elems = l.Elems
	}
	kinds := types.EmailKinds
	if t.Kind == types.Phone {
		kinds = types.PhoneKinds
	}
	for _, el := range elems {
		if call, ok := el.(*ast.CallExpr); ok {
			if !contains(kinds, call.Fun.Name) {
				c.diags.Errorf(call.Fun.Pos(), call.Fun.End(), diag.EUnknownSelector, "%q is not a %s type", call.Fun.Name, t.Kind).Hint =
					hintOr(didYouMean(call.Fun.Name, kinds), "types are "+joinNames(kinds))
				continue
			}
			if len(call.Args) != 1 {
				c.diags.Errorf(call.Pos(), call.End(), diag.EBadCall, "%s takes one string", call.Fun.Name)
				continue
			}
			el = call.Args[0]
		}
		if vt := c.expr(el, en); vt.Kind != types.Text && vt.Kind != types.Invalid {
			c.diags.Errorf(el.Pos(), el.End(), diag.ESettingType, "%s needs a string, not a %s", name, vt)
		}
	}
}

func settingNamed(ss []*types.Setting, name string) *types.Setting {
	for _, s := range ss {
		if s.Name == name {
			return s
		}
	}
	return nil
}
