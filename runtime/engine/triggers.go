package engine

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// EventNeeds are the settings an event of that name must carry
// (action.Library.Needs).
func (e *Engine) EventNeeds(name string) []string { return e.lib.Needs[name] }

// EventName is the name of the event a client calls name: name itself,
// or the event's for a catalogue ID ("T-INVOICE-PAID", any case). The API
// resolves it before the input is made, so that the log holds the name.
func (e *Engine) EventName(name string) string {
	// Only an ID is upper-cased and looked up: an event's name, what
	// most clients send, costs one comparison.
	if len(name) < 3 || name[0]|0x20 != 't' || name[1] != '-' {
		return name
	}
	if n, ok := e.lib.EventIDs[strings.ToUpper(name)]; ok {
		return n
	}
	return name
}

// event applies an event input: it records the chat channel, starts or
// stops the chat deadline (T-CHAT-SLA), and fires the event's triggers.
func (t *tx) event(it *item, name string, settings map[string]value.Value) error {
	allowed, ok := t.e.lib.Events[name]
	if !ok {
		why, raised := t.e.lib.Raised[name]
		if !raised { // a catalogue ID, in any case
			why, raised = t.e.lib.Raised[strings.ToUpper(name)]
		}
		if raised {
			return fmt.Errorf("%s is not an input: %s", name, why)
		}
	}
	if !ok {
		return fmt.Errorf("unknown event %q: events are %s", name, strings.Join(sortedKeys(t.e.lib.Events), ", "))
	}
	for _, k := range sortedKeys(settings) {
		if !contains(allowed, k) {
			return fmt.Errorf("event %q takes no setting %q; it takes %s", name, k, orDefault(strings.Join(allowed, ", "), "none"))
		}
		if v := settings[k]; !v.IsNull() && v.K != value.Text { // every setting an event brings is a name, a text or a link
			return fmt.Errorf("event %q: setting %q takes a text, not %s", name, k, v)
		}
	}
	if ch := settings["channel"]; ch.S != "" && strings.HasPrefix(name, "chat") {
		it.Channel = ch.S
		t.touch(it)
	}
	t.timeline(it, "", "event: "+name)
	if why := t.formKind(name, settings["form"].S); why != "" {
		t.timeline(it, "", "no trigger takes it: "+why)
		return nil
	}
	switch name {
	case "chat accepted":
		for _, tr := range t.e.triggers {
			if tr.Event == "chat unanswered" && tr.Entity == it.Entity && tr.Pipeline == it.Pipeline && t.matches(it, tr, settings) {
				// A timeout already due (0s) fires at the next tick, after
				// the chat accepted triggers have run.
				t.schedule(t.now+t.timeout(it, tr), timerDeadline, timer{Item: it.ID, Trigger: tr.Ident, Version: t.in.Version, Base: t.now, Entered: it.Entered})
			}
		}
	case "chat reply":
		t.cancelDeadlines(it)
	}
	t.fire(it, name, settings)
	if name == "chat started" && settings["text"].S != "" {
		// The first message is a message: its text is for T-CHAT-TEXT too.
		t.fire(it, "chat message", settings)
	}
	return nil
}

// formKind says why a form event is one the form named does not raise: a
// callback form raises callback requested (T-CALLBACK-FORM), a web form
// form submitted (T-FORM), and nothing else. Such an event is taken and
// logged, but no trigger takes it: a trigger of either kind without a form
// of its own would otherwise take the other kind's forms.
func (t *tx) formKind(event, form string) string {
	if event != "callback requested" && event != "form submitted" {
		return ""
	}
	r := t.e.res[form]
	if r == nil || r.Kind != "form" {
		return ""
	}
	kind, raises := "web", "form submitted"
	if r.Settings["kind"] == "callback" {
		kind, raises = "callback", "callback requested"
	}
	if raises == event {
		return ""
	}
	return fmt.Sprintf("form %s is a %s form, which raises %s, not %s", form, kind, raises, event)
}

