package value

import (
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

// Literals, as the lexer accepts them.

// ParseNumber parses a number literal.
func ParseNumber(s string) (Value, error) {
	n, err := strconv.ParseFloat(s, 64)
	return NumberOf(n), err
}

// ParseDuration parses a duration literal (lang/literal).
func ParseDuration(s string) (Value, error) {
	n, err := literal.Duration(s)
	return Value{K: Duration, N: float64(n)}, err
}

// ParseDate parses 2026-11-23.
func ParseDate(s string) (Value, error) {
	n, err := literal.Date(s)
	return Value{K: Date, N: float64(n)}, err
}

// ParseDateTime parses 2026-11-23T09:00.
func ParseDateTime(s string) (Value, error) {
	n, err := literal.DateTime(s)
	return Value{K: DateTime, N: float64(n)}, err
}

// ParseClock parses a time of day, 14:00.
func ParseClock(s string) (Value, error) {
	n, err := literal.Clock(s)
	return Value{K: Time, N: float64(n)}, err
}
