package wasm

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// The values of the language cross the ABI as JSON (spec/wasm.md,
// "Values"): text a string; number and money a number (money sent with at
// most two decimals and no exponent, a reply's rounded to cents as
// written); bool true or false; date "2026-11-23"; datetime
// "2026-11-23T09:00:00" (the workspace's wall-clock time, no zone); time
// "09:00:00"; duration whole seconds; list(T) an array. A reply's values
// must lie in the language's domain (value.Valid).

const (
	layoutDate     = "2006-01-02"
	layoutDateTime = "2006-01-02T15:04:05"
	layoutDTMinute = "2006-01-02T15:04"
)

// encodeInputs writes the inputs object: members in the manifest's order,
// no spaces, absent optional inputs left out. An input the action does not
// have is the first error reported.
func encodeInputs(b []byte, a *manifest.Action, in map[string]value.Value) ([]byte, error) {
	b = append(b, '{')
	first := true
	found := 0 // the inputs of in that the action has
	for i := range a.Inputs {
		p := &a.Inputs[i]
		v, ok := in[p.Name]
		if ok {
			found++
		}
		if !ok || v.IsNull() {
			if !p.Optional {
				return nil, unknownInput(a, in, &InputError{Action: a.Name, Input: p.Name, Reason: "required, and missing or null"})
			}
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, p.Name)
		b = append(b, ':')
		var err string
		if b, err = encodeValue(b, p.Type, v); err != "" {
			return nil, unknownInput(a, in, &InputError{Action: a.Name, Input: p.Name, Reason: err})
		}
	}
	if found < len(in) {
		return nil, unknownInput(a, in, nil)
	}
	return append(b, '}'), nil
}

// unknownInput is the error of an input the action does not have, or
// otherwise err. Looked for only when the inputs do not all match the
// manifest's: a pass over the map costs a small call more than the rest
// of the encoding.
func unknownInput(a *manifest.Action, in map[string]value.Value, err error) error {
	for name := range in {
		if a.Input(name) == nil {
			return &InputError{Action: a.Name, Input: name, Reason: "the action has no such input"}
		}
	}
	return err
}

func encodeValue(b []byte, t manifest.Type, v value.Value) ([]byte, string) {
	if t.Kind == manifest.List {
		if v.K != value.List {
			return b, "want " + t.String() + ", have " + kindName(v.K)
		}
		b = append(b, '[')
		for i, e := range v.L {
			if i > 0 {
				b = append(b, ',')
			}
			var err string
			if b, err = encodeValue(b, manifest.Type{Kind: t.Elem}, e); err != "" {
				return b, "element " + strconv.Itoa(i+1) + ": " + err
			}
		}
		return append(b, ']'), ""
	}
	switch t.Kind {
	case manifest.Number, manifest.Money:
		if v.K != value.Number && v.K != value.Money {
			return b, "want " + t.String() + ", have " + kindName(v.K)
		}
	case manifest.DateTime:
		// The checker takes a date where a datetime is expected (at
		// midnight, types.AssignableTo), so the input does too.
		if v.K != value.DateTime && v.K != value.Date {
			return b, "want " + t.String() + ", have " + kindName(v.K)
		}
	default:
		if int(t.Kind) >= len(scalarKinds) || v.K != scalarKinds[t.Kind] {
			return b, "want " + t.String() + ", have " + kindName(v.K)
		}
	}
	if math.IsNaN(v.N) || math.IsInf(v.N, 0) {
		return b, "not a finite number"
	}
	switch t.Kind {
	case manifest.Text:
		return appendString(b, v.S), ""
	case manifest.Number:
		return appendNumber(b, v.N), ""
	case manifest.Money:
		return appendDecimal(b, math.Round(v.N*100)/100), ""
	case manifest.Bool:
		return strconv.AppendBool(b, v.N != 0), ""
	case manifest.Date:
		return append(v.AsTime().AppendFormat(append(b, '"'), layoutDate), '"'), ""
	case manifest.DateTime:
		return append(v.AsTime().AppendFormat(append(b, '"'), layoutDateTime), '"'), ""
	case manifest.Time:
		s := int64(v.N)
		return append(time.Unix(s, 0).UTC().AppendFormat(append(b, '"'), "15:04:05"), '"'), ""
	case manifest.Duration:
		return strconv.AppendInt(b, int64(v.N), 10), ""
	}
	return b, "unknown type"
}

