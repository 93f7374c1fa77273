package stdlib

import (
	"math"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Formatting for messages (M-FIELDS). A template inserts a value as the
// language writes it, money as 1999.5 and a date-time as 2026-03-09T14:30,
// which reads well in a test and badly in a client's SMS. These functions
// write a value as a client of the seeds' countries reads it: the złoty as
// in Poland, the euro as in Italy. Each is a function of one value, so a
// placeholder can hold it: "Do zapłaty: {pln(deal.amount)}".
var formatFuncs = []Func{
	{Decl: &types.FuncDecl{Name: "pln", Arity: 1, Check: moneyToText("pln"),
		Doc: `money as Polish złoty for a message: 1999,00 zł, 12 300,50 zł (groups of three from five digits, as Polish writes them)`},
		Run: moneyFunc(plStyle)},
	{Decl: &types.FuncDecl{Name: "eur", Arity: 1, Check: moneyToText("eur"),
		Doc: `money as euro for a message, as in Italy: 1.999,00 €, 12.300,50 €`},
		Run: moneyFunc(itStyle)},
	{Decl: &types.FuncDecl{Name: "date_pl", Arity: 1, Check: dateToText("date_pl"),
		Doc: `a date or date-time for a Polish message: 09.03.2026, 09.03.2026 14:30`},
		Run: dateFunc("02.01.2006")},
	{Decl: &types.FuncDecl{Name: "date_it", Arity: 1, Check: dateToText("date_it"),
		Doc: `a date or date-time for an Italian message: 09/03/2026, 09/03/2026 14:30`},
		Run: dateFunc("02/01/2006")},
}

// moneyStyle is a country's way of writing an amount of its currency.
type moneyStyle struct {
	group, decimal, suffix string
	// minGroup is the fewest digits before the decimal sign that are
	// grouped: Polish leaves 1999 whole and writes 12 300 (CLDR's
	// minimumGroupingDigits 2); Italian writes 1.999.
	minGroup int
}

var (
	// The Polish group separator is a space; CLDR gives a no-break space,
	// which is invisible in a test's expected text and buys nothing in an
	// SMS or an e-mail body.
	plStyle = moneyStyle{group: " ", decimal: ",", suffix: " zł", minGroup: 5}
	itStyle = moneyStyle{group: ".", decimal: ",", suffix: " €", minGroup: 4}
)

// moneyMaxLen bounds the text of a formatted amount, for the SMS length
// check: 15 digits, 4 group separators, the cents, a sign and the currency;
// an amount past 10^15 has no cents a float64 can hold and is written with
// an exponent, at most 24 characters and the currency.
const moneyMaxLen = 28

func moneyToText(name string) func([]*types.Type) (*types.Type, string) {
	return func(a []*types.Type) (*types.Type, string) {
		if a[0].Kind == types.Money || a[0].Kind == types.Number {
			return types.TextN(moneyMaxLen), ""
		}
		return nil, name + " formats money or a number, not " + a[0].String()
	}
}

func dateToText(name string) func([]*types.Type) (*types.Type, string) {
	return func(a []*types.Type) (*types.Type, string) {
		if a[0].Kind == types.Date || a[0].Kind == types.DateTime {
			return types.TextN(len("09.03.2026 14:30")), ""
		}
		return nil, name + " formats a date or datetime, not " + a[0].String()
	}
}

func moneyFunc(st moneyStyle) interp.Func {
	return nullOr(func(v value.Value) value.Value { return value.TextOf(st.format(v.N)) })
}

// format writes n rounded to cents in the style.
func (st moneyStyle) format(n float64) string {
	if math.Abs(n) >= 1e15 { // past float64's whole cents: no digits to group
		return strconv.FormatFloat(n, 'g', -1, 64) + st.suffix
	}
	s := strconv.FormatFloat(math.Abs(n), 'f', 2, 64)
	whole, cents, _ := strings.Cut(s, ".")
	var b strings.Builder
	if n < 0 && s != "0.00" {
		b.WriteByte('-')
	}
	if len(whole) >= st.minGroup {
		for i, d := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteString(st.group)
			}
			b.WriteRune(d)
		}
	} else {
		b.WriteString(whole)
	}
	b.WriteString(st.decimal + cents + st.suffix)
	return b.String()
}

func dateFunc(layout string) interp.Func {
	return nullOr(func(v value.Value) value.Value {
		if v.K == value.DateTime {
			return value.TextOf(v.AsTime().Format(layout + " 15:04"))
		}
		return value.TextOf(v.AsTime().Format(layout))
	})
}
