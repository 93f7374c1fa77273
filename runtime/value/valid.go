package value

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/lang/literal"
)

// The value domain (spec/semantics.md, "Values"). Numbers and amounts are
// finite; a date or datetime lies from 0001-01-01T00:00 to
// 9999-12-31T23:59:59 in whole seconds, a date at midnight; a time of day
// within one day; a duration is whole seconds, at most the span between
// the first and the last time (about 10,000 years), so that the difference
// of two times is always a duration. The bounds are lang/literal's, which
// the checker holds literals to.
const (
	MinTime     = literal.MinTime // 0001-01-01T00:00:00
	MaxTime     = literal.MaxTime // 9999-12-31T23:59:59
	MaxDuration = literal.MaxDuration

	// MaxDepth bounds the nesting of lists and records.
	MaxDepth = 32
)

// Valid returns nil if v lies in the value domain, or else an error saying
// what is wrong and where in v: a NaN or ±Inf number, amount or time; a
// time or duration out of range; a text (a typed address's type, a
// reference, a record's field names included) that is not valid UTF-8; a
// list or record that holds such a value, or nests deeper than MaxDepth;
// an unknown kind. The engine refuses an input holding such a value,
// naming the field; nothing outside the domain is stored (EncodeJSON) or
// read back (UnmarshalJSON). Valid allocates only to report an error.
func Valid(v Value) error { return valid(&v, 0) }

func valid(v *Value, depth int) error {
	if v.K > Record {
		return fmt.Errorf("unknown kind %d", v.K)
	}
	what := kindNames[v.K]
	switch {
	case math.IsNaN(v.N):
		return fmt.Errorf("%s is NaN (not a number)", what)
	case math.IsInf(v.N, 0):
		return fmt.Errorf("%s is %s: beyond the largest number (±1.8e308)", what, strconv.FormatFloat(v.N, 'g', -1, 64))
	}
	if err := validText(v.S); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := validText(v.Tag); err != nil {
		return fmt.Errorf("%s's %s: %w", what, tagName(v.K), err)
	}
	switch v.K {
	case Null:
		if v.N != 0 || v.S != "" || v.Tag != "" || len(v.L) > 0 {
			return fmt.Errorf("null holds a value")
		}
	case Bool:
		if v.N != 0 && v.N != 1 {
			return fmt.Errorf("bool is %v, not 1 (true) or 0 (false)", v.N)
		}
	case Date, DateTime:
		if v.N < float64(MinTime) || v.N > float64(MaxTime) {
			return fmt.Errorf("%s %v is out of range: a time lies from 0001-01-01T00:00 to 9999-12-31T23:59:59", what, v.N)
		}
		if v.N != math.Trunc(v.N) {
			return fmt.Errorf("%s %v is not a whole number of seconds", what, v.N)
		}
		if v.K == Date && math.Mod(v.N, 86400) != 0 {
			return fmt.Errorf("date %v is not at midnight", v.N)
		}
	case Time:
		if v.N < 0 || v.N >= 86400 || v.N != math.Trunc(v.N) {
			return fmt.Errorf("time of day %v is not a whole number of seconds from 00:00 to 23:59:59", v.N)
		}
	case Duration:
		if math.Abs(v.N) > float64(MaxDuration) {
			return fmt.Errorf("duration %vs is out of range: at most %ds (about 10,000 years)", v.N, MaxDuration)
		}
		if v.N != math.Trunc(v.N) {
			return fmt.Errorf("duration %vs is not a whole number of seconds", v.N)
		}
	}
	if v.K == Record && !(v.Tag == "" && len(v.L) == 0) {
		if n := strings.Count(v.Tag, ",") + 1; n != len(v.L) {
			return fmt.Errorf("record has %d values for %d field names (%q)", len(v.L), n, v.Tag)
		}
	}
	if len(v.L) == 0 {
		return nil
	}
	if v.K != List && v.K != Record {
		return fmt.Errorf("%s holds a list", what)
	}
	if depth >= MaxDepth {
		return fmt.Errorf("lists and records nested more than %d deep", MaxDepth)
	}
	names := v.Tag
	for i := range v.L {
		if err := valid(&v.L[i], depth+1); err != nil {
			if v.K == List {
				return fmt.Errorf("list element %d: %w", i+1, err)
			}
			name, _, _ := strings.Cut(names, ",")
			return fmt.Errorf("record field %q: %w", name, err)
		}
		_, names, _ = strings.Cut(names, ",")
	}
	return nil
}

// validText reports the first byte of s that is not valid UTF-8.
func validText(s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("text is not valid UTF-8: byte %#x at offset %d", s[i], i)
		}
		i += size
	}
	return nil
}

var kindNames = [...]string{Null: "null", Text: "text", Number: "number", Money: "amount", Bool: "bool", Date: "date",
	DateTime: "datetime", Time: "time of day", Duration: "duration", List: "list", Ref: "reference", Record: "record"}

// KindName is how a message names a kind: "number", "amount", "time of day".
func KindName(k Kind) string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", k)
}

// tagName says what a kind's Tag holds.
func tagName(k Kind) string {
	switch k {
	case Ref:
		return "entity"
	case Record:
		return "field names"
	}
	return "type" // a typed e-mail or phone
}
