package stdlib

import (
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Auxiliary rules. R-VARIABLE (let), R-MATH (calc) and R-UPDATE (update) are
// forms of the language itself, not actions; R-WASM is `run NAME` of an
// `action` declared in the workspace. What remains is R-WEBHOOK.
var auxiliary = []Action{
	{Decl: &types.ActionDecl{
		ID: "R-WEBHOOK", Verb: "call", Object: "webhook",
		Doc: "Call an outgoing webhook; its answer (as NAME: NAME.status, NAME.body) is usable by later rules.",
		Settings: []*types.Setting{
			{Name: "url", Type: types.URLType, Required: true, Doc: "the address, with field values"},
			{Name: "method", Type: types.EnumOf("POST", "GET", "PUT"), Default: "POST", Doc: "the HTTP method"},
			text("payload", false, "the request body, with field values"),
		},
		Result: types.RecordOf("webhook response",
			&types.Field{Name: "status", Type: types.NumberType},
			&types.Field{Name: "body", Type: types.TextType}),
	}, Run: callWebhook},
}

// RunVerb is the verb of custom actions: run NAME, where NAME is an `action`
// declaration whose module the runtime loads (R-WASM).
const RunVerb = "run"

// callWebhook puts the request in the outbox; its answer comes back as an
// input, and the rules after this one start then, with the answer bound to
// the rule's name (M-AUX).
func callWebhook(c action.Call) {
	fields := map[string]string{"url": c.Text("url"), "method": orDefault(c.Text("method"), "POST"), "payload": c.Text("payload")}
	key := c.Effect("sent", "webhook", fields["url"], fields)
	c.Bind(value.RecordOf([]string{"status", "body"}, []value.Value{{}, {}}))
	c.AwaitAnswer(key)
}
