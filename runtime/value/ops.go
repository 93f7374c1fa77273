package value

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
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

// ParseDuration parses 1h30m, 180d, 6mo: units s, m, h, d, w, and mo, a
// month of 30 days.
func ParseDuration(s string) (Value, error) {
	var total int64
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return Value{}, fmt.Errorf("bad duration %q", s)
		}
		s = s[i:]
		unit := strings.TrimLeft(s, "0123456789")
		j := 0
		for j < len(unit) && (unit[j] < '0' || unit[j] > '9') {
			j++
		}
		secs, ok := map[string]int64{"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400}[unit[:j]]
		if !ok {
			return Value{}, fmt.Errorf("bad duration unit %q", unit[:j])
		}
		total += n * secs
		s = unit[j:]
	}
	return Value{K: Duration, N: float64(total)}, nil
}

// ParseDate parses 2026-11-23.
func ParseDate(s string) (Value, error) {
	t, err := time.Parse("2006-01-02", s)
	return Value{K: Date, N: float64(t.Unix())}, err
}

// ParseDateTime parses 2026-11-23T09:00.
func ParseDateTime(s string) (Value, error) {
	t, err := time.Parse("2006-01-02T15:04", s)
	return Value{K: DateTime, N: float64(t.Unix())}, err
}

// ParseClock parses a time of day, 14:00.
func ParseClock(s string) (Value, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil {
		return Value{}, fmt.Errorf("bad time of day %q", s)
	}
	return Value{K: Time, N: float64(hh*3600 + mm*60)}, nil
}
