package value

import (
	"fmt"
	"math"
	"strconv"

	"github.com/stagecraft/stagecraft/lang/literal"
)

// Literals, as the lexer accepts them. A literal that is well formed but
// outside the value domain (a number past float64's range, a date of year
// 0) is an error and null, never ±Inf or a wrapped-around number; one
// below the smallest number reads as 0, as in Go.

// ParseNumber parses a number literal.
func ParseNumber(s string) (Value, error) {
	n, err := strconv.ParseFloat(s, 64)
	if math.IsInf(n, 0) {
		return Value{}, fmt.Errorf("number %s is beyond the largest number (±1.8e308)", abbreviate(s))
	}
	if err != nil {
		return Value{}, err
	}
	return NumberOf(n), nil
}

// ParseDuration parses a duration literal (lang/literal).
func ParseDuration(s string) (Value, error) {
	n, err := literal.Duration(s)
	return parsed(Value{K: Duration, N: float64(n)}, s, err)
}

// ParseDate parses 2026-11-23.
func ParseDate(s string) (Value, error) {
	n, err := literal.Date(s)
	return parsed(Value{K: Date, N: float64(n)}, s, err)
}

// ParseDateTime parses 2026-11-23T09:00.
func ParseDateTime(s string) (Value, error) {
	n, err := literal.DateTime(s)
	return parsed(Value{K: DateTime, N: float64(n)}, s, err)
}

// ParseClock parses a time of day, 14:00.
func ParseClock(s string) (Value, error) {
	n, err := literal.Clock(s)
	return parsed(Value{K: Time, N: float64(n)}, s, err)
}

// abbreviate shortens a long literal for a message.
func abbreviate(s string) string {
	if len(s) <= 24 {
		return s
	}
	return fmt.Sprintf("%s… (%d characters)", s[:20], len(s))
}

func parsed(v Value, lit string, err error) (Value, error) {
	if err != nil {
		return Value{}, err
	}
	if err := valid(&v, 0); err != nil {
		return Value{}, fmt.Errorf("%s: %w", lit, err)
	}
	return v, nil
}
