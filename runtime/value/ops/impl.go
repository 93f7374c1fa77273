package ops

import (
	"math"

	"github.com/stagecraft/stagecraft/runtime/value"
)

// MaxTextBytes bounds a text that + joins: past it the result is null, as
// no input may bring a longer text (spec/semantics.md, "Inputs").
const MaxTextBytes = 64 << 10

// Results. Each makes a value of its type from a computed float64, or null
// when the number is out of the type's range: arithmetic never produces
// NaN or ±Inf, or a time that overflows (spec/semantics.md, "Values").

func num(n float64) value.Value {
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return value.Value{}
	}
	return value.NumberOf(n)
}

func money(n float64) value.Value {
	v := value.MoneyOf(n) // rounds to cents, which can overflow
	if math.IsNaN(v.N) || math.IsInf(v.N, 0) {
		return value.Value{}
	}
	return v
}

// duration rounds to whole seconds; past ±MaxDuration (NaN included) it is null.
func duration(n float64) value.Value {
	n = math.Round(n)
	if !(math.Abs(n) <= float64(value.MaxDuration)) {
		return value.Value{}
	}
	return value.Value{K: value.Duration, N: n}
}

// at is a date or datetime; outside MinTime..MaxTime it is null.
func at(k value.Kind, n float64) value.Value {
	if !(n >= float64(value.MinTime) && n <= float64(value.MaxTime)) {
		return value.Value{}
	}
	return value.Value{K: k, N: n}
}

// Operations on the numbers of two values.

func plus(a, b float64) float64   { return a + b }
func minus(a, b float64) float64  { return a - b }
func times(a, b float64) float64  { return a * b }
func divide(a, b float64) float64 { return a / b } // x/0 is ±Inf or NaN: the result makes it null
func modulo(a, b float64) float64 { return math.Mod(a, b) }

// An implementation is made for the kinds of value its operands may be
// (Param.values), and gives null for any other: null, and the kinds the
// checker never lets through.
type (
	binary func(x, y kinds) func(a, b value.Value) value.Value
	unary  func(x kinds) func(v value.Value) value.Value
)

// arith applies f to two operands' numbers and makes the result with
// result.
func arith(result func(float64) value.Value, f func(a, b float64) float64) binary {
	return func(x, y kinds) func(a, b value.Value) value.Value {
		return func(a, b value.Value) value.Value {
			if !x.has(a.K) || !y.has(b.K) {
				return value.Value{}
			}
			return result(f(a.N, b.N))
		}
	}
}

// moment is a time plus or minus a duration (or a date plus a time of day):
// a value of kind k.
func moment(k value.Kind, f func(a, b float64) float64) binary {
	return arith(func(n float64) value.Value { return at(k, n) }, f)
}

// dateShift is a date moved by a duration (sign +1 or -1): the date of the
// moment that the date's midnight moved by the duration is. 2026-11-23 -
// 2h is 2026-11-22, the day that 22:00 of the evening before falls on.
func dateShift(sign float64) binary {
	return arith(func(n float64) value.Value { return at(value.Date, math.Floor(n/86400)*86400) },
		func(a, b float64) float64 { return a + sign*b })
}

func negate(result func(float64) value.Value) unary {
	return func(x kinds) func(value.Value) value.Value {
		return func(v value.Value) value.Value {
			if !x.has(v.K) {
				return value.Value{}
			}
			return result(-v.N)
		}
	}
}

// concat joins two texts (an enum's value is a text).
func concat(x, y kinds) func(a, b value.Value) value.Value {
	return func(a, b value.Value) value.Value {
		if !x.has(a.K) || !y.has(b.K) || len(a.S)+len(b.S) > MaxTextBytes {
			return value.Value{}
		}
		return value.TextOf(a.S + b.S)
	}
}

// logic is an implementation over any values (and, or: null is false).
func logic(f func(a, b value.Value) value.Value) binary {
	return func(kinds, kinds) func(a, b value.Value) value.Value { return f }
}
