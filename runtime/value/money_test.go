package value

import (
	"math"
	"testing"
)

// TestRoundCents: money is rounded to cents half away from zero on the
// decimal a number stands for, not on the float it is: 1.00 + 0.005 is
// 1.01, though the float the sum makes is just below 1.005.
func TestRoundCents(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{
		{1.005, 1.01},
		{1.00 + 0.005, 1.01},
		{10.10*2 + 0.005, 20.21},
		{-0.125, -0.13},
		{0.125, 0.13},
		{2.675, 2.68},
		{1.0049, 1.00},
		{1.004999999, 1.00},
		{123.456, 123.46},
		{-123.454, -123.45},
		{0, 0},
		{1e15 + 0.5, 1e15 + 0.5},
	} {
		if got := MoneyOf(c.in).N; got != c.want {
			t.Errorf("MoneyOf(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want float64 }{
		{10000000000.005, 10000000000.01},
		{-10000000000.005, -10000000000.01},
		{123456789012.345, 123456789012.35},
		{1e21, 1e21},
	} {
		if got := MoneyOf(c.in).N; got != c.want {
			t.Errorf("MoneyOf(%v) = %v, want %v: above 1e11 cents the decimal decides", c.in, got, c.want)
		}
	}
	for _, n := range []float64{-0.001, -0.004, -0.0049} {
		if got := MoneyOf(n).N; got != 0 || math.Signbit(got) {
			t.Errorf("MoneyOf(%v) = %v, want 0, not -0 (a text would say -0)", n, got)
		}
	}
	if got := MoneyOf(math.Inf(1)).N; !math.IsInf(got, 1) {
		t.Errorf("MoneyOf(+Inf) = %v: an overflow must stay one", got)
	}
}

func BenchmarkRoundCents(b *testing.B) {
	for b.Loop() {
		_ = roundCents(12.34 * 1.23)
	}
}
