package check

import (
	"fmt"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
)

// trigger checks a trigger: its stage, its event and the settings it takes,
// its condition and the employee it acts as.
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
	if tx := given.get("text"); tx != nil {
		if l, ok := tx.Value.(*ast.BasicLit); ok && l.Kind == ast.String && !l.IsTemplate() && strings.TrimSpace(l.Value) == "" {
			c.diags.Errorf(tx.Value.Pos(), tx.Value.End(), diag.EBadValue, "text is empty: it would match every message").Hint =
				"give the words to look for; for the client's first message, whatever it says, use when chat started"
		}
	}
	if n := given.get("name"); n != nil {
		if l, ok := n.Value.(*ast.BasicLit); ok && l.Kind == ast.String && !l.IsTemplate() && strings.TrimSpace(l.Value) == "" {
			c.diags.Errorf(n.Value.Pos(), n.Value.End(), diag.EBadValue, "name is empty: a trigger's name is what the timeline shows").Hint =
				fmt.Sprintf("give it a name, or leave name out for the default (%q)", ev.DefaultName)
		}
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
	if ft.Kind == types.Stage {
		c.diags.Warnf(f.Value.Pos(), f.Value.End(), diag.WNeverFires, "this trigger can never fire: a stage changes by a move, not as a field").Hint =
			"a rule on the stage (on stage NAME: ...) acts when the item enters it"
		return
	}
	if fd := c.fieldOf(f.Value); fd != nil && fd.ReadOnly {
		c.diags.Warnf(f.Value.Pos(), f.Value.End(), diag.WNeverFires, "this trigger can never fire: %s is set by the system when the item is made, and never changes", exprString(f.Value)).Hint =
			"watch a field that a rule's update or a user changes"
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
