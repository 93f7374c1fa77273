package stdlib

import "github.com/stagecraft/stagecraft/compiler/types"

// Client communication rules (catalogue: R-EMAIL, R-CALL, R-CHAT, R-SMS).
// Who receives them: `to` picks the address or number; left out, it is the
// client's (client.email / client.phone): the item's first contact, or its
// company when it has no contact.
var communicationActions = []*types.ActionDecl{
	{
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
	},
	{
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
	},
	{
		ID: "R-CHAT", Verb: "send", Object: "chat",
		Doc: "Send a message to the client's chat: the open channel the client last wrote from.",
		Settings: append([]*types.Setting{
			text("text", true, "the message, with field values"),
			flag("hidden", "false", "a hidden message: seen only by employees in the chat"),
		}, attachments()...),
	},
	{
		ID: "R-SMS", Verb: "send", Object: "sms",
		Doc:    "Send an SMS to the client. No number found: the rule does not run and the timeline says why.",
		Target: types.PhoneTarget, TargetDefault: "client.phone[auto]",
		Settings: []*types.Setting{
			{Name: "text", Type: types.TextType, Required: true, MaxLen: 200,
				Doc: "the message, with field values; at most 200 characters after insertion"},
			resource("provider", "provider", false, "the only declared provider",
				"the SMS provider; may be left out when exactly one is declared"),
		},
	},
}
