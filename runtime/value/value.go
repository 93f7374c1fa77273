// Package value holds the values that rules compute with at run time: one
// small struct for every type of the language, compared, combined and
// printed without allocating for the common cases. Times are seconds in the
// workspace's own wall-clock time (spec/semantics.md, "Time"): the engine
// never reads a clock, so there is no time zone to convert from.
package value

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is the kind of a value.
type Kind uint8

const (
	Null Kind = iota
	Text
	Number
	Money
	Bool
	Date     // N: seconds at midnight
	DateTime // N: seconds
	Time     // N: seconds since midnight
	Duration // N: seconds
	List     // L
	Ref      // S: an item's ID or an employee's name; Tag: the entity
	Record   // L: field values; Tag: field names joined by ","
)

// Value is a value. The zero Value is null.
type Value struct {
	K   Kind    `json:"k,omitempty"`
	N   float64 `json:"n,omitempty"` // Number, Money, Date, DateTime, Time, Duration; Bool: 1 for true
	S   string  `json:"s,omitempty"` // Text, Ref
	Tag string  `json:"t,omitempty"` // a typed e-mail or phone's type (work, mobile, ...); a Ref's entity
	L   []Value `json:"l,omitempty"` // List, Record
}

// Constructors.

func TextOf(s string) Value            { return Value{K: Text, S: s} }
func NumberOf(n float64) Value         { return Value{K: Number, N: n} }
func MoneyOf(n float64) Value          { return Value{K: Money, N: roundCents(n)} }
func RefOf(entity, id string) Value    { return Value{K: Ref, S: id, Tag: entity} }
func TypedText(kind, s string) Value   { return Value{K: Text, S: s, Tag: kind} }
func ListOf(vs ...Value) Value         { return Value{K: List, L: vs} }
func BoolOf(b bool) Value              { return Value{K: Bool, N: b2f(b)} }
func (v Value) IsNull() bool           { return v.K == Null }
func (v Value) Unix() int64            { return int64(v.N) }
func (v Value) AsTime() time.Time      { return time.Unix(int64(v.N), 0).UTC() }
func (v Value) Seconds() time.Duration { return time.Duration(v.N) * time.Second } // within ±292 years
func isTemporal(k Kind) bool           { return k == Date || k == DateTime || k == Time }
func numeric(k Kind) bool              { return k == Number || k == Money }
func sameFamily(a, b Kind) bool {
	return a == b || numeric(a) && numeric(b) || isTemporal(a) && isTemporal(b)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// RecordOf returns a record with the named fields.
func RecordOf(names []string, vals []Value) Value {
	return Value{K: Record, Tag: strings.Join(names, ","), L: vals}
}

// Field returns a record's field by name, or null.
func (v Value) Field(name string) Value {
	if v.K != Record {
		return Value{}
	}
	for i, n := range strings.Split(v.Tag, ",") {
		if n == name && i < len(v.L) {
			return v.L[i]
		}
	}
	return Value{}
}

// Equal reports whether two values are equal; null equals only null. A
// typed e-mail or phone equals its plain text.
func Equal(a, b Value) bool { return EqualRef(&a, &b) }

// EqualRef is Equal without copying the values.
func EqualRef(a, b *Value) bool {
	if a.K != b.K {
		return numeric(a.K) && numeric(b.K) && a.N == b.N
	}
	switch a.K {
	case Null:
		return true
	case Text, Ref:
		return a.S == b.S
	case List, Record:
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !EqualRef(&a.L[i], &b.L[i]) {
				return false
			}
		}
		return true
	}
	return a.N == b.N
}

// Compare orders two values of one family; ok is false when they do not
// order (a null, or different families): ordering comparisons are then false.
func Compare(a, b Value) (c int, ok bool) { return CompareRef(&a, &b) }

// CompareRef is Compare without copying the values.
func CompareRef(a, b *Value) (c int, ok bool) {
	if a.K == Null || b.K == Null || !sameFamily(a.K, b.K) {
		return 0, false
	}
	if a.K == Text {
		return strings.Compare(a.S, b.S), true
	}
	switch {
	case a.N < b.N:
		return -1, true
	case a.N > b.N:
		return 1, true
	}
	return 0, true
}

// FormatNumber writes a number in full (1500.5, 0.000125), or, where that
// would write digits float64 does not hold (|n| ≥ 1e21) or a run of zeros
// (|n| < 1e-6), in exponent form (1e+21, 1.5e-07): at most NumberMaxLen
// characters, which the checker's count of a template's length relies on.
func FormatNumber(n float64) string {
	if n == 0 {
		return "0" // -0 too: the language has no negative zero
	}
	if a := math.Abs(n); a >= 1e21 || a < 1e-6 {
		return strconv.FormatFloat(n, 'g', -1, 64)
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}

// NumberMaxLen is the most characters FormatNumber writes: a sign, "0.",
// five zeros and seventeen digits.
const NumberMaxLen = 25

// Truth is a condition's truth: null is false.
func Truth(v Value) bool { return v.K == Bool && v.N != 0 }

// String prints a value as a template inserts it: null as nothing, numbers
// without trailing zeros, times as 2026-11-23T09:00.
func (v Value) String() string {
	switch v.K {
	case Null:
		return ""
	case Text, Ref:
		return v.S
	case Number, Money:
		return FormatNumber(v.N)
	case Bool:
		return strconv.FormatBool(v.N != 0)
	case Date:
		return v.AsTime().Format("2006-01-02")
	case DateTime:
		return v.AsTime().Format("2006-01-02T15:04")
	case Time:
		s := int(v.N)
		return fmt.Sprintf("%02d:%02d", s/3600, s/60%60)
	case Duration:
		return formatSeconds(int64(v.N))
	case List:
		parts := make([]string, len(v.L))
		for i, e := range v.L {
			parts[i] = e.String()
		}
		return strings.Join(parts, ", ")
	case Record: // a document or other result: its link, else its name
		for _, f := range []string{"url", "name", "id"} {
			if x := v.Field(f); !x.IsNull() {
				return x.String()
			}
		}
		return ""
	}
	return "?"
}

// formatSeconds prints seconds as a duration in the language's own units
// (180d, 2h, 10m), as a template inserts one.
func formatSeconds(s int64) string {
	for _, u := range []struct {
		suffix string
		secs   int64
	}{{"d", 86400}, {"h", 3600}, {"m", 60}} {
		if s != 0 && s%u.secs == 0 {
			return strconv.FormatInt(s/u.secs, 10) + u.suffix
		}
	}
	return strconv.FormatInt(s, 10) + "s"
}