// timeout is a chat unanswered trigger's time to answer, in seconds. The
// checker requires the setting; a program without it (built by hand) gets
// a deadline already due, which fires at the next tick.
func (t *tx) timeout(it *item, tr *plannedTrigger) int64 {
	if ev := tr.settings["timeout"]; ev != nil {
		return ev(t.env(it)).Unix()
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cancelDeadlines drops the item's pending chat deadlines: the manager answered.
func (t *tx) cancelDeadlines(it *item) {
	for _, k := range append([]string(nil), it.Timers...) {
		if timerKind(k) == timerDeadline {
			t.unschedule(it, k)
		}
	}
}

// deadline fires a chat deadline's trigger.
func (t *tx) deadline(it *item, tr *plannedTrigger) {
	if why := t.apply(it, tr); why != "" && why != alreadyThere {
		t.timeline(it, tr.Pos.String(), fmt.Sprintf("trigger %q (%s) not taken: %s", tr.Name, tr.ID, why))
	}
}

// fire runs the triggers of an event on the item's pipeline, in declaration
// order; the first that moves the item wins.
func (t *tx) fire(it *item, name string, settings map[string]value.Value) {
	var skipped []*plannedTrigger
	var whys []string
	for _, tr := range t.e.triggers {
		if tr.Event != name || tr.Entity != it.Entity || tr.Pipeline != it.Pipeline || !t.matches(it, tr, settings) {
			continue
		}
		why := t.apply(it, tr)
		if why == "" {
			return
		}
		if why != alreadyThere { // the usual case of a repeated event: said, it would fill the timeline
			skipped, whys = append(skipped, tr), append(whys, why)
		}
	}
	// No trigger took the event: each that matched it says why, as a rule
	// that does not run does (a trigger's condition, a move back).
	for i, tr := range skipped {
		t.timeline(it, tr.Pos.String(), fmt.Sprintf("trigger %q (%s) not taken: %s", tr.Name, tr.ID, whys[i]))
	}
}

// matches compares a trigger's settings with the event's: a trigger setting
// left out matches anything; chat text matches when the message contains it
// exactly (case and word order kept).
func (t *tx) matches(it *item, tr *plannedTrigger, got map[string]value.Value) bool {
	env := t.env(it)
	for _, k := range sortedKeys(tr.settings) {
		want := tr.settings[k](env)
		switch k {
		case "timeout":
			continue
		case "text":
			if !containsWords(got["text"].S, want.S) {
				return false
			}
		case "field":
			if tr.Trigger.Setting("field").Value.Path == nil || got["field"].S != last(tr.Trigger.Setting("field").Value.Path) {
				return false
			}
		default:
			if !value.Equal(want, got[k]) {
				return false
			}
		}
	}
	return true
}

func last(p []string) string { return p[len(p)-1] }

// containsWords reports whether text holds words as they are written (case
// and order kept) and as whole words: "jutro" is in "dostawa jutro?", not
// in "zajutro" (T-CHAT-TEXT: the words match exactly).
func containsWords(text, words string) bool {
	if words == "" {
		return true
	}
	for from := 0; ; {
		i := strings.Index(text[from:], words)
		if i < 0 {
			return false
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(text[:i])
		after, _ := utf8.DecodeRuneInString(text[i+len(words):])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		from = i + size
	}
}

// isWordRune reports whether r is part of a word (a letter, a digit, or a
// mark such as the accent of an e written apart); utf8.RuneError, at
// either end of the text, is not.
func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

// alreadyThere is apply's reason for an item already in the trigger's
// stage, which fire does not write.
const alreadyThere = "the item is already in the trigger's stage"

// apply moves the item to the trigger's stage if it may: not to the stage
// it is in, not backwards unless allowed, and only if the condition holds.
// It returns why it did not, or "".
func (t *tx) apply(it *item, tr *plannedTrigger) (notTaken string) {
	if env := t.env(it); !tr.cond(env) {
		return t.explainer(env).Condition(tr.Cond)
	}
	cur := t.field(it, "stage").S
	if cur == tr.Stage {
		return alreadyThere
	}
	to, err := t.e.stageIndex(it, tr.Stage)
	if err != nil {
		return err.Error()
	}
	if from, err := t.e.stageIndex(it, cur); err == nil && to < from && !tr.AllowBack {
		return fmt.Sprintf("the item is in %s, further on than %s, and the trigger does not move back (allow_back false)", cur, tr.Stage)
	}
	as := tr.As
	if as == "" {
		as = orDefault(t.field(it, "responsible").S, "the responsible")
	}
	t.move(it, tr.Stage, fmt.Sprintf("by trigger %q (%s) as %s", tr.Name, tr.ID, as), tr.Pos.String())
	return ""
}

// world is what expressions read during an input: items through the
// input's batch, employees from the resources, variables of the item.
type world struct {
	t  *tx
	it *item
}

func (w world) Load(entity, id string) *interp.Item {
	if entity == "user" {
		return w.t.e.user(id)
	}
	if it := w.t.load(id); it != nil {
		return &it.Item
	}
	return nil
}

func (w world) Named(string) *interp.Item { return nil }

func (w world) Var(slot int) value.Value {
	if w.it == nil || slot >= len(w.it.Vars) {
		return value.Value{}
	}
	return w.it.Vars[slot]
}

func (t *tx) env(it *item) *interp.Env {
	env := &interp.Env{World: world{t, it}, Now: t.now}
	env.Reset(&it.Item)
	return env
}

// user is an employee as an item of entity user, or nil.
func (e *Engine) user(name string) *interp.Item { return e.users[name] }

// employee makes an employee resource an item of entity user: name,
// e-mail, supervisor and the other settings.
func employee(r *ir.Resource, en *ir.Entity) *interp.Item {
	it := &interp.Item{ID: r.Name, Entity: "user", Fields: make([]value.Value, len(en.Fields))}
	for i, f := range en.Fields {
		switch s := r.Settings[f.Name]; {
		case f.Name == "id":
			it.Fields[i] = value.TextOf(r.Name)
		case f.Name == "name":
			it.Fields[i] = value.TextOf(r.Value)
		case len(r.Addresses[f.Name]) > 0: // email, phone: typed, in the order written
			var list []value.Value
			for _, a := range r.Addresses[f.Name] {
				list = append(list, value.TypedText(a.Type, a.Text))
			}
			it.Fields[i] = value.ListOf(list...)
		case s == "":
		case f.Name == "supervisor":
			it.Fields[i] = value.RefOf("user", s)
		default:
			it.Fields[i] = value.TextOf(s)
		}
	}
	return it
}
