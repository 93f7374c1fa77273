package value

import (
	"fmt"
	"math"
	"strconv"

	"github.com/stagecraft/stagecraft/lang/literal"
)

// Arith applies a binary arithmetic operator. The checker has already
// refused operands that do not combine, so a combination not listed here is
// a bug; it gives null rather than a panic. Arithmetic with null gives null.
func Arith(op string, a, b Value) Value {
	if a.K == Null || b.K == Null {
		return Value{}
	}
	switch {
	case a.K == Text && b.K == Text && op == "+":
		return TextOf(a.S + b.S)
	case numeric(a.K) && numeric(b.K):
		n, ok := number(op, a.N, b.N)
		if !ok {
			return Value{}
		}
		switch {
		case a.K == Money && b.K == Money && (op == "/" || op == "%"):
			return NumberOf(n)
		case a.K == Money || b.K == Money:
			return MoneyOf(n)
		}
		return NumberOf(n)
	case a.K == Duration && b.K == Duration && (op == "+" || op == "-"):
		n, _ := number(op, a.N, b.N)
		return Value{K: Duration, N: n}
	case (a.K == DateTime || a.K == Date) && b.K == Duration && (op == "+" || op == "-"):
		n, _ := number(op, a.N, b.N)
		if a.K == Date && math.Mod(b.N, 86400) == 0 {
			return Value{K: Date, N: n}
		}
		return Value{K: DateTime, N: n}
	case a.K == Duration && (b.K == DateTime || b.K == Date) && op == "+":
		return Arith(op, b, a)
	case a.K == Date && b.K == Time && op == "+":
		return Value{K: DateTime, N: a.N + b.N}
	case isTemporal(a.K) && a.K == b.K && op == "-":
		return Value{K: Duration, N: a.N - b.N}
	case a.K == Duration && numeric(b.K) && (op == "*" || op == "/"):
		n, ok := number(op, a.N, b.N)
		if !ok {
			return Value{}
		}
		return Value{K: Duration, N: math.Round(n)}
	}
	return Value{}
}

// number applies op to two numbers; division by zero has no result.
func number(op string, a, b float64) (float64, bool) {
	switch op {
	case "+":
		return a + b, true
	case "-":
		return a - b, true
	case "*":
		return a * b, true
	case "/":
		return a / b, b != 0
	case "%":
		return math.Mod(a, b), b != 0
	}
	return 0, false
}

// Neg negates a number, an amount or a duration.
func Neg(v Value) Value {
	if numeric(v.K) || v.K == Duration {
		v.N = -v.N
		return v
	}
	return Value{}
}

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
