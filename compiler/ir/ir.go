// Package ir is the checked program in the form the runtime executes: names
// resolved, types decided, every node with its source position. It is plain
// data, so a deployed version can be stored and read back: Encode writes a
// magic number and a format version before the body, and Decode refuses
// anything else. The runtime imports this package, never the parser or the
// checker.
package ir

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Magic starts every encoded program; Version is the format of the body.
// Version 2: operators carry their overload (Expr.Overload).
// Version 3: custom actions carry their module (Program.Modules, pinned by
// hash) and their typed signature (Action.Call).
// Version 4: fields carry their root (Expr.Root) and the clock's values
// their builtin (Expr.Builtin), as the checker resolved them; kinds are
// typed (Kind); a typed address is an OpAddress, not a call named by its
// type.
// Version 5: a literal that the source wrote as a name (a stage, a
// pipeline, a resource) carries it in Expr.Name, so that it is printed as
// written and a text equal to a name stays a text. Decode still reads
// versions 2 to 4, upgrading them (upgrade.go).
const (
	Magic   = "SCIR"
	Version = 5
)

// Program is a checked workspace.
type Program struct {
	Entities  []*Entity
	Pipelines []*Pipeline
	Resources []*Resource
	Rules     []*Rule
	Triggers  []*Trigger
	Tests     []*Test
	// Vars are the names that rules bind (let, calc, as NAME); a
	// variable's slot is its index here.
	Vars []string
	// Modules are the WebAssembly modules that custom actions run in,
	// each pinned by the hash of the bytes the program was checked
	// against; Action.Call.Module indexes them.
	Modules []*Module `json:",omitempty"`
}

// Module is a custom actions' module (spec/wasm.md): the runtime runs it
// only while its file still has the bytes the program was checked against.
type Module struct {
	Path    string // slash-separated, as the checker resolved it (the rules file's folder joined with the path written)
	Hash    string // sha256:<hex> of the whole file
	Name    string // the manifest's module name and version, for messages
	Version string
}

// CustomCall is a custom action's typed signature, from the module's
// manifest: what the runtime marshals the rule's settings into, and what
// it checks the reply against.
type CustomCall struct {
	Module  int    // index in Program.Modules
	Action  string // the manifest's action: its export is action_NAME
	Inputs  []*Param
	Outputs []*Param
}

// Param is one typed input or output of a custom action.
type Param struct {
	Name     string
	Type     string // as the manifest writes it: text, number, money, bool, date, datetime, time, duration, list(T)
	Optional bool   `json:",omitempty"`
}

// Pos is a source position.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// Entity is an entity type; its fields' order gives their slots at run time.
type Entity struct {
	Name   string
	Fields []*Field
}

// Field is a field of an entity.
type Field struct {
	Name     string
	Kind     Kind     // the type's kind: text, money, emails, entity, ...
	Ref      string   // for an entity-valued field (or a list of them): the entity
	MaxLen   int      `json:",omitempty"` // text: the longest value in characters
	Values   []string `json:",omitempty"` // enum: the members
	ReadOnly bool     `json:",omitempty"` // set by the system (id, stage, created)
}

// Pipeline is an ordered list of stages.
type Pipeline struct {
	Entity string
	Name   string
	Stages []*Stage
}

// Stage is a stage; Kind is "in progress", "won" or "lost".
type Stage struct {
	Name string
	Kind string
}

// Resource is a declared resource (mailbox, employee, calendar, ...).
type Resource struct {
	Kind     string
	Name     string
	Value    string
	Settings map[string]string
	Lists    map[string][]string // list-valued settings: a calendar's days, hours, holidays
	// Addresses are e-mail and phone settings (an employee's email and
	// phone), each a list of typed addresses in the order written.
	Addresses map[string][]Address `json:",omitempty"`
}

// Address is a typed e-mail address or phone number: work("a@b.example").
type Address struct {
	Type string // work, home, mobile, ...
	Text string
}

// Rule is `on stage S [then] [after D | at T] [worktime] [if C]: ACTION`.
type Rule struct {
	Index int
	Pos   Pos
	// Ident is the rule's identity across program versions: its label when
	// it has one, otherwise derived from its stage and what it does
	// (spec/language.md, "Names and identity"); the checker computes it
	// (check.Rule.Ident). Pending work refers to it, never to Index.
	Ident    string
	Label    string `json:",omitempty"` // the explicit name written before the rule, if any
	Entity   string
	Pipeline string
	Stage    string
	Previous int   // index of the rule this one runs after (then); -1: none
	After    int64 // seconds to wait; with At nil
	At       *Expr // the time to run at
	Worktime bool  // move the time to the next working moment (M-WORKTIME)
	Keep     bool  // the wait goes on when the item leaves the stage
	Cond     *Expr
	Action   *Action
}

// Action is what a rule does.
type Action struct {
	Name     string // "send sms", "let", "calc", "update", "run"
	ID       string // catalogue ID
	Target   *Expr
	Settings []*Setting
	Bind     string      // the variable or result it sets
	BindSlot int         // its slot in Program.Vars
	Field    *Expr       // update: the field
	Value    *Expr       // let, calc, update: the value
	Custom   string      // run: the action's name as declared
	Call     *CustomCall `json:",omitempty"` // run: its module and typed signature; the settings are its inputs by name
}

