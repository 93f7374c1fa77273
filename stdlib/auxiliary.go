package stdlib

import "github.com/stagecraft/stagecraft/compiler/types"

// Auxiliary rules. R-VARIABLE (let), R-MATH (calc) and R-UPDATE (update) are
// forms of the language itself, not actions; R-WASM is `run NAME` of an
// `action` declared in the workspace. What remains is R-WEBHOOK.
var auxiliaryActions = []*types.ActionDecl{
	{
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
	},
}

// RunVerb is the verb of custom actions: run NAME, where NAME is an `action`
// declaration whose module the runtime loads (R-WASM).
const RunVerb = "run"
