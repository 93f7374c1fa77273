package wasm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

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
		if t.Kind == manifest.Duration {
			// value.Valid writes the float64 (3.155378976e+11s); the
			// module wrote digits, and those are what its author looks for.
			if math.Abs(v.N) > float64(value.MaxDuration) {
				return value.Value{}, fmt.Sprintf("%s is out of range: a duration is at most %d seconds either way (about 10,000 years)", m, value.MaxDuration)
			}
			return value.Value{}, string(m) + " is not a whole number of seconds"
		}
		if t.Kind == manifest.Number || t.Kind == manifest.Money {
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
				return value.Value{}, "element [" + strconv.Itoa(i) + "]: " + err // from 0, as the manifest's paths
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
		f = positiveZero(f) // "-0" and "-0.0" are 0
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
		if r, ok := textControl(s); ok {
			return value.Value{}, controlRefused(r)
		}
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
		return value.RoundCentsText(string(m)), true
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
		return 0, true // as the engine's rounding (value.MoneyOf) gives no -0
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
