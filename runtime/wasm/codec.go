package wasm

import (
	"math"
	"strconv"
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
				return b, "element [" + strconv.Itoa(i) + "]: " + err // from 0, as the manifest's paths
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
		return appendNumber(b, positiveZero(v.N)), ""
	case manifest.Money:
		return appendDecimal(b, positiveZero(math.Round(v.N*100)/100)), ""
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

// positiveZero is f, but 0 for -0. The language has no negative zero
// (-0 == 0, and it has nothing to tell them apart), but a float64 does,
// and a module would print it: "-0", or "-0.00" from C's printf, for a
// rate of 0 computed as -1 * 0. So it never crosses the ABI, either way
// (decodeJSONValue).
func positiveZero(f float64) float64 {
	if f == 0 {
		return 0
	}
	return f
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
