package stdlib

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Built-in functions of expressions. All are total: a null argument gives
// null (len gives 0), so a missing field never stops a rule.
var funcs = append([]Func{
	{Decl: &types.FuncDecl{Name: "lower", Doc: "text in lower case", Arity: 1, Check: textToText},
		Run: textFunc(strings.ToLower)},
	{Decl: &types.FuncDecl{Name: "upper", Doc: "text in upper case", Arity: 1, Check: textToText},
		Run: textFunc(strings.ToUpper)},
	{Decl: &types.FuncDecl{Name: "trim", Doc: "text without leading and trailing spaces", Arity: 1, Check: textToText},
		Run: textFunc(strings.TrimSpace)},
	{Decl: &types.FuncDecl{Name: "len", Doc: "the number of characters of a text or elements of a list", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.Text || a[0].Kind == types.List || a[0].Multi {
				return types.NumberType, ""
			}
			return nil, "len takes a text or a list, not " + a[0].String()
		}},
		Run: func(a []value.Value) value.Value {
			switch a[0].K {
			case value.Text:
				return value.NumberOf(float64(utf8.RuneCountInString(a[0].S)))
			case value.List:
				return value.NumberOf(float64(len(a[0].L)))
			}
			return value.NumberOf(0)
		}},
	{Decl: &types.FuncDecl{Name: "contains", Doc: "whether a text contains another, case-sensitive", Arity: 2, Check: textsToBool},
		Run: textPred(strings.Contains)},
	{Decl: &types.FuncDecl{Name: "starts_with", Doc: "whether a text starts with another", Arity: 2, Check: textsToBool},
		Run: textPred(strings.HasPrefix)},
	{Decl: &types.FuncDecl{Name: "ends_with", Doc: "whether a text ends with another", Arity: 2, Check: textsToBool},
		Run: textPred(strings.HasSuffix)},
	{Decl: &types.FuncDecl{Name: "round", Doc: "a number or amount rounded to whole units", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.Number || a[0].Kind == types.Money {
				return a[0], ""
			}
			return nil, "round takes a number or money, not " + a[0].String()
		}},
		Run: nullOr(func(v value.Value) value.Value {
			v.N = math.Round(v.N)
			return v
		})},
	{Decl: &types.FuncDecl{Name: "date", Doc: "the date of a date-time", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.DateTime || a[0].Kind == types.Date {
				return types.DateType, ""
			}
			return nil, "date takes a datetime, not " + a[0].String()
		}},
		Run: nullOr(func(v value.Value) value.Value {
			return value.Value{K: value.Date, N: float64(v.Unix() - mod(v.Unix(), 86400))}
		})},
	{Decl: &types.FuncDecl{Name: "time", Doc: "the time of day of a date-time", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.DateTime {
				return types.TimeType, ""
			}
			return nil, "time takes a datetime, not " + a[0].String()
		}},
		Run: nullOr(func(v value.Value) value.Value {
			return value.Value{K: value.Time, N: float64(mod(v.Unix(), 86400))}
		})},
	{Decl: &types.FuncDecl{Name: "weekday", Doc: "the day of the week, 1 (Monday) to 7 (Sunday)", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.DateTime || a[0].Kind == types.Date {
				return types.NumberType, ""
			}
			return nil, "weekday takes a date or datetime, not " + a[0].String()
		}},
		Run: nullOr(func(v value.Value) value.Value {
			return value.NumberOf(float64((int(v.AsTime().Weekday())+6)%7 + 1))
		})},
	{Decl: &types.FuncDecl{Name: "days", Doc: "a duration in whole days", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.Duration {
				return types.NumberType, ""
			}
			return nil, "days takes a duration, not " + a[0].String()
		}},
		Run: nullOr(func(v value.Value) value.Value { return value.NumberOf(math.Floor(v.N / 86400)) })},
}, append(formatFuncs, encodeFuncs...)...) // format.go: formatting for messages; encode.go: for webhooks

func textToText(a []*types.Type) (*types.Type, string) {
	if a[0].Kind == types.Text || a[0].Kind == types.Enum || a[0].Kind == types.URL {
		return &types.Type{Kind: types.Text, MaxLen: a[0].MaxLen}, ""
	}
	return nil, "expected a text, not " + a[0].String()
}

func textsToBool(a []*types.Type) (*types.Type, string) {
	for _, t := range a {
		if t.Kind != types.Text && t.Kind != types.Enum && t.Kind != types.URL {
			return nil, "expected two texts, not " + t.String()
		}
	}
	return types.BoolType, ""
}

func mod(a, b int64) int64 { return (a%b + b) % b }

// nullOr makes a one-argument function total: null gives null.
func nullOr(f func(value.Value) value.Value) interp.Func {
	return func(a []value.Value) value.Value {
		if a[0].IsNull() {
			return value.Value{}
		}
		return f(a[0])
	}
}

func textFunc(f func(string) string) interp.Func {
	return nullOr(func(v value.Value) value.Value { return value.TextOf(f(v.S)) })
}

func textPred(f func(s, sub string) bool) interp.Func {
	return func(a []value.Value) value.Value {
		if a[0].IsNull() || a[1].IsNull() {
			return value.Value{}
		}
		return value.BoolOf(f(a[0].S, a[1].S))
	}
}
