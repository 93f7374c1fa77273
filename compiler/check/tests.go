package check

import (
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
)

// Effects a test can expect, by verb, with the actions whose settings they
// may match on. count is accepted by all.
var effectKinds = map[string]map[string]string{
	"sent":    {"email": "send email", "sms": "send sms", "chat": "send chat", "robocall": "send robocall", "notification": "send notification", "webhook": "call webhook"},
	"created": {"lead": "create lead", "deal": "copy deal", "activity": "schedule activity", "task": "assign task", "document": "create document"},
}

// Names of tests that no declaration of the library gives: the count of
// an expectation, the pipeline a test item starts in, the manager's reply
// in a chat.
var (
	countSetting    = &types.Setting{Name: "count", Type: types.NumberType, Doc: "how many were sent or created"}
	pipelineSetting = &types.Setting{Name: "pipeline", Type: types.ResourceOf("pipeline"), Doc: "the pipeline the item starts in; default the first of its entity"}
	chatReply       = &types.Builtin{Name: "chat reply", Doc: "a manager's reply in the item's chat, an input of tests (it stops T-CHAT-SLA's clock)"}
	chatReplyParams = []*types.Setting{{Name: "channel", Type: types.ResourceOf("channel"), Doc: "the open channel of the reply"}}
)

func (c *checker) test(d *ast.TestDecl) {
	c.info.Tests = append(c.info.Tests, d)
	en := &env{items: map[string]*types.Item{}}
	itemPipe := map[string]string{} // item -> entity with pipelines
	for _, s := range d.Stmts {
		switch s := s.(type) {
		case *ast.ItemStmt:
			c.testItem(s, en, itemPipe)
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
					c.stageRef(s.Stage, ent)
				}
			}
			if s.By != nil {
				c.resourceValue(s.By, "employee", en)
			}
		case *ast.SetStmt:
			ft := c.expr(s.Field, en)
			vt := c.expr(s.Value, en)
			if sel, ok := s.Field.(*ast.SelectorExpr); !ok || c.info.Types[sel.X] == nil || c.info.Types[sel.X].Kind != types.Entity {
				c.diags.Errorf(s.Field.Pos(), s.Field.End(), diag.EBadTest, "set changes a field of an item, like sofa.amount")
			} else if ft.Kind != types.Invalid && vt.Kind != types.Invalid && !types.AssignableTo(vt, ft) && !(isMemberType(ft) && c.member(s.Value, ft, en)) {
				c.diags.Errorf(s.Value.Pos(), s.Value.End(), diag.EMismatch, "cannot set %s (%s) to a %s", exprString(s.Field), ft, vt)
			}
		case *ast.EventStmt:
			c.testEvent(s, en)
		case *ast.ExpectStmt:
			c.expect(s, en)
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

func (c *checker) testItem(s *ast.ItemStmt, en *env, itemPipe map[string]string) {
	ent := c.entity(s.Entity)
	if ent == nil {
		return
	}
	if en.items[s.Name.Name] != nil {
		c.diags.Errorf(s.Name.Pos(), s.Name.End(), diag.EDuplicate, "item %q is already declared in this test", s.Name.Name)
		return
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
			continue
		}
		f := ent.Lookup(key)
		if f == nil {
			c.diags.Errorf(set.Key.Pos(), set.Key.End(), diag.EUnknownField, "unknown field %q of %s", key, ent.Name).Hint = didYouMean(key, keys(ent.Fields))
			continue
		}
		c.info.Uses[set.Key] = f
		c.itemValue(set, f, ent, pipe, en)
	}
	it := &types.Item{Name: s.Name.Name, Type: types.EntityOf(ent.Name), Pos: s.Name.Pos()}
	en.items[it.Name] = it
	c.info.Defs[s.Name] = it
}

// itemValue checks a field value of a test item. E-mails and phones are
// written as a string or typed: mobile("+48 600 100 200").
func (c *checker) itemValue(set *ast.Setting, f *types.Field, ent *types.EntityDef, pipe *types.Pipeline, en *env) {
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
	if vt.Kind != types.Invalid && !types.AssignableTo(vt, t) {
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
	default:
		names := []string{"chat reply"}
		for _, t := range c.u.Lib.Triggers {
			names = append(names, t.Name())
		}
		c.diags.Errorf(s.Name[0].Pos(), s.Name[1].End(), diag.EUnknownEvent, "unknown event %q", name).Hint = didYouMean(name, names)
		return
	}
	ent := c.testItemRef(s.Item, en)
	given := c.settings(s.Settings, settings, en, "event "+name, nil)
	for _, d := range settings {
		if d.Required && given[d.Name] == nil {
			c.diags.Errorf(s.Name[0].Pos(), s.Name[1].End(), diag.EMissingSetting, "event %s needs %s", name, d.Name)
		}
	}
	if f := given["field"]; f != nil && ent != "" {
		c.changedField(f, given["value"], &env{entity: ent, items: en.items})
	}
}

func (c *checker) expect(s *ast.ExpectStmt, en *env) {
	switch {
	case s.Cond != nil:
		c.condition(s.Cond, en)
	case s.Timeline != nil:
		c.testItemRef(s.Timeline.Item, en)
	default:
		e := s.Effect
		kinds := effectKinds[e.Verb.Name]
		action := kinds[e.Kind.Name]
		if action == "" {
			c.diags.Errorf(e.Kind.Pos(), e.Kind.End(), diag.EBadTest, "expect %s %s: unknown kind", e.Verb.Name, e.Kind.Name).Hint =
				hintOr(didYouMean(e.Kind.Name, keys(kinds)), "kinds are "+joinNames(keys(kinds)))
			return
		}
		decl := c.u.actions[action]
		c.info.Uses[e.Kind] = decl
		settings := append([]*types.Setting{countSetting}, decl.Settings...)
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
			if t := c.expr(e.Target, en); t.Kind != types.Text && t.Kind != types.Invalid {
				c.diags.Errorf(e.Target.Pos(), e.Target.End(), diag.EBadTest, "to needs the address, number or name as a string, not a %s", t)
			}
		}
		c.settings(e.Settings, loose, en, "expect "+e.Verb.Name+" "+e.Kind.Name, nil)
		for _, s := range e.Settings { // a key names the action's setting, not its loose copy
			if st, ok := c.info.Uses[s.Key].(*types.Setting); ok && declared[st] != nil {
				c.info.Uses[s.Key] = declared[st]
			}
		}
	}
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
