package stdlib

import "github.com/stagecraft/stagecraft/compiler/types"

// Built-in functions of expressions. All are total: a null argument gives
// null (len gives 0), so a missing field never stops a rule.
var funcs = []*types.FuncDecl{
	{Name: "lower", Doc: "text in lower case", Arity: 1, Check: textToText},
	{Name: "upper", Doc: "text in upper case", Arity: 1, Check: textToText},
	{Name: "trim", Doc: "text without leading and trailing spaces", Arity: 1, Check: textToText},
	{Name: "len", Doc: "the number of characters of a text or elements of a list", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.Text || a[0].Kind == types.List || a[0].Multi {
				return types.NumberType, ""
			}
			return nil, "len takes a text or a list, not " + a[0].String()
		}},
	{Name: "contains", Doc: "whether a text contains another, case-sensitive", Arity: 2, Check: textsToBool},
	{Name: "starts_with", Doc: "whether a text starts with another", Arity: 2, Check: textsToBool},
	{Name: "ends_with", Doc: "whether a text ends with another", Arity: 2, Check: textsToBool},
	{Name: "round", Doc: "a number or amount rounded to whole units", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.Number || a[0].Kind == types.Money {
				return a[0], ""
			}
			return nil, "round takes a number or money, not " + a[0].String()
		}},
	{Name: "date", Doc: "the date of a date-time", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.DateTime || a[0].Kind == types.Date {
				return types.DateType, ""
			}
			return nil, "date takes a datetime, not " + a[0].String()
		}},
	{Name: "time", Doc: "the time of day of a date-time", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.DateTime {
				return types.TimeType, ""
			}
			return nil, "time takes a datetime, not " + a[0].String()
		}},
	{Name: "weekday", Doc: "the day of the week, 1 (Monday) to 7 (Sunday)", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.DateTime || a[0].Kind == types.Date {
				return types.NumberType, ""
			}
			return nil, "weekday takes a date or datetime, not " + a[0].String()
		}},
	{Name: "days", Doc: "a duration in whole days", Arity: 1,
		Check: func(a []*types.Type) (*types.Type, string) {
			if a[0].Kind == types.Duration {
				return types.NumberType, ""
			}
			return nil, "days takes a duration, not " + a[0].String()
		}},
}

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
