package types

import "github.com/stagecraft/stagecraft/lang/token"

// The shapes in which the standard library declares its actions, triggers,
// functions and resource kinds. The checker reads only these; the runtime
// pairs each with its implementation.

// Setting declares one `key value` setting.
type Setting struct {
	Name     string
	Type     *Type
	Required bool
	Default  string // what applies when it is left out, for docs and messages
	Doc      string
	Auto     bool // the word `auto` is also accepted
	MaxLen   int  // for text: the longest text allowed (an SMS: 200); a warning past it
	Min, Max float64
	// StageOf names the setting holding the pipeline this stage belongs to
	// (copy deal: stage belongs to pipeline); empty: the rule's own pipeline.
	StageOf string
	// Pos is where the setting is declared in source: a custom action's
	// `input NAME: TYPE`. NoPos for the standard library's, declared in Go.
	Pos token.Pos
}

// TargetKind says what an action's `to` names.
type TargetKind uint8

const (
	NoTarget    TargetKind = iota
	EmailTarget            // a client's e-mail address
	PhoneTarget            // a client's phone number
	UserTarget             // an employee
)

// ActionDecl declares an action: VERB OBJECT [to TARGET] SETTINGS [as NAME].
type ActionDecl struct {
	ID             string // catalogue ID, R-...
	Verb, Object   string
	Doc            string
	Target         TargetKind
	TargetRequired bool
	TargetDefault  string // for docs: what `to` is when left out
	Settings       []*Setting
	OneOf          [][]string // exactly one of each group must be given
	Result         *Type      // what `as NAME` binds; nil: nothing
	Entities       []string   // the entities whose stages may use it; nil: all
}

// Name is the action as written: "send sms".
func (a *ActionDecl) Name() string { return a.Verb + " " + a.Object }

// Setting returns the named setting or nil.
func (a *ActionDecl) Setting(name string) *Setting { return lookupSetting(a.Settings, name) }

// TriggerDecl declares a trigger event: move to stage S when WORD WORD SETTINGS.
type TriggerDecl struct {
	ID          string // catalogue ID, T-...
	Event       [2]string
	Doc         string
	DefaultName string
	Settings    []*Setting // event-specific; name and allow_back are standard
	// EventSettings are what a test's `event` statement may give.
	EventSettings []*Setting
	// Raised, when set, says how the engine raises the event itself (a
	// field changing, a deadline passing); it is then not an input, and a
	// test makes it happen that way instead.
	Raised string
}

// Name is the event as written: "invoice paid".
func (t *TriggerDecl) Name() string { return t.Event[0] + " " + t.Event[1] }

// Setting returns the named setting or nil.
func (t *TriggerDecl) Setting(name string) *Setting { return lookupSetting(t.Settings, name) }

// FuncDecl declares a built-in function.
type FuncDecl struct {
	Name string
	Doc  string
	// Check returns the result type for the argument types, or an error
	// message; it is given only valid argument types.
	Check func(args []*Type) (*Type, string)
	Arity int // -1: checked by Check
}

// ResourceKind declares a kind of resource and its settings.
type ResourceKind struct {
	Name        string
	Doc         string
	Value       string // what the quoted value after the name means; empty: none taken
	ValueNeeded bool
	Settings    []*Setting
	Type        *Type // the type of its name in expressions
}

// Setting returns the named setting or nil.
func (k *ResourceKind) Setting(name string) *Setting { return lookupSetting(k.Settings, name) }

func lookupSetting(ss []*Setting, name string) *Setting {
	for _, s := range ss {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Names lists the names of settings, for did-you-mean.
func Names(ss []*Setting) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out
}

// Library is what a standard library declares: the built-in schema as
// source, and the signatures of its actions, triggers, functions and
// resource kinds.
type Library struct {
	SchemaName       string
	SchemaSource     []byte
	Entities         []string // entity types, in order; pipelines are for those in PipelineEntities
	PipelineEntities []string
	Actions          []*ActionDecl
	Triggers         []*TriggerDecl
	TriggerSettings  []*Setting // the standard settings of every trigger
	Funcs            []*FuncDecl
	Resources        []*ResourceKind
	RunVerb          string // the verb of custom actions: run NAME
}
