package engine

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// SMSLimit is the longest SMS text, after inserting fields (R-SMS).
const SMSLimit = 200

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

// act performs a rule's action.
func (t *tx) act(it *item, r *plannedRule, env *interp.Env) {
	pos := r.Pos.String()
	set := func(name string) value.Value {
		if ev := r.settings[name]; ev != nil {
			return ev(env)
		}
		return value.Value{}
	}
	text := func(name string) string { return set(name).String() }
	bind := func(v value.Value) {
		if r.Action.Bind != "" {
			if it.Vars == nil {
				it.Vars = map[string]value.Value{}
			}
			it.Vars[r.Action.Bind] = v
			t.touch(it)
		}
	}
	notRun := func(why string) { t.timeline(it, pos, fmt.Sprintf("%s not run: %s", r.Action.Name, why)) }
	responsible := t.field(it, "responsible").S

	switch name := r.Action.Name; name {
	case "let", "calc":
		bind(r.value(env))
	case "update":
		t.changeField(it, last(r.Action.Field.Path), r.value(env))
	case "send email", "send sms", "send robocall":
		kind, what := map[string]string{"send email": "email", "send sms": "sms", "send robocall": "robocall"}[name], "phone number"
		if kind == "email" {
			what = "e-mail address"
		}
		to := t.address(it, r, env, kind == "email", text("use") == "last")
		if to == "" {
			notRun("no " + what + " of the chosen type")
			return
		}
		fields := map[string]string{}
		for _, k := range sortedKeys(r.settings) {
			fields[k] = text(k)
		}
		if kind == "email" {
			fields["from"] = t.sender(r, responsible, text("from"))
		}
		if kind == "sms" {
			if n := utf8.RuneCountInString(fields["text"]); n > SMSLimit {
				notRun(fmt.Sprintf("the text has %d characters after inserting fields; the limit is %d", n, SMSLimit))
				return
			}
		}
		bind(value.RecordOf([]string{"id"}, []value.Value{value.TextOf(t.effect("sent", kind, it, to, fields))}))
	case "send chat":
		fields := map[string]string{"text": text("text"), "hidden": fmt.Sprint(set("hidden").Bool())}
		t.effect("sent", "chat", it, it.Channel, fields)
	case "send notification":
		to := responsible
		if r.target != nil {
			to = r.target(env).S
		}
		t.effect("sent", "notification", it, to, map[string]string{"text": text("text")})
	case "call webhook":
		fields := map[string]string{"url": text("url"), "method": orDefault(text("method"), "POST"), "payload": text("payload")}
		t.effect("sent", "webhook", it, fields["url"], fields)
		bind(value.RecordOf([]string{"status", "body"}, []value.Value{{}, {}}))
	case "create lead":
		client := t.e.pl.Client(env)
		if client == nil {
			notRun("the deal has no client (no contact and no company)")
			return
		}
		fields := map[string]value.Value{"title": set("name"), "name": value.TextOf(client.Fields[t.e.pl.Slot(client.Entity, "name")].String()),
			"responsible": value.RefOf("user", orDefault(set("responsible").S, responsible))}
		fields[client.Entity] = value.RefOf(client.Entity, client.ID)
		lead, err := t.create("lead", "", fields, "", false)
		if err != nil {
			notRun(err.Error())
			return
		}
		t.effect("created", "lead", it, "", map[string]string{"name": set("name").String(), "responsible": fields["responsible"].S, "id": lead.ID})
		bind(value.RecordOf([]string{"id", "title"}, []value.Value{value.TextOf(lead.ID), set("name")}))
	case "copy deal":
		fields := map[string]value.Value{}
		for i, f := range t.e.entities[it.Entity].Fields {
			if f.Name != "id" && f.Name != "stage" && f.Name != "created" {
				fields[f.Name] = it.Fields[i]
			}
		}
		title := orDefault(text("name"), t.field(it, "title").S+" Copy")
		fields["title"] = value.TextOf(title)
		if v := set("responsible"); !v.IsNull() {
			fields["responsible"] = value.RefOf("user", v.S)
		}
		pipeline := orDefault(text("pipeline"), it.Pipeline)
		copyIt, err := t.create(it.Entity, pipeline, fields, text("stage"), true)
		if err != nil {
			notRun(err.Error())
			return
		}
		t.effect("created", "deal", it, "", map[string]string{"name": title, "pipeline": copyIt.Pipeline,
			"stage": t.field(copyIt, "stage").S, "id": copyIt.ID})
		bind(value.RecordOf([]string{"id", "title"}, []value.Value{value.TextOf(copyIt.ID), value.TextOf(title)}))
	case "schedule activity", "assign task":
		kind := map[string]string{"schedule activity": "activity", "assign task": "task"}[name]
		fields := map[string]string{"responsible": responsible}
		for _, k := range sortedKeys(r.settings) {
			fields[k] = text(k)
		}
		if r.target != nil {
			fields["responsible"] = r.target(env).S
		}
		id := t.effect("created", kind, it, fields["responsible"], fields)
		bind(value.RecordOf([]string{"id"}, []value.Value{value.TextOf(id)}))
	case "change responsible":
		t.changeField(it, "responsible", value.RefOf("user", r.target(env).S))
	case "create document":
		tmpl := text("template")
		docName := orDefault(text("name"), t.e.res[tmpl].Value)
		id := t.effect("created", "document", it, "", map[string]string{"template": tmpl, "name": docName})
		url := "https://docs.stagecraft.invalid/" + id
		bind(value.RecordOf([]string{"id", "name", "url"}, []value.Value{value.TextOf(id), value.TextOf(docName), value.TextOf(url)}))
	case "run":
		notRun("WebAssembly actions run in the wasm host, which this build does not have")
	default:
		notRun("no implementation")
	}
	if err := env.Err(); err != nil {
		t.timeline(it, pos, "evaluation stopped: "+err.Error())
	}
}

