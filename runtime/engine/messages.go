package engine

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/runtime/value"
)

// Messages to the client and to employees (R-EMAIL, R-SMS, R-CALL, R-CHAT,
// R-NOTIFY, R-WEBHOOK). Each becomes an outbox record with an idempotency
// key; delivering it is the server's job.

// SMSLimit is the longest SMS text, after inserting fields (R-SMS).
const SMSLimit = 200

// TrackURL is where tracked links point: TrackURL + message key + "/" + n.
const TrackURL = "https://t.stagecraft.invalid/c/"

func sendEmail(c *call) {
	to := c.address("email", c.text("use") == "last")
	if to == "" {
		c.notRun("no e-mail address of the chosen type")
		return
	}
	from := c.sender()
	if from == "" {
		c.notRun("from auto, and the responsible employee has no e-mail address")
		return
	}
	fields := c.fields()
	fields["from"] = from
	key := c.t.peekKey()
	if c.set("track_clicks").Bool() {
		fields["body"], fields["links"] = track(fields["body"], key)
	}
	c.bind(record("id", value.TextOf(c.effect("sent", "email", to, fields))))
}

func sendSMS(c *call) {
	to := c.address("phone", false)
	if to == "" {
		c.notRun("no phone number of the chosen type")
		return
	}
	fields := c.fields()
	if n := utf8.RuneCountInString(fields["text"]); n > SMSLimit {
		c.notRun(fmt.Sprintf("the text has %d characters after inserting fields; the limit is %d", n, SMSLimit))
		return
	}
	if fields["provider"] == "" { // the only declared provider; the checker made sure there is one
		fields["provider"] = c.t.e.only("provider")
	}
	c.effect("sent", "sms", to, fields)
}

func sendRobocall(c *call) {
	to := c.address("phone", false)
	if to == "" {
		c.notRun("no phone number of the chosen type")
		return
	}
	fields := c.fields()
	if fields["say"] != "" {
		fields["voice"] = orDefault(fields["voice"], "pl-PL female")
		fields["speed"] = orDefault(fields["speed"], "1")
		fields["volume"] = orDefault(fields["volume"], "100")
	}
	if line := c.t.e.res[fields["from"]]; line != nil {
		fields["number"] = line.Value
	}
	c.effect("sent", "robocall", to, fields)
}

// sendChat writes to the open channel the client last wrote from. A client
// who has not written yet has no channel: the message waits in the item's
// chat, addressed to no channel (to is empty), and the timeline says so.
func sendChat(c *call) {
	fields := map[string]string{"text": c.text("text"), "hidden": fmt.Sprint(c.set("hidden").Bool())}
	for _, k := range []string{"attach", "drive"} {
		if v := c.text(k); v != "" {
			fields[k] = v
		}
	}
	if c.it.Channel == "" && fields["hidden"] == "false" {
		c.t.timeline(c.it, c.r.Pos.String(), "the client has written from no open channel yet: the message waits in the item's chat")
	}
	c.effect("sent", "chat", c.it.Channel, fields)
}

func sendNotification(c *call) {
	to := c.responsible()
	if c.r.target != nil {
		to = c.r.target(c.env).S
	}
	if to == "" {
		c.notRun("nobody to notify: the item has no responsible")
		return
	}
	c.effect("sent", "notification", to, map[string]string{"text": c.text("text")})
}

// callWebhook sends the request through the outbox. Its answer comes back
// as an input; the rules after this one start when it does, with the
// answer bound to the rule's name (M-AUX).
func callWebhook(c *call) {
	fields := map[string]string{"url": c.text("url"), "method": orDefault(c.text("method"), "POST"), "payload": c.text("payload")}
	key := c.effect("sent", "webhook", fields["url"], fields)
	c.bind(record("status,body", value.Value{}, value.Value{}))
	if len(c.t.e.follow[c.r.Index]) > 0 {
		c.it.Awaiting = append(c.it.Awaiting, awaiting{Key: key, Rule: c.r.Index, Entered: c.it.Entered})
		c.t.touch(c.it)
		c.wait = true
	}
}

// address picks a recipient (R-EMAIL, R-SMS, R-CALL): the target's values
// of the chosen type, or, without a target, the client's of any type (the
// first contact, or the company when there is none); the first added, or
// the last with `use last`.
func (c *call) address(field string, useLast bool) string {
	var v value.Value
	if c.r.target != nil {
		v = c.r.target(c.env)
	} else if cl := c.t.e.pl.Client(c.env); cl != nil {
		v = cl.Fields[c.t.e.pl.Slot(cl.Entity, field)]
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

// sender is an e-mail's From: the mailbox's address, or with auto (the
// default) the responsible employee's first address.
func (c *call) sender() string {
	if mailbox := c.text("from"); !c.r.auto["from"] && mailbox != "" {
		if res := c.t.e.res[mailbox]; res != nil {
			return res.Value
		}
		return mailbox
	}
	if u := c.t.e.user(c.responsible()); u != nil {
		if v := u.Fields[c.t.e.pl.Slot("user", "email")]; len(v.L) > 0 {
			return v.L[0].S
		}
	}
	return ""
}

// only is the name of the one declared resource of a kind, or "".
func (e *Engine) only(kind string) string {
	name := ""
	for _, r := range e.prog.Resources {
		if r.Kind == kind {
			if name != "" {
				return ""
			}
			name = r.Name
		}
	}
	return name
}

// link is a URL in a text; punctuation that ends a sentence is not part of it.
var link = regexp.MustCompile(`https?://[^\s"'<>]*[^\s"'<>.,;:!?)]`)

// track rewrites the links of a body so that a click is recorded (R-EMAIL
// track_clicks, feeding T-LINK-CLICKED): the n-th link becomes
// TrackURL/key/n. It returns the body and the original links, one a line,
// for the server to resolve a click to its link.
func track(body, key string) (string, string) {
	var links []string
	out := link.ReplaceAllStringFunc(body, func(u string) string {
		links = append(links, u)
		return fmt.Sprintf("%s%s/%d", TrackURL, key, len(links))
	})
	return out, strings.Join(links, "\n")
}
