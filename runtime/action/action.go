// Package action is the boundary between the engine and the implementations
// of actions and functions: Call is everything an action's implementation
// sees and may do, Func is an implementation, and Library is the set of
// implementations an engine is given (stdlib.Runtime builds it).
//
// It holds no storage: runtime/engine implements Call over its batch, so
// the standard library can implement its actions beside their declarations
// (stdlib) while the checker, which imports those declarations, links
// neither the engine nor Pebble. deps_test.go holds that line.
package action

import (
	"context"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Func implements an action: it reads the rule's settings and the item
// through c and acts through c.
type Func func(c Call)

// Library is what an engine runs actions and functions with: the standard
// library's implementations, by name (stdlib.Runtime). The language's own
// forms (let, calc, update, run) are the engine's.
type Library struct {
	Actions map[string]Func // by name as written: "send sms"
	Funcs   map[string]interp.Func
	// Events are the events an input may bring, each with the settings
	// it may carry.
	Events map[string][]string
	// Needs are, of each event, the settings it must carry (a form
	// submitted names its form), which the API asks for before taking
	// the event; the engine itself takes the event without them, as
	// logged inputs were taken.
	Needs map[string][]string
	// EventIDs are the events' catalogue IDs ("T-INVOICE-PAID"), each
	// with the event's name ("invoice paid"): a client may name an event
	// either way (Engine.EventName).
	EventIDs map[string]string
	// Raised are the events the engine raises itself (T-CHAT-SLA, T-FIELD-
	// CHANGED), by name and by catalogue ID, each with what raises it: an
	// input naming one is told so.
	Raised map[string]string
	// Custom runs custom actions (R-WASM); nil: a `run` rule records that
	// this engine has no WebAssembly host.
	Custom Custom
}

// Call is one run of a rule's action, as its implementation sees it: the
// rule's settings evaluated on demand, the item, and the effects it may
// have. Everything an action does goes through it, into the input's batch.
type Call interface {
	// Set evaluates a setting; null if it is not given.
	Set(name string) value.Value
	// Text is a setting as text (a template rendered); "" if it is not given.
	Text(name string) string
	// Auto reports whether a setting was given as `auto`.
	Auto(name string) bool
	// Fields renders every setting given, as text.
	Fields() map[string]string
	// Target evaluates `to`; ok is false when the rule has none.
	Target() (v value.Value, ok bool)
	// TargetText is the rule's `to` as the checker resolved it
	// (deal.responsible.supervisor), for a timeline saying why it named
	// no one.
	TargetText() string
	// SettingText is a setting as written (deal.delivery_date), for a
	// timeline saying why its value was empty; "" if it is not given.
	SettingText(name string) string
	// Address picks a recipient (R-EMAIL, R-SMS, R-CALL): the target's
	// values of the chosen type, or, without a target, the client's field
	// of any type; the first added, or the last with useLast. "" if there
	// is none.
	Address(field string, useLast bool) string

	// Field is a field of the item.
	Field(name string) value.Value
	// Responsible is the name of the item's responsible employee.
	Responsible() string
	// Pipeline is the item's pipeline.
	Pipeline() string
	// Channel is the open channel the client last wrote from, or "".
	Channel() string
	// Client is the item's client: its first contact, or its company when
	// it has none, or a lead with neither itself. ok is false when there
	// is none.
	Client() (entity, id string, ok bool)
	// ClientField is a field of the client, or null.
	ClientField(name string) value.Value
	// Copyable are the item's fields that a copy takes: all but those the
	// system sets.
	Copyable() map[string]value.Value
	// Resource is a declared resource by name, or nil.
	Resource(name string) *ir.Resource
	// Only is the name of the one declared resource of a kind, or "".
	Only(kind string) string
	// UserEmail is an employee's first e-mail address, or "".
	UserEmail(name string) string

	// Bind sets the rule's variable or result, if it names one (M-AUX).
	Bind(v value.Value)
	// NotRun records on the timeline why the action did not run.
	NotRun(why string)
	// Note writes a line on the item's timeline, marked with the rule.
	Note(text string)
	// ChangeField changes a field of the item, as an update would: a
	// change fires the field-changed triggers.
	ChangeField(name string, v value.Value)
	// Create makes an item, which enters its stage (the first of its
	// pipeline when stage is ""), and returns its ID, pipeline and stage.
	// A title longer than its field is cut to it, in fields too, and the
	// timeline says so.
	Create(entity, pipeline string, fields map[string]value.Value, stage string) (id, pipe, st string, err error)
	// Effect writes an outbox record (verb "sent") or a record
	// ("created") and returns its key, which is also the idempotency key
	// of a message.
	Effect(verb, kind, to string, fields map[string]string) string
	// NextKey is the key the next Effect will have.
	NextKey() string
	// AwaitAnswer makes the rules after this one wait for the answer to
	// the outbox record key (an `answer` input) instead of starting now.
	// Without rules after it, there is nothing to wait for.
	AwaitAnswer(key string)
}

// Custom runs the custom actions of a program (R-WASM, spec/wasm.md). The
// engine calls it for each `run` rule with the rule's module, pinned by the
// hash the program was checked against, the action's typed signature and
// the inputs, and writes what it returns, or its error, on the item's
// timeline. runtime/wasm implements it, so the engine links no WebAssembly
// runtime.
//
// An implementation must be deterministic: the same module bytes and the
// same inputs give the same outputs, so that a replay of the log makes the
// same state. It refuses a module whose bytes no longer have the pinned
// hash. Its errors are typed (the implementation's), and end the rule, not
// the input: the engine carries on.
type Custom interface {
	RunCustom(ctx context.Context, mod *ir.Module, call *ir.CustomCall, inputs map[string]value.Value) (CustomResult, error)
}

// CustomResult is a custom action's outputs, by name, checked against its
// signature, and the log it wrote (kept with an error too).
type CustomResult struct {
	Outputs map[string]value.Value
	Log     string
	// MachineDependent marks a failure that is not a function of the
	// module's bytes and the inputs but of the machine that made the call:
	// a wall-clock time limit, a module file missing or changed on this
	// disk, a caller that gave up. The engine records such an outcome with
	// the input in its log, and a replay of that input uses the record
	// instead of calling (spec/semantics.md, "Custom actions").
	MachineDependent bool
}

type replayKey struct{}

// Replaying marks the context of a call made while the engine replays a
// logged input, whose original run completed this call with an outcome
// that is a function of the module's bytes and the inputs (a machine-
// dependent one would have been recorded and not called again). A Custom
// should then not hold it to a wall-clock limit tighter than what a slower
// machine needs to finish it (runtime/wasm gives it Options.ReplayTimeout).
func Replaying(ctx context.Context) context.Context {
	return context.WithValue(ctx, replayKey{}, true)
}

// IsReplaying reports whether ctx is a replay's (Replaying).
func IsReplaying(ctx context.Context) bool {
	b, _ := ctx.Value(replayKey{}).(bool)
	return b
}
