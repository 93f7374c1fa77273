package stdlib

import "github.com/stagecraft/stagecraft/compiler/types"

// Resource kinds: the named things of a workspace that rules refer to.
var resourceKinds = []*types.ResourceKind{
	{Name: "mailbox", Doc: "a connected mailbox that e-mails are sent from", Value: "its address", ValueNeeded: true},
	{Name: "line", Doc: "an outgoing phone number (telephony)", Value: "the number", ValueNeeded: true},
	{Name: "provider", Doc: "a configured SMS provider", Value: "its display name"},
	{Name: "channel", Doc: "an open channel (chat)", Value: "its display name"},
	{Name: "form", Doc: "a CRM web form or callback form", Value: "its display name",
		Settings: []*types.Setting{{Name: "kind", Type: types.EnumOf("web", "callback"), Default: "web", Doc: "a web form or a callback form"}}},
	{Name: "employee", Doc: "a user of the CRM", Value: "the full name", Type: types.UserType,
		Settings: []*types.Setting{
			{Name: "email", Type: types.EmailsType, Doc: `e-mail addresses: a string (a work address) or typed, as a contact's: [work("..."), home("...")]; the first is the one from auto sends from`},
			{Name: "phone", Type: types.PhonesType, Doc: `phone numbers: a string (a work number) or typed: [work("..."), mobile("...")]`},
			{Name: "supervisor", Type: types.UserType, Doc: "the supervisor, another employee"},
			{Name: "department", Type: types.TextType, Doc: "the department"},
		}},
	{Name: "template", Doc: "a document template", Value: "its display name"},
	{Name: "calendar", Doc: "the working calendar for worktime delays (one per workspace)",
		Settings: []*types.Setting{
			{Name: "timezone", Type: types.TextType, Required: true, Doc: `an IANA time zone, e.g. "Europe/Warsaw"`},
			{Name: "days", Type: types.ListOf(types.EnumOf("mon", "tue", "wed", "thu", "fri", "sat", "sun")), Default: "[mon, tue, wed, thu, fri]", Doc: "working days"},
			{Name: "hours", Type: types.ListOf(types.TimeType), Default: "[09:00, 17:00]", Doc: "start and end of the working day"},
			{Name: "holidays", Type: types.ListOf(types.DateType), Default: "[]", Doc: "days off"},
		}},
	{Name: "action", Doc: "a custom action shipped as a WebAssembly module (R-WASM), run with `run NAME`",
		Value: "the module's path", ValueNeeded: true,
		Settings: []*types.Setting{
			{Name: "input", Doc: "a typed input: input NAME: TYPE"},
			{Name: "output", Doc: "a typed output: output NAME: TYPE"},
		}},
}
