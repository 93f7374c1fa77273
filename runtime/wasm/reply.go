package wasm

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// null is JSON's null: an output given as null counts as one left out.
var null = []byte("null")

// decodeReply reads a reply: {"outputs": {...}} or {"error": "..."}. Every
// output is checked against the manifest; nothing that does not fit comes
// back as a value.
func decodeReply(a *manifest.Action, raw []byte) (map[string]value.Value, error) {
	bad := func(output, reason string) error { return &OutputError{Action: a.Name, Output: output, Reason: reason} }
	if !utf8.Valid(raw) {
		return nil, invalidUTF8(raw, bad)
	}
	var buf [8]rawMember
	members, ok := scanOutputs(raw, buf[:0])
	if !ok {
		return decodeReplySlow(a, raw, bad)
	}
	for _, m := range members {
		if !declared(a, m.name) {
			return nil, bad(string(m.name), "not declared in the manifest")
		}
	}
	for i, m := range members {
		for _, o := range members[:i] {
			if string(o.name) == string(m.name) {
				return nil, bad(string(m.name), duplicateMember)
			}
		}
	}
	return decodeOutputs(a, bad, func(name string) ([]byte, bool) {
		for _, m := range members {
			if string(m.name) == name {
				return m.val, true
			}
		}
		return nil, false
	})
}

// invalidUTF8 is the error of a reply that is not valid UTF-8, naming
// the output whose name or value has the bytes that are not, when it
// can find it (encoding/json would read them as U+FFFD: the value is
// read from the bytes as they are).
func invalidUTF8(raw []byte, bad func(output, reason string) error) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var outs json.RawMessage
	if t, err := dec.Token(); err == nil && t == json.Delim('{') {
		for dec.More() {
			t, err := dec.Token()
			var v json.RawMessage
			if err != nil || dec.Decode(&v) != nil {
				break
			}
			if t == "outputs" {
				outs = v
				break
			}
		}
	}
	dec = json.NewDecoder(bytes.NewReader(outs))
	if t, err := dec.Token(); err == nil && t == json.Delim('{') {
		for dec.More() {
			from := dec.InputOffset()
			t, err := dec.Token()
			name, _ := t.(string)
			if err != nil {
				break
			}
			if !utf8.Valid(outs[from:dec.InputOffset()]) {
				return bad(name, "its name is not valid UTF-8 (shown with U+FFFD for the bytes that are not)")
			}
			var v json.RawMessage
			if dec.Decode(&v) != nil {
				break
			}
			if !utf8.Valid(v) {
				return bad(name, "not valid UTF-8")
			}
		}
	}
	return bad("", "not valid UTF-8")
}

// decodeReplySlow is decodeReply with encoding/json, for the replies
// scanOutputs leaves to it: errors, escapes, lists, anything unusual.
func decodeReplySlow(a *manifest.Action, raw []byte, bad func(output, reason string) error) (map[string]value.Value, error) {
	var reply map[string]json.RawMessage
	if err := json.Unmarshal(raw, &reply); err != nil {
		return nil, bad("", "not a JSON object: "+firstLine(err.Error()))
	}
	// encoding/json keeps the last of two members with the same name; a
	// reply is checked strictly (spec/wasm.md, "Values"), so a module
	// that writes one twice is told so instead of having one ignored.
	if name, dup := duplicate(raw); dup {
		return nil, bad("", duplicateMember+": "+strconv.Quote(name))
	}
	if msg, ok := reply["error"]; ok && len(reply) == 1 {
		var s string
		if err := json.Unmarshal(msg, &s); err != nil || s == "" {
			return nil, bad("", `"error" must be a non-empty string`)
		}
		return nil, &ActionError{Action: a.Name, Message: s}
	}
	outs, ok := reply["outputs"]
	if !ok || len(reply) != 1 {
		return nil, bad("", `want {"outputs": {...}} or {"error": "..."}`)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(outs, &members); err != nil || members == nil {
		return nil, bad("", `"outputs" must be an object`)
	}
	for name := range members {
		if a.Output(name) == nil {
			return nil, bad(name, "not declared in the manifest")
		}
	}
	if name, dup := duplicate(outs); dup {
		return nil, bad(name, duplicateMember)
	}
	return decodeOutputs(a, bad, func(name string) ([]byte, bool) {
		m, ok := members[name]
		return m, ok
	})
}

// decodeOutputs checks and converts the outputs' values; member gives an
// output's JSON, valid, as the reply has it.
func decodeOutputs(a *manifest.Action, bad func(output, reason string) error, member func(string) ([]byte, bool)) (map[string]value.Value, error) {
	res := make(map[string]value.Value, len(a.Outputs))
	for i := range a.Outputs {
		p := &a.Outputs[i]
		m, ok := member(p.Name)
		if !ok || bytes.Equal(m, null) {
			if !p.Optional {
				return nil, bad(p.Name, "required, and missing or null")
			}
			res[p.Name] = value.Value{}
			continue
		}
		v, err := decodeValue(p.Type, m)
		if err != "" {
			return nil, bad(p.Name, err)
		}
		res[p.Name] = v
	}
	return res, nil
}

const duplicateMember = "a member given twice"

// duplicate reports the first member name that an object, valid JSON,
// gives twice, comparing names as encoding/json decodes them (escapes
// read). Only the object's own members count, not those of the objects
// it holds.
func duplicate(obj []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	var seen []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", false
		}
		name, _ := t.(string)
		for _, s := range seen {
			if s == name {
				return name, true
			}
		}
		seen = append(seen, name)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return "", false
		}
	}
	return "", false
}

