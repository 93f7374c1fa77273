package stdlib

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Client communication rules (catalogue: R-EMAIL, R-CALL, R-CHAT, R-SMS).
// Who receives them: `to` picks the address or number; left out, it is the
// client's (client.email / client.phone): the item's first contact, or its
// company when it has no contact. Each message becomes an outbox record
// with an idempotency key; delivering it is the server's job.
var communication = []Action{
	{Decl: &types.ActionDecl{
		ID: "R-EMAIL", Verb: "send", Object: "email",
		Doc:    "Send an e-mail to the client.",
		Target: types.EmailTarget, TargetDefault: "client.email[auto]",
		Settings: append([]*types.Setting{
			{Name: "from", Type: types.ResourceOf("mailbox"), Auto: true, Default: "auto",
				Doc: "the mailbox to send from; auto: the responsible employee's address (the first if several)"},
			text("subject", true, "the subject, with field values"),
			text("body", true, "the body, with field values"),
			{Name: "use", Type: types.EnumOf("first", "last"), Default: "first",
				Doc: "with several addresses of the chosen type (with auto: of any type): the first or the last added"},
			flag("track_clicks", "false", "rewrite links so that a click is recorded (feeds T-LINK-CLICKED)"),
		}, attachments()...),
		Result: types.RecordOf("email", &types.Field{Name: "id", Type: types.TextN(32)}),
	}, Run: sendEmail},
	{Decl: &types.ActionDecl{
		ID: "R-CALL", Verb: "send", Object: "robocall",
		Doc:    "Call the client and play a text read by text-to-speech, or an MP3 file. Needs telephony.",
		Target: types.PhoneTarget, TargetDefault: "client.phone[auto]",
		Settings: []*types.Setting{
			resource("from", "line", true, "", "the outgoing number (a line)"),
			text("say", false, "the text to speak, with field values"),
			{Name: "audio", Type: types.URLType, Doc: "a public direct link to an MP3 file"},
			{Name: "voice", Type: types.TextN(40), Default: `"pl-PL female"`, Doc: "language and voice of the speech"},
			{Name: "speed", Type: types.NumberType, Default: "1", Min: 0.5, Max: 2, Doc: "speech speed, 0.5 to 2"},
			{Name: "volume", Type: types.NumberType, Default: "100", Min: 0, Max: 100, Doc: "speech volume, 0 to 100"},
		},
		OneOf: [][]string{{"say", "audio"}},
	}, Run: sendRobocall},
	{Decl: &types.ActionDecl{
		ID: "R-CHAT", Verb: "send", Object: "chat",
		Doc: "Send a message to the client's chat: the open channel the client last wrote from.",
		Settings: append([]*types.Setting{
			text("text", true, "the message, with field values"),
			flag("hidden", "false", "a hidden message: seen only by employees in the chat"),
		}, attachments()...),
	}, Run: sendChat},
	{Decl: &types.ActionDecl{
		ID: "R-SMS", Verb: "send", Object: "sms",
		Doc:    "Send an SMS to the client. No number found: the rule does not run and the timeline says why.",
		Target: types.PhoneTarget, TargetDefault: "client.phone[auto]",
		Settings: []*types.Setting{
			{Name: "text", Type: types.TextType, Required: true, MaxLen: 200,
				Doc: "the message, with field values; at most 200 characters after insertion"},
			resource("provider", "provider", false, "the only declared provider",
				"the SMS provider; may be left out when exactly one is declared"),
		},
	}, Run: sendSMS},
}

// SMSLimit is the longest SMS text, after inserting fields (R-SMS).
const SMSLimit = 200

// TrackURL is where tracked links point: TrackURL + message key + "/" + n.
const TrackURL = "https://t.stagecraft.invalid/c/"

