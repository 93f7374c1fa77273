package value

import (
	"math"
	"strconv"
	"strings"
)

// roundCents is n rounded to cents, half away from zero on the decimal n
// stands for: 1.00 + 0.005 is 1.01, as a user reckons it, though the float
// it makes is 1.00499999... and rounds to 1.00 as a float. Only a number
// within a hair of half a cent takes the slow way, through its shortest
// decimal text (strconv's, which reads back as the same float).
func roundCents(n float64) float64 {
	x := n * 100
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return x / 100 // an amount too large for cents overflows (spec/semantics.md, Values)
	}
	// Below 1e11 cents a float64 keeps enough fraction bits for a number
	// within 1e-6 of half a cent to be one; above, the decimal decides.
	if f := math.Abs(x - math.Trunc(x)); math.Abs(x) < 1e11 && math.Abs(f-0.5) > 1e-6 {
		return math.Round(x)/100 + 0 // + 0: -0.001 rounds to 0, not to -0
	}
	return RoundCentsText(strconv.FormatFloat(n, 'g', -1, 64))
}

// RoundCentsText is an amount of money written as a decimal rounded to
// cents as its text says: half away from zero on the digits written, so
// 1.005 is 1.01 and -0.125 is -0.13, where rounding the nearest float64
// (1.00499999...) would give 1. s is a finite number as JSON writes one,
// an exponent allowed (a custom action's reply, spec/wasm.md "Values").
func RoundCentsText(s string) float64 {
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
	point := len(digits) - len(frac) + exp
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
