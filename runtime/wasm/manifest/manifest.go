// Package manifest reads and writes the manifest a stagecraft action module
// carries in its custom section "stagecraft.manifest" (spec/wasm.md): the
// module's name and version and its actions with their typed inputs and
// outputs. It links nothing but the standard library, so the checker can
// read a module's signatures without the WebAssembly host.
package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// SectionName is the name of the custom section that holds the manifest.
const SectionName = "stagecraft.manifest"

// ABI is the version of the calling convention this package describes.
const ABI = 1

// MaxSize bounds a manifest's JSON.
const MaxSize = 64 << 10

// MaxModuleSize bounds a module file that is read to be checked or run:
// it is read whole to be hashed. The checker and the runner both read
// module files, and refuse the same sizes.
const MaxModuleSize = 64 << 20

// Manifest is what a module declares about itself.
type Manifest struct {
	ABI     int      `json:"abi"`
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Actions []Action `json:"actions"`
}

// Action is one action of a module: its export is "action_" + Name.
type Action struct {
	Name    string  `json:"name"`
	Doc     string  `json:"doc,omitempty"`
	Inputs  []Param `json:"inputs"`
	Outputs []Param `json:"outputs"`
}

// Param is an input or an output. An optional input may be left out of a
// call; an optional output may be null or left out of a reply.
type Param struct {
	Name     string `json:"name"`
	Type     Type   `json:"type"`
	Optional bool   `json:"optional,omitempty"`
	Doc      string `json:"doc,omitempty"`
}

// Export is the name of the function an action is called through.
func (a *Action) Export() string { return "action_" + a.Name }

// Action returns the action of that name, or nil.
func (m *Manifest) Action(name string) *Action {
	for i := range m.Actions {
		if m.Actions[i].Name == name {
			return &m.Actions[i]
		}
	}
	return nil
}

// Input returns the input of that name, or nil.
func (a *Action) Input(name string) *Param { return find(a.Inputs, name) }

// Output returns the output of that name, or nil.
func (a *Action) Output(name string) *Param { return find(a.Outputs, name) }

func find(ps []Param, name string) *Param {
	for i := range ps {
		if ps[i].Name == name {
			return &ps[i]
		}
	}
	return nil
}

// Kind is a type of the language that crosses the ABI.
type Kind uint8

const (
	Invalid Kind = iota
	Text
	Number
	Money
	Bool
	Date
	DateTime
	Time
	Duration
	List
)

var kindNames = [...]string{"", "text", "number", "money", "bool", "date", "datetime", "time", "duration", "list"}

// Type is a type of an input or an output: a scalar kind, or a list of a
// scalar kind. In JSON it is written as the language writes it: "money",
// "list(date)".
type Type struct {
	Kind Kind
	Elem Kind // the kind of a list's elements
}

func (t Type) String() string {
	if t.Kind == List {
		return "list(" + kindNames[t.Elem] + ")"
	}
	if int(t.Kind) < len(kindNames) && t.Kind != Invalid {
		return kindNames[t.Kind]
	}
	return "invalid"
}

// ParseType reads a type as the manifest writes it.
func ParseType(s string) (Type, error) {
	if inner, ok := strings.CutPrefix(s, "list("); ok && strings.HasSuffix(inner, ")") {
		elem, err := ParseType(strings.TrimSuffix(inner, ")"))
		if err != nil || elem.Kind == List {
			return Type{}, fmt.Errorf("type %q: a list's elements are one of text, number, money, bool, date, datetime, time, duration", s)
		}
		return Type{Kind: List, Elem: elem.Kind}, nil
	}
	for k, n := range kindNames {
		if n == s && Kind(k) != List && k != 0 {
			return Type{Kind: Kind(k)}, nil
		}
	}
	return Type{}, fmt.Errorf("type %q: want one of text, number, money, bool, date, datetime, time, duration, list(T)", s)
}

func (t Type) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

func (t *Type) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a type is a string such as \"money\" or \"list(date)\"")
	}
	x, err := ParseType(s)
	if err != nil {
		return err
	}
	*t = x
	return nil
}