// scalarKinds is the value kind of each manifest kind but numbers and
// lists (made once: made per value, as a map, it was a tenth of a small
// call; an array, not a map, since a lookup was still 1%).
var scalarKinds = [...]value.Kind{
	manifest.Text: value.Text, manifest.Bool: value.Bool, manifest.Date: value.Date,
	manifest.DateTime: value.DateTime, manifest.Time: value.Time, manifest.Duration: value.Duration,
}

// appendString is value.AppendJSONString, which appends byte by byte:
// a string that needs no escape, as member names and most texts, is
// appended at once.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return value.AppendJSONString(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendNumber writes a number as encoding/json does.
func appendNumber(b []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, f, 'e', -1, 64)
	}
	return appendDecimal(b, f)
}

// appendDecimal is strconv.AppendFloat(b, f, 'f', -1, 64), a whole number
// (most amounts, counts and scores) written as an integer: the same
// digits, several times faster.
func appendDecimal(b []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 && (f != 0 || !math.Signbit(f)) { // -0 is "-0"
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

func kindName(k value.Kind) string {
	names := [...]string{"null", "text", "number", "money", "bool", "date", "datetime", "time", "duration", "list", "reference", "record"}
	if int(k) < len(names) {
		return names[k]
	}
	return "unknown"
}

var null = []byte("null")

// decodeReply reads a reply: {"outputs": {...}} or {"error": "..."}. Every
// output is checked against the manifest; nothing that does not fit comes
// back as a value.
func decodeReply(a *manifest.Action, raw []byte) (map[string]value.Value, error) {
	bad := func(output, reason string) error { return &OutputError{Action: a.Name, Output: output, Reason: reason} }
	if !utf8.Valid(raw) {
		return nil, bad("", "not valid UTF-8")
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

// decodeValue reads one output's value and holds it to the language's
// value domain (value.Valid): a date of year 0000 or a duration of ten
// thousand years parses, but the engine would refuse the whole input that
// holds it, where a reply that does not fit must fail the call alone.
func decodeValue(t manifest.Type, m json.RawMessage) (value.Value, string) {
	v, err := decodeJSONValue(t, m)
	if err != "" || t.Kind == manifest.List || t.Kind == manifest.Text {
		return v, err // a list's elements were checked; a text is valid UTF-8
	}
	if err := value.Valid(v); err != nil {
		if t.Kind == manifest.Duration || t.Kind == manifest.Number || t.Kind == manifest.Money {
			return value.Value{}, err.Error() // it names the number
		}
		// value.Valid names the seconds since year 1; the module wrote a
		// date, and a date is what the author needs to read.
		return value.Value{}, string(m) + " is out of range: a " + t.String() + " lies from 0001-01-01 to 9999-12-31T23:59:59"
	}
	return v, ""
}

func decodeJSONValue(t manifest.Type, m json.RawMessage) (value.Value, string) {
	mismatch := func() (value.Value, string) {
		return value.Value{}, "want " + t.String() + ", have " + jsonKind(m)
	}
	if bytes.Equal(m, null) {
		return mismatch()
	}
	switch t.Kind {
	case manifest.List:
		var elems []json.RawMessage
		if json.Unmarshal(m, &elems) != nil {
			return mismatch()
		}
		l := make([]value.Value, len(elems))
		for i, e := range elems {
			v, err := decodeValue(manifest.Type{Kind: t.Elem}, e)
			if err != "" {
				return value.Value{}, "element " + strconv.Itoa(i+1) + ": " + err
			}
			l[i] = v
		}
		return value.ListOf(l...), ""
	case manifest.Number, manifest.Money, manifest.Duration:
		if m[0] != '-' && (m[0] < '0' || m[0] > '9') {
			return mismatch()
		}
		f, ok := shortNumber(t.Kind, m)
		if !ok {
			if f, ok = longNumber(t.Kind, m); !ok {
				return value.Value{}, "not a finite number: " + string(m)
			}
		}
		switch t.Kind {
		case manifest.Money:
			return value.Value{K: value.Money, N: f}, ""
		case manifest.Duration:
			// value.Valid says which is wrong: the range first, so that
			// 1e300 is out of range rather than not whole.
			return value.Value{K: value.Duration, N: f}, ""
		}
		return value.NumberOf(f), ""
	case manifest.Bool:
		if m[0] != 't' && m[0] != 'f' {
			return mismatch()
		}
		return value.BoolOf(m[0] == 't'), ""
	}
	if m[0] != '"' {
		return mismatch()
	}
	var s string
	if bytes.IndexByte(m, '\\') < 0 {
		s = string(m[1 : len(m)-1]) // valid JSON and UTF-8: no escapes, the text itself
	} else if u, ok := unquote(m); !ok {
		return mismatch()
	} else if esc, ok := loneSurrogate(m); ok {
		// encoding/json reads it as U+FFFD; a text that says something
		// else than the module wrote is an error, as for a stored value
		// (spec/semantics.md).
		return value.Value{}, "an unpaired surrogate " + esc + " is not a character"
	} else {
		s = u
	}
	switch t.Kind {
	case manifest.Text:
		return value.TextOf(s), ""
	case manifest.Date:
		d, err := time.Parse(layoutDate, s)
		if err != nil {
			return value.Value{}, "want a date such as 2026-11-23, have " + strconv.Quote(s)
		}
		return value.Value{K: value.Date, N: float64(d.Unix())}, ""
	case manifest.DateTime:
		d, err := time.Parse(layoutDateTime, s)
		if err != nil {
			d, err = time.Parse(layoutDTMinute, s)
		}
		if err != nil {
			return value.Value{}, "want a datetime such as 2026-11-23T09:00:00, have " + strconv.Quote(s)
		}
		return value.Value{K: value.DateTime, N: float64(d.Unix())}, ""
	case manifest.Time:
		d, err := time.Parse("15:04:05", s)
		if err != nil {
			d, err = time.Parse("15:04", s)
		}
		if err != nil {
			return value.Value{}, "want a time of day such as 09:00, have " + strconv.Quote(s)
		}
		return value.Value{K: value.Time, N: float64(d.Hour()*3600 + d.Minute()*60 + d.Second())}, ""
	}
	return mismatch()
}

// longNumber reads m, a JSON number (the reply was validated), for a
// number, money (rounded to cents) or duration output, as encoding/json
// would, refusing what overflows.
func longNumber(k manifest.Kind, m []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(m), 64)
	if err != nil {
		return 0, false
	}
	if k == manifest.Money {
		return roundCents(m), true
	}
	return f, true
}

// shortNumber is longNumber for the numbers replies mostly hold: no
// exponent and at most 15 digits, so that the digits make an integer
// below 2^53, exact as a float64, as is the power of ten they are divided
// by; IEEE division rounds the quotient correctly, as strconv.ParseFloat
// rounds the decimal, so the two give the same float64 (FuzzShortNumber).
// Money keeps the cents the digits say, the first digit dropped deciding,
// as roundCents does. Together they were a tenth of a small call. false:
// m is not of that form.
func shortNumber(k manifest.Kind, m []byte) (float64, bool) {
	neg := m[0] == '-'
	i := 0
	if neg {
		i++
	}
	var mant uint64
	digits, frac := 0, -1 // frac: the digits after the point; -1 before it
	for ; i < len(m); i++ {
		switch c := m[i]; {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == '.' && frac < 0:
			frac = 0
		default:
			return 0, false // an exponent
		}
	}
	if digits == 0 || digits > 15 || frac == 0 {
		return 0, false
	}
	frac = max(frac, 0)
	if k == manifest.Money && frac > 2 {
		cents := mant / pow10[frac-2]
		if mant/pow10[frac-3]%10 >= 5 {
			cents++
		}
		mant, frac = cents, 2
	}
	if k == manifest.Money && mant == 0 {
		return 0, true // roundCents gives no -0
	}
	f := float64(mant) / float64(pow10[frac])
	if neg {
		f = -f
	}
	return f, true
}

// pow10 are the powers of ten shortNumber divides by.
var pow10 = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// unquote reads a JSON string with escapes. Its own function: the target
// of json.Unmarshal escapes to the heap, and a string without escapes
// needs none.
func unquote(m []byte) (string, bool) {
	var s string
	err := json.Unmarshal(m, &s)
	return s, err == nil
}

func jsonKind(m json.RawMessage) string {
	switch {
	case len(m) == 0:
		return "nothing"
	case m[0] == '"':
		return "a string " + firstLine(string(m))
	case m[0] == '{':
		return "an object"
	case m[0] == '[':
		return "an array"
	case m[0] == 't' || m[0] == 'f':
		return "a bool"
	case m[0] == 'n':
		return "null"
	}
	return "a number " + firstLine(string(m))
}

// loneSurrogate finds a \uXXXX escape of a UTF-16 surrogate that is not a
// high surrogate followed at once by an escaped low one, in m, a valid
// JSON string.
func loneSurrogate(m []byte) (string, bool) {
	surrogate := func(i int) (rune, bool) { // the escape at m[i:], "\\uXXXX"
		if i+6 > len(m) || m[i] != '\\' || m[i+1] != 'u' {
			return 0, false
		}
		r, err := strconv.ParseUint(string(m[i+2:i+6]), 16, 32)
		return rune(r), err == nil && r >= 0xd800 && r < 0xe000
	}
	for i := 0; i < len(m); i++ {
		if m[i] != '\\' {
			continue
		}
		r, ok := surrogate(i)
		if !ok {
			i++ // the escaped character, which may be a backslash
			continue
		}
		if r < 0xdc00 {
			if lo, ok := surrogate(i + 6); ok && lo >= 0xdc00 {
				i += 11
				continue
			}
		}
		return string(m[i : i+6]), true
	}
	return "", false
}

// roundCents is a money reply's amount rounded to cents as its decimal
// text says (spec/wasm.md, "Values"): half away from zero on the digits
// written, so 1.005 is 1.01 and -0.125 is -0.13, where rounding the
// nearest float64 (1.00499999...) would give 1. m is a finite JSON
// number, an exponent allowed.
func roundCents(m []byte) float64 {
	s := string(m)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	exp := 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil {
			// Too many digits for an int: the number is finite, so it is
			// zero (a zero mantissa, or a negative exponent past any
			// float64).
			return 0
		}
		exp, s = e, s[:i]
	}
	// digits × 10^(point - len(digits)): the point's place in the digits.
	intPart, frac, _ := strings.Cut(s, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	point := len(intPart) - (len(intPart) + len(frac) - len(digits)) + exp
	if digits == "" {
		return 0
	}
	// Keep the digits down to the cents; the first one dropped decides.
	keep := point + 2
	var cents []byte
	switch {
	case keep < 0:
		return 0
	case keep >= len(digits):
		cents = append([]byte(digits), strings.Repeat("0", keep-len(digits))...)
	default:
		cents = []byte(digits[:keep])
		if digits[keep] >= '5' {
			cents = addOne(cents)
		}
	}
	if len(cents) == 0 {
		return 0
	}
	sign := ""
	if neg {
		sign = "-"
	}
	f, _ := strconv.ParseFloat(sign+string(cents)+"e-2", 64)
	return f
}

// addOne adds one to a decimal number's digits.
func addOne(d []byte) []byte {
	for i := len(d) - 1; i >= 0; i-- {
		if d[i] < '9' {
			d[i]++
			return d
		}
		d[i] = '0'
	}
	return append([]byte{'1'}, d...)
}
