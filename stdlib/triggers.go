package stdlib

import "github.com/stagecraft/stagecraft/compiler/types"

// Triggers (catalogue: T-*). Every trigger also takes the standard settings
// (StandardTriggerSettings) and `as USER`, the employee the stage change is
// recorded under (default: the item's responsible).
var triggers = []*types.TriggerDecl{
	{ID: "T-EMAIL-OPENED", Event: [2]string{"email", "opened"}, DefaultName: "E-mail opened",
		Doc: "The client opened an e-mail sent from the item (every e-mail carries an open pixel; track_clicks tracks its links too)."},
	{ID: "T-LINK-CLICKED", Event: [2]string{"link", "clicked"}, DefaultName: "Link clicked",
		Doc:           "The client clicked the given link in an e-mail sent from the item with track_clicks true.",
		Settings:      []*types.Setting{{Name: "link", Type: types.URLType, Required: true, Doc: "the one link this trigger watches"}},
		EventSettings: []*types.Setting{{Name: "link", Type: types.URLType, Required: true, Doc: "the link clicked"}}},
	{ID: "T-EMAIL-IN", Event: [2]string{"email", "received"}, DefaultName: "E-mail received",
		Doc: "An e-mail from the client arrived."},
	{ID: "T-EMAIL-OUT", Event: [2]string{"email", "sent"}, DefaultName: "E-mail sent",
		Doc: "A manager sent an e-mail to the client."},
	{ID: "T-CALLBACK-FORM", Event: [2]string{"callback", "requested"}, DefaultName: "Callback requested",
		Doc:           "The client filled in a callback form.",
		Settings:      []*types.Setting{{Name: "form", Type: types.ResourceOf("form"), Default: "any callback form", Doc: "only this form"}},
		EventSettings: []*types.Setting{{Name: "form", Type: types.ResourceOf("form"), Doc: "the form filled in"}}},
	{ID: "T-FORM", Event: [2]string{"form", "submitted"}, DefaultName: "Form submitted",
		Doc:           "The client submitted the given CRM web form.",
		Settings:      []*types.Setting{{Name: "form", Type: types.ResourceOf("form"), Required: true, Doc: "the web form"}},
		EventSettings: []*types.Setting{{Name: "form", Type: types.ResourceOf("form"), Required: true, Doc: "the form submitted"}}},
	{ID: "T-CALL-OUT", Event: [2]string{"call", "outgoing"}, DefaultName: "Outgoing call",
		Doc: "A manager called the client."},
	{ID: "T-CALL-IN", Event: [2]string{"call", "incoming"}, DefaultName: "Incoming call",
		Doc:           "The client called.",
		Settings:      []*types.Setting{{Name: "number", Type: types.ResourceOf("line"), Default: "any number", Doc: "only calls to this line"}},
		EventSettings: []*types.Setting{{Name: "number", Type: types.ResourceOf("line"), Doc: "the line called"}}},
	{ID: "T-CALL-MISSED", Event: [2]string{"call", "missed"}, DefaultName: "Missed call",
		Doc:           "A client's call was missed.",
		Settings:      []*types.Setting{{Name: "number", Type: types.ResourceOf("line"), Default: "any number", Doc: "only calls to this line"}},
		EventSettings: []*types.Setting{{Name: "number", Type: types.ResourceOf("line"), Doc: "the line called"}}},
	{ID: "T-CHAT-FIRST", Event: [2]string{"chat", "started"}, DefaultName: "First chat message",
		Doc:      "The client's first message in an open channel. The event may carry the message's text, which chat message triggers (T-CHAT-TEXT) then see too.",
		Settings: []*types.Setting{{Name: "channel", Type: types.ResourceOf("channel"), Default: "any channel", Doc: "only this channel"}},
		EventSettings: append(chatEvent(),
			&types.Setting{Name: "text", Type: types.TextType, Doc: "the first message's text, if the provider gives it"})},
	{ID: "T-CHAT-ACCEPTED", Event: [2]string{"chat", "accepted"}, DefaultName: "Chat accepted",
		Doc:           "A manager took the chat. Also starts the clock of T-CHAT-SLA.",
		Settings:      []*types.Setting{{Name: "channel", Type: types.ResourceOf("channel"), Default: "any channel", Doc: "only this channel"}},
		EventSettings: chatEvent()},
	{ID: "T-CHAT-SLA", Event: [2]string{"chat", "unanswered"}, DefaultName: "Chat not answered in time",
		Raised: "the engine raises it when the timeout passes after chat accepted with no chat reply: use event chat accepted, then wait",
		Doc:    "The manager has not answered within the timeout, counted from when the chat was accepted; a reply stops the clock.",
		Settings: []*types.Setting{
			{Name: "timeout", Type: types.DurationType, Required: true, Doc: "how long the client may wait, e.g. 600s"},
			{Name: "channel", Type: types.ResourceOf("channel"), Default: "any channel", Doc: "only this channel"},
		},
		EventSettings: chatEvent()},
	{ID: "T-CHAT-TEXT", Event: [2]string{"chat", "message"}, DefaultName: "Chat message with text",
		Doc: "A client's message contains the given text: exact, case-sensitive, word order kept, as whole words (jutro is not in zajutro).",
		Settings: []*types.Setting{
			{Name: "text", Type: types.TextType, Required: true, Doc: "the text to find"},
			{Name: "channel", Type: types.ResourceOf("channel"), Default: "any channel", Doc: "only this channel"},
		},
		EventSettings: append(chatEvent(), &types.Setting{Name: "text", Type: types.TextType, Required: true, Doc: "the message"})},
	{ID: "T-INVOICE-PAID", Event: [2]string{"invoice", "paid"}, DefaultName: "Invoice paid",
		Doc: "The item's invoice was paid."},
	{ID: "T-FIELD-CHANGED", Event: [2]string{"field", "changed"}, DefaultName: "Field changed",
		Raised: "the engine raises it when a field changes: use set, like set d.paid = true",
		Doc:    "A field of the item changed; optionally only to a given value (value) or when a condition holds (if).",
		Settings: []*types.Setting{
			{Name: "field", Type: &types.Type{Kind: types.Invalid}, Required: true, Doc: "the field, e.g. deal.amount"},
			{Name: "value", Type: &types.Type{Kind: types.Invalid}, Default: "any value", Doc: "only a change to this value"},
		},
		EventSettings: []*types.Setting{
			{Name: "field", Type: &types.Type{Kind: types.Invalid}, Required: true, Doc: "the field"},
			{Name: "value", Type: &types.Type{Kind: types.Invalid}, Required: true, Doc: "its new value"},
		}},
}

// ManagerReply is the event, not a trigger, that stops the T-CHAT-SLA clock.
var ManagerReply = [2]string{"chat", "reply"}

func chatEvent() []*types.Setting {
	return []*types.Setting{{Name: "channel", Type: types.ResourceOf("channel"), Doc: "the open channel"}}
}

// StandardTriggerSettings are the settings every trigger has.
var StandardTriggerSettings = []*types.Setting{
	{Name: "name", Type: types.TextType, Default: "the trigger's default name", Doc: "a name to tell triggers apart"},
	{Name: "allow_back", Type: types.BoolType, Default: "false", Doc: "allow moving the item to an earlier stage"},
}
