package stdlib

import (
	"testing"

	"github.com/stagecraft/stagecraft/runtime/value"
)

func TestMoneyFormat(t *testing.T) {
	for _, c := range []struct {
		st   moneyStyle
		n    float64
		want string
	}{
		{plStyle, 370.35, "370,35 zł"},
		{plStyle, 1999, "1999,00 zł"},
		{plStyle, 12300.5, "12 300,50 zł"},
		{plStyle, 1234567.89, "1 234 567,89 zł"},
		{plStyle, -12300, "-12 300,00 zł"},
		{plStyle, -0.001, "0,00 zł"},
		{plStyle, 0, "0,00 zł"},
		{itStyle, 370.35, "370,35 €"},
		{itStyle, 1999, "1.999,00 €"},
		{itStyle, 999, "999,00 €"},
		{itStyle, 1234567.5, "1.234.567,50 €"},
		{plStyle, 999999999999999, "999 999 999 999 999,00 zł"},
		{plStyle, 1e15, "1e+15 zł"},
		{plStyle, -1.2345678901234567e+300, "-1.2345678901234567e+300 zł"},
		{itStyle, 1e300, "1e+300 €"},
	} {
		if got := c.st.format(c.n); got != c.want {
			t.Errorf("format(%v) = %q, want %q", c.n, got, c.want)
		}
		if n := len([]rune(c.st.format(c.n))); n > moneyMaxLen {
			t.Errorf("format(%v) is %d characters, past moneyMaxLen %d", c.n, n, moneyMaxLen)
		}
	}
}

func TestFormatFuncs(t *testing.T) {
	run := map[string]func([]value.Value) value.Value{}
	for _, f := range funcs {
		run[f.Decl.Name] = f.Run
	}
	dt, _ := value.ParseDateTime("2026-03-09T14:30")
	d, _ := value.ParseDate("2026-03-09")
	for _, c := range []struct {
		fn   string
		v    value.Value
		want value.Value
	}{
		{"pln", value.MoneyOf(1999.5), value.TextOf("1999,50 zł")},
		{"eur", value.NumberOf(1999.5), value.TextOf("1.999,50 €")},
		{"date_pl", dt, value.TextOf("09.03.2026 14:30")},
		{"date_pl", d, value.TextOf("09.03.2026")},
		{"date_it", dt, value.TextOf("09/03/2026 14:30")},
		{"date_it", d, value.TextOf("09/03/2026")},
		{"pln", value.Value{}, value.Value{}},
		{"date_pl", value.Value{}, value.Value{}},
	} {
		if got := run[c.fn]([]value.Value{c.v}); got.S != c.want.S || got.K != c.want.K {
			t.Errorf("%s(%v) = %v, want %v", c.fn, c.v, got, c.want)
		}
	}
}