var (
	identRE   = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	moduleRE  = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,62}$`)
	versionRE = regexp.MustCompile(`^[0-9A-Za-z.+-]{1,64}$`)
)

// reserved are the rules language's reserved words (spec/language.md),
// lang/parser's Keywords, which this package may not import (it links
// nothing of ours: the checker and the host both read manifests; a test
// holds the two lists equal). An action, an input or an output named by
// one can never be used: `run if ...` and `run vat and 5` do not parse,
// nor does `output if: text` in an action's block.
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`on stage move to when as after at if then and or not in true false
		null let calc update given expect event wait set`) {
		reserved[w] = true
	}
}

// Parse decodes and validates a manifest's JSON. Unknown members are
// errors, so a misspelt "optional" is not silently ignored.
func Parse(data []byte) (*Manifest, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("manifest: %d bytes, more than %d", len(data), MaxSize)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("manifest: not valid UTF-8")
	}
	pos, err := readStrict(data)
	if err != nil {
		return nil, err
	}
	// Of the shape readStrict holds it to: decoding cannot fail on a
	// member or a type, only on a value (an abi past an int).
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("manifest: data after the JSON object")
	}
	if err := m.validate(data, pos); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks names, types and uniqueness. Its errors name the
// member's path (actions[0].inputs[1].name); Parse's say its line and
// column in the JSON too.
func (m *Manifest) Validate() error { return m.validate(nil, nil) }

// validate is Validate of a manifest read from data, pos saying where
// each member's value starts in it (readStrict): an error points at the
// member at fault, as readStrict's own do (spec/wasm.md, The manifest).
func (m *Manifest) validate(data []byte, pos map[string]int) error {
	fail := func(path, format string, args ...any) error {
		where := "manifest"
		if off, ok := pos[path]; ok {
			where += ":" + lineCol(data, off)
		}
		return fmt.Errorf("%s: %s: %s", where, path, fmt.Sprintf(format, args...))
	}
	if m.ABI != ABI {
		return fail("abi", "abi %d, this host speaks abi %d: write \"abi\": %d", m.ABI, ABI, ABI)
	}
	if why := badName(m.Name, moduleRE, "lower-case letters, digits, '_', '-' and '.', starting with a letter"); why != "" {
		return fail("name", "module name %q: %s", m.Name, why)
	}
	if len(m.Version) > 64 {
		return fail("version", "version %q: %d characters, at most 64", m.Version, len(m.Version))
	}
	if !versionRE.MatchString(m.Version) {
		return fail("version", "version %q: letters, digits, '.', '+' and '-' (such as 1.2.0)", m.Version)
	}
	if len(m.Actions) == 0 {
		return fail("actions", "no actions: a module declares at least one")
	}
	first := map[string]int{}
	for i := range m.Actions {
		a := &m.Actions[i]
		at := fmt.Sprintf("actions[%d]", i)
		if why := identName(a.Name); why != "" {
			return fail(at+".name", "action name %q: %s", a.Name, why)
		}
		if j, ok := first[a.Name]; ok {
			return fail(at+".name", "action %q declared twice (also actions[%d]): give each action its own name", a.Name, j)
		}
		first[a.Name] = i
		if err := checkParams(fail, at, a.Name, "input", a.Inputs); err != nil {
			return err
		}
		if err := checkParams(fail, at, a.Name, "output", a.Outputs); err != nil {
			return err
		}
		if len(a.Outputs) == 0 {
			return fail(at+".outputs", "action %q has no outputs: an action gives at least one", a.Name)
		}
	}
	return nil
}

func checkParams(fail func(path, format string, args ...any) error, action, name, what string, ps []Param) error {
	first := map[string]int{}
	for i, p := range ps {
		at := fmt.Sprintf("%s.%ss[%d]", action, what, i)
		if why := identName(p.Name); why != "" {
			return fail(at+".name", "action %q: %s name %q: %s", name, what, p.Name, why)
		}
		if j, ok := first[p.Name]; ok {
			return fail(at+".name", "action %q: %s %q declared twice (also %s.%ss[%d]): give each its own name", name, what, p.Name, action, what, j)
		}
		first[p.Name] = i
		if p.Type.Kind == Invalid {
			return fail(at, "action %q: %s %q has no type", name, what, p.Name)
		}
	}
	return nil
}

// identName says what is wrong with the name of an action, an input or
// an output, or "".
func identName(name string) string {
	if why := badName(name, identRE, "lower-case letters, digits and '_', starting with a letter or '_'"); why != "" {
		return why
	}
	if reserved[name] {
		return fmt.Sprintf("%q is a reserved word of the rules language, which no rule can use as a name: choose another (such as %q)", name, name+"_")
	}
	return ""
}

// badName says what is wrong with a name that must match re and be at
// most 63 bytes long, or "": the length first, since re bounds it too
// and would blame the characters.
func badName(name string, re *regexp.Regexp, chars string) string {
	if len(name) > 63 {
		return fmt.Sprintf("%d characters, at most 63", utf8.RuneCountInString(name))
	}
	if !re.MatchString(name) {
		return chars
	}
	return ""
}

// Hash is a module's identity: "sha256:" and the hex digest of its bytes,
// manifest section included.
func Hash(wasm []byte) string {
	sum := sha256.Sum256(wasm)
	return "sha256:" + hex.EncodeToString(sum[:])
}