// Setting is one `key value` of an action, trigger, event or test item.
type Setting struct {
	Name  string
	Auto  bool
	Value *Expr
}

// Trigger is `move to stage S when EVENT SETTINGS [if C] [as U]`.
type Trigger struct {
	Index     int
	Pos       Pos
	Ident     string // identity across program versions, as Rule.Ident
	Label     string `json:",omitempty"`
	ID        string
	Entity    string
	Pipeline  string
	Stage     string
	Event     string
	Name      string
	AllowBack bool
	As        string // employee; empty: the item's responsible
	Settings  []*Setting
	Cond      *Expr
}

// Setting returns the named setting of t or nil.
func (t *Trigger) Setting(name string) *Setting { return findSetting(t.Settings, name) }

// Setting returns the named setting of a or nil.
func (a *Action) Setting(name string) *Setting { return findSetting(a.Settings, name) }

func findSetting(ss []*Setting, name string) *Setting {
	for _, s := range ss {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Expr is a resolved, typed expression.
type Expr struct {
	Op   Op
	Pos  Pos
	Kind Kind // the static type's kind
	// Lit: the literal as written (Text: its value); Name: a builtin
	// (now, today, tomorrow), an operator, a function, a variable, a
	// field's first name, or the name a Lit was written as (a stage, a
	// pipeline, a resource; empty for a string), as written. The runtime reads it only where it is
	// a reference: a function, a test item, an entity (Root).
	Lit  string
	Name string
	// Root: Field without X: what the first name is, which the runtime
	// finds the item by.
	Root Root `json:",omitempty"`
	// Builtin: Builtin: the clock's value the name stands for.
	Builtin Builtin  `json:",omitempty"`
	Path    []string // Field: the field names after the root; Var: the record's fields
	Slot    int      `json:",omitempty"` // Var: the variable's slot in Program.Vars
	Sel     string   // TypeSel, Address: the e-mail or phone type
	X, Y    *Expr
	Args    []*Expr // Call, List; Template: its parts (Lit text or expressions)
	// Overload: Unary, Binary: the ID of the overload in the table of
	// operators (runtime/value/ops) that the checker resolved the operator
	// to, which the runtime runs; Name keeps the operator as written.
	Overload string `json:",omitempty"`
}

// Op is the kind of an expression node.
type Op string

const (
	OpLit      Op = "lit"      // Lit of Kind
	OpBuiltin  Op = "builtin"  // Builtin (Name as written)
	OpField    Op = "field"    // Root (Name as written) . Path; or X . Path
	OpVar      Op = "var"      // Name . Path: a variable or action result
	OpUnary    Op = "unary"    // Name X, by Overload
	OpBinary   Op = "binary"   // X Name Y, by Overload
	OpRange    Op = "range"    // X..Y
	OpCall     Op = "call"     // Name(Args)
	OpList     Op = "list"     // [Args]
	OpTemplate Op = "template" // text with inserted Args
	OpTypeSel  Op = "typesel"  // X[Sel]
	OpAddress  Op = "address"  // Sel(X): a typed e-mail address or phone number, mobile("+48 ...")
)

// Test is a `test` block.
type Test struct {
	Name  string
	Pos   Pos
	Steps []*Step
}

// Step is one statement of a test.
type Step struct {
	Op       string // at, given, move, set, event, wait, expect, expect-effect, expect-timeline
	Pos      Pos
	Entity   string // given: the entity
	Item     string // the test item named
	Stage    string // move: the stage
	By       string // move: the employee
	Event    string // event: "invoice paid"
	Settings []*Setting
	Value    *Expr // at, set, expect: the value or condition
	Field    string
	Seconds  int64 // wait
	No       bool  // expect no ...
	Verb     string
	Kind     string
	Target   *Expr
	Text     string // expect timeline
	At       *Expr  // expect-effect, expect-timeline: when it happened
	After    string // expect-effect: the effect it follows, named by an earlier Bind
	Bind     string // expect-effect: the name of what matched (as NAME)
}

// Encode writes the program: magic, version, then a JSON body.
func Encode(p *Program) ([]byte, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return append([]byte(fmt.Sprintf("%s%d\n", Magic, Version)), body...), nil
}

// Decode reads an encoded program, refusing another format: versions 2
// to 4, still kept in stores and input logs, are upgraded (upgrade3,
// upgrade4); a
// newer version, or a body whose enums hold a word this build does not
// know, is refused.
func Decode(b []byte) (*Program, error) {
	head, body, ok := bytes.Cut(b, []byte("\n"))
	if !ok || !bytes.HasPrefix(head, []byte(Magic)) {
		return nil, fmt.Errorf("not a stagecraft program (no %s header)", Magic)
	}
	v := string(head[len(Magic):])
	if v != fmt.Sprint(Version) && v != "4" && v != "3" && v != "2" {
		return nil, fmt.Errorf("program format version %s; this build reads versions 2 to %d", v, Version)
	}
	var p Program
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("corrupt program: %v", err)
	}
	if v == "2" || v == "3" { // version 3 only added what version 2 could not carry (custom actions' modules)
		upgrade3(&p)
	}
	if v != fmt.Sprint(Version) {
		upgrade4(&p)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("corrupt program: %v", err)
	}
	return &p, nil
}
