package engine

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Effect is a message to the outside (an outbox record) or a thing created
// (a record): what `expect sent` and `expect created` look at.
type Effect struct {
	Key    string            `json:"key"` // idempotency key: input sequence and position
	Seq    int64             `json:"seq"`
	Time   int64             `json:"time"`
	Verb   string            `json:"verb"` // sent or created
	Kind   string            `json:"kind"` // email, sms, ..., lead, task, ...
	Item   string            `json:"item"`
	To     string            `json:"to,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
	Done   bool              `json:"done,omitempty"` // an activity completed
}

// call is one run of a rule's action.
type call struct {
	t   *tx
	it  *item
	r   *plannedRule
	env *interp.Env
	// wait is set by an action whose followers wait for an answer input
	// (call webhook) rather than starting at once.
	wait bool
}

func (c *call) set(name string) value.Value {
	if ev := c.r.settings[name]; ev != nil {
		return ev(c.env)
	}
	return value.Value{}
}

func (c *call) text(name string) string { return c.set(name).String() }

// fields renders every setting given, as text.
func (c *call) fields() map[string]string {
	out := map[string]string{}
	for _, k := range sortedKeys(c.r.settings) {
		out[k] = c.text(k)
	}
	return out
}

// bind sets the rule's variable or result, if it names one (M-AUX).
func (c *call) bind(v value.Value) {
	if c.r.Action.Bind == "" {
		return
	}
	if c.it.Vars == nil {
		c.it.Vars = map[string]value.Value{}
	}
	c.it.Vars[c.r.Action.Bind] = v
	c.t.touch(c.it)
}

// notRun records on the timeline why the action did not run.
func (c *call) notRun(why string) {
	c.t.timeline(c.it, c.r.Pos.String(), fmt.Sprintf("%s not run: %s", c.r.Action.Name, why))
}

func (c *call) responsible() string { return c.t.field(c.it, "responsible").S }

func (c *call) effect(verb, kind, to string, fields map[string]string) string {
	return c.t.effect(verb, kind, c.it, c.r.Pos.String(), to, fields)
}

// record is an action's result: a record of the named fields.
func record(names string, vals ...value.Value) value.Value {
	return value.RecordOf(strings.Split(names, ","), vals)
}

// actions implement the standard library's actions, by name as written.
// Their declarations, with every setting and its default, are in stdlib/.
// (Filled in by init: an action may create an item, whose stage's rules run
// actions.)
var actions map[string]func(c *call)

func init() {
	actions = map[string]func(c *call){
		"let":    func(c *call) { c.bind(c.r.value(c.env)) },
		"calc":   func(c *call) { c.bind(c.r.value(c.env)) },
		"update": func(c *call) { c.t.changeField(c.it, last(c.r.Action.Field.Path), c.r.value(c.env)) },
		"run": func(c *call) {
			c.notRun("WebAssembly actions run in the wasm host, which this build does not have")
		},
		"send email":         sendEmail,
		"send sms":           sendSMS,
		"send robocall":      sendRobocall,
		"send chat":          sendChat,
		"send notification":  sendNotification,
		"call webhook":       callWebhook,
		"create lead":        createLead,
		"copy deal":          copyDeal,
		"schedule activity":  func(c *call) { assign(c, "activity") },
		"assign task":        func(c *call) { assign(c, "task") },
		"change responsible": func(c *call) { c.t.changeField(c.it, "responsible", value.RefOf("user", c.r.target(c.env).S)) },
		"create document":    createDocument,
	}
}

// act performs a rule's action and reports whether the rules after it
// start now.
func (t *tx) act(it *item, r *plannedRule, env *interp.Env) bool {
	c := &call{t: t, it: it, r: r, env: env}
	if f := actions[r.Action.Name]; f != nil {
		f(c)
	} else {
		c.notRun("no implementation")
	}
	if err := env.Err(); err != nil {
		t.timeline(it, r.Pos.String(), "evaluation stopped: "+err.Error())
	}
	return !c.wait
}

func createLead(c *call) {
	client := c.t.e.pl.Client(c.env)
	if client == nil {
		c.notRun("the deal has no client (no contact and no company)")
		return
	}
	name := c.set("name")
	responsible := orDefault(c.set("responsible").S, c.responsible())
	fields := map[string]value.Value{"title": name, "responsible": value.RefOf("user", responsible),
		"name":        client.Fields[c.t.e.pl.Slot(client.Entity, "name")],
		client.Entity: value.RefOf(client.Entity, client.ID)}
	lead, err := c.t.create("lead", "", fields, "", true)
	if err != nil {
		c.notRun(err.Error())
		return
	}
	c.effect("created", "lead", "", map[string]string{"name": name.String(), "responsible": responsible, "id": lead.ID})
	c.bind(record("id,title", value.TextOf(lead.ID), name))
}

// copyDeal copies every field; the name defaults to the original's plus
// " Copy", the pipeline to the deal's own, the stage to its first.
func copyDeal(c *call) {
	fields := map[string]value.Value{}
	for i, f := range c.t.e.entities[c.it.Entity].Fields {
		if f.Name != "id" && f.Name != "stage" && f.Name != "created" {
			fields[f.Name] = c.it.Fields[i]
		}
	}
	title := orDefault(c.text("name"), c.t.field(c.it, "title").S+" Copy")
	fields["title"] = value.TextOf(title)
	if v := c.set("responsible"); !v.IsNull() {
		fields["responsible"] = value.RefOf("user", v.S)
	}
	dup, err := c.t.create(c.it.Entity, orDefault(c.text("pipeline"), c.it.Pipeline), fields, c.text("stage"), true)
	if err != nil {
		c.notRun(err.Error())
		return
	}
	c.effect("created", "deal", "", map[string]string{"name": title, "pipeline": dup.Pipeline,
		"stage": c.t.field(dup, "stage").S, "id": dup.ID})
	c.bind(record("id,title", value.TextOf(dup.ID), value.TextOf(title)))
}

// assign creates an activity or a task; its responsible is the `to`, or
// the item's responsible.
func assign(c *call, kind string) {
	fields := c.fields()
	fields["responsible"] = c.responsible()
	if c.r.target != nil {
		fields["responsible"] = c.r.target(c.env).S
	}
	c.bind(record("id", value.TextOf(c.effect("created", kind, fields["responsible"], fields))))
}

// createDocument makes a document from a template; its link is usable by
// later rules (M-AUX).
func createDocument(c *call) {
	tmpl := c.text("template")
	name := orDefault(c.text("name"), c.t.e.res[tmpl].Value)
	id := c.effect("created", "document", "", map[string]string{"template": tmpl, "name": name})
	c.bind(record("id,name,url", value.TextOf(id), value.TextOf(name), value.TextOf(DocumentURL+id)))
}

// DocumentURL is where documents are served; a document's link is this
// and its ID.
const DocumentURL = "https://docs.stagecraft.invalid/"

// effect writes an outbox record (sent) or a record (created) and returns
// its key, which is also the idempotency key of a message.
func (t *tx) effect(verb, kind string, it *item, rule, to string, fields map[string]string) string {
	t.n++
	key := fmt.Sprintf("%d-%d", t.in.Seq, t.n)
	e := Effect{Key: key, Seq: t.in.Seq, Time: t.now, Verb: verb, Kind: kind, Item: it.ID, To: to, Fields: fields}
	body, _ := json.Marshal(e)
	if verb == "sent" {
		t.b.Set(keyOutboxAt(t.in.Seq, t.n), body)
		t.timeline(it, rule, fmt.Sprintf("sent %s to %s", kind, orDefault(to, "the client")))
		return key
	}
	recKey := keyRecordAt(t.in.Seq, t.n)
	t.b.Set(recKey, body)
	if kind == "activity" && fields["auto_complete"] == "true" {
		it.Activities = append(it.Activities, string(recKey))
		t.touch(it)
	}
	t.timeline(it, rule, fmt.Sprintf("created %s %s", kind, orDefault(fields["name"], orDefault(fields["title"], fields["subject"]))))
	return key
}

// completeActivities completes the item's auto-complete activities when it
// leaves the stage (R-ACTIVITY).
func (t *tx) completeActivities(it *item) {
	for _, k := range it.Activities {
		raw, ok, _ := t.b.Get([]byte(k))
		var e Effect
		if !ok || json.Unmarshal(raw, &e) != nil {
			continue
		}
		e.Done = true
		body, _ := json.Marshal(e)
		t.b.Set([]byte(k), body)
		t.timeline(it, "", "activity completed: "+e.Fields["subject"])
	}
	if len(it.Activities) > 0 {
		it.Activities = nil
		t.touch(it)
	}
}

// Effects returns every outbox record and record, in order of their inputs.
func (e *Engine) Effects() ([]Effect, error) {
	var out []Effect
	collect := func(_, v []byte) bool {
		var ef Effect
		if json.Unmarshal(v, &ef) == nil {
			out = append(out, ef)
		}
		return true
	}
	if err := e.st.Scan(keyOutbox, collect); err != nil {
		return nil, err
	}
	err := e.st.Scan(keyRecord, collect)
	return out, err
}