func sendEmail(c action.Call) {
	to := c.Address("email", c.Text("use") == "last")
	if to == "" {
		c.NotRun(noAddress(c, "e-mail address"))
		return
	}
	from := sender(c)
	if from == "" {
		c.NotRun("from auto, and the responsible employee has no e-mail address")
		return
	}
	fields := c.Fields()
	fileLists(c, fields)
	fields["from"] = from
	if value.Truth(c.Set("track_clicks")) {
		fields["body"], fields["links"] = track(fields["body"], c.NextKey())
	}
	c.Bind(value.RecordOf([]string{"id"}, []value.Value{value.TextOf(c.Effect("sent", "email", to, fields))}))
}

// noAddress says why a message has no address: the item has no client at
// all (and no to of its own), or the client has none of the type chosen.
func noAddress(c action.Call, what string) string {
	if _, explicit := c.Target(); !explicit {
		if _, _, ok := c.Client(); !ok {
			return "no " + what + ": the item has no client (no contact or company)"
		}
	}
	return "no " + what + " of the chosen type"
}

// sender is an e-mail's From: the mailbox's address, or with auto (the
// default) the responsible employee's first address.
func sender(c action.Call) string {
	if mailbox := c.Text("from"); !c.Auto("from") && mailbox != "" {
		if res := c.Resource(mailbox); res != nil {
			return res.Value
		}
		return mailbox
	}
	return c.UserEmail(c.Responsible())
}

// link is a URL in a text; punctuation that ends a sentence is not part of it.
var link = regexp.MustCompile(`https?://[^\s"'<>]*[^\s"'<>.,;:!?)]`)

// track rewrites the links of a body so that a click is recorded
// (track_clicks, feeding T-LINK-CLICKED): the n-th link becomes
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

func sendRobocall(c action.Call) {
	to := c.Address("phone", false)
	if to == "" {
		c.NotRun(noAddress(c, "phone number"))
		return
	}
	fields := c.Fields()
	if fields["say"] != "" { // the defaults of the speech settings
		fields["voice"] = orDefault(fields["voice"], "pl-PL female")
		fields["speed"] = orDefault(fields["speed"], "1")
		fields["volume"] = orDefault(fields["volume"], "100")
	}
	if line := c.Resource(fields["from"]); line != nil {
		fields["number"] = line.Value
	}
	c.Effect("sent", "robocall", to, fields)
}

// sendChat writes to the open channel the client last wrote from. A client
// who has not written yet has no channel: the message waits in the item's
// chat, addressed to no channel, and the timeline says so.
func sendChat(c action.Call) {
	fields := map[string]string{"text": c.Text("text"), "hidden": fmt.Sprint(value.Truth(c.Set("hidden")))}
	fileLists(c, fields)
	if c.Channel() == "" && fields["hidden"] == "false" {
		c.Note("the client has written from no open channel yet: the message waits in the item's chat")
	}
	c.Effect("sent", "chat", c.Channel(), fields)
}

func sendSMS(c action.Call) {
	to := c.Address("phone", false)
	if to == "" {
		c.NotRun(noAddress(c, "phone number"))
		return
	}
	fields := c.Fields()
	if n := utf8.RuneCountInString(fields["text"]); n > SMSLimit {
		c.NotRun(fmt.Sprintf("the text has %d characters after inserting fields; the limit is %d", n, SMSLimit))
		return
	}
	if fields["provider"] == "" { // the only declared provider; the checker made sure there is one
		fields["provider"] = c.Only("provider")
	}
	c.Effect("sent", "sms", to, fields)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// fileLists writes the files of attach and drive as a JSON array of texts,
// not as a list rendered for reading ("a, b"), which delivery would have
// to split again: a file named "Oferta, v2.pdf" is one file. An empty
// list writes nothing.
func fileLists(c action.Call, fields map[string]string) {
	for _, k := range []string{"attach", "drive"} {
		delete(fields, k)
		v := c.Set(k)
		var files []string
		switch {
		case v.K == value.List:
			for _, e := range v.L {
				if !e.IsNull() && e.String() != "" {
					files = append(files, e.String())
				}
			}
		case !v.IsNull() && v.String() != "":
			files = []string{v.String()}
		}
		if len(files) > 0 {
			b, _ := json.Marshal(files) // texts only: cannot fail
			fields[k] = string(b)
		}
	}
}