// rawMember is one member of a reply's outputs: its name and its value's
// JSON, as the reply has them (the name is compared, never kept: a
// string made of it would be an allocation per output).
type rawMember struct {
	name, val []byte
}

// declared says whether the action has an output of that name.
func declared(a *manifest.Action, name []byte) bool {
	for i := range a.Outputs {
		if a.Outputs[i].Name == string(name) {
			return true
		}
	}
	return false
}

// scanOutputs reads the common reply in one pass, without encoding/json
// (which read it three times over, a third of a small module's call):
// {"outputs":{...}} whose member names have no escapes and whose values
// are strings without escapes, numbers, true, false or null, with any JSON
// whitespace between. It validates what it accepts as JSON does; for
// anything else (an error, an escape, a list, bad JSON) it returns false
// and decodeReplySlow decides, so that both give the same answer.
func scanOutputs(b []byte, out []rawMember) ([]rawMember, bool) {
	i := skipSpace(b, 0)
	const head = `"outputs"`
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if !bytes.HasPrefix(b[i:], []byte(head)) {
		return nil, false
	}
	i = skipSpace(b, i+len(head))
	if i >= len(b) || b[i] != ':' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		i++
	} else {
		for {
			end := scanPlainString(b, i)
			if end < 0 {
				return nil, false
			}
			name := b[i+1 : end-1]
			i = skipSpace(b, end)
			if i >= len(b) || b[i] != ':' {
				return nil, false
			}
			i = skipSpace(b, i+1)
			end = scanScalar(b, i)
			if end < 0 {
				return nil, false
			}
			out = append(out, rawMember{name: name, val: b[i:end]})
			i = skipSpace(b, end)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			return nil, false
		}
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '}' {
		return nil, false
	}
	return out, skipSpace(b, i+1) == len(b)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanPlainString returns the end of a string at i that has no escapes
// and no control characters, or -1.
func scanPlainString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1
		case c == '\\' || c < 0x20:
			return -1
		}
	}
	return -1
}

// scanScalar returns the end of a plain string, a number, true, false or
// null at i, or -1.
func scanScalar(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return scanPlainString(b, i)
	case 't', 'f', 'n':
		for _, w := range [...]string{"true", "false", "null"} {
			if bytes.HasPrefix(b[i:], []byte(w)) {
				return i + len(w)
			}
		}
		return -1
	}
	// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
	digits := func(j int) int {
		k := j
		for k < len(b) && b[k] >= '0' && b[k] <= '9' {
			k++
		}
		if k == j {
			return -1
		}
		return k
	}
	j := i
	if b[j] == '-' {
		j++
	}
	if j < len(b) && b[j] == '0' {
		j++
	} else if j = digits(j); j < 0 {
		return -1
	}
	if j < len(b) && b[j] == '.' {
		if j = digits(j + 1); j < 0 {
			return -1
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j = digits(j); j < 0 {
			return -1
		}
	}
	return j
}