// address picks the recipient (R-EMAIL, R-SMS): the target's values of the
// chosen type, or the client's of any type; the first, or the last with
// `use last`.
func (t *tx) address(it *item, r *plannedRule, env *interp.Env, email, useLast bool) string {
	var v value.Value
	if r.target != nil {
		v = r.target(env)
	} else if c := t.e.pl.Client(env); c != nil {
		field := "phone"
		if email {
			field = "email"
		}
		v = c.Fields[t.e.pl.Slot(c.Entity, field)]
	}
	switch {
	case v.K == value.List && len(v.L) > 0 && useLast:
		return v.L[len(v.L)-1].S
	case v.K == value.List && len(v.L) > 0:
		return v.L[0].S
	case v.K == value.Text:
		return v.S
	}
	return ""
}

// sender is the From of an e-mail: the mailbox's address, or with auto the
// responsible employee's first address.
func (t *tx) sender(r *plannedRule, responsible, mailbox string) string {
	if r.auto["from"] || mailbox == "" {
		if u := t.e.user(responsible); u != nil {
			if v := u.Fields[t.e.pl.Slot("user", "email")]; len(v.L) > 0 {
				return v.L[0].S
			}
		}
		return ""
	}
	if res := t.e.res[mailbox]; res != nil {
		return res.Value
	}
	return mailbox
}

// effect writes an outbox record (sent) or a record (created) and returns
// its key, which is also the idempotency key of a message.
func (t *tx) effect(verb, kind string, it *item, to string, fields map[string]string) string {
	t.n++
	key := fmt.Sprintf("%d-%d", t.in.Seq, t.n)
	e := Effect{Key: key, Seq: t.in.Seq, Time: t.now, Verb: verb, Kind: kind, Item: it.ID, To: to, Fields: fields}
	body, _ := json.Marshal(e)
	if verb == "sent" {
		t.b.Set(keyOutboxAt(t.in.Seq, t.n), body)
		t.timeline(it, "", fmt.Sprintf("sent %s to %s", kind, orDefault(to, "the client")))
		return key
	}
	recKey := keyRecordAt(t.in.Seq, t.n)
	t.b.Set(recKey, body)
	if kind == "activity" && fields["auto_complete"] == "true" {
		it.Activities = append(it.Activities, string(recKey))
		t.touch(it)
	}
	t.timeline(it, "", fmt.Sprintf("created %s %s", kind, orDefault(fields["name"], orDefault(fields["title"], fields["subject"]))))
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
