package ops

import (
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// Operand parameters: each one kind of type, except any, and the operands
// of and, or and not, which also take the null literal (null is false).
var (
	pNumber   = param("number", types.Number)
	pMoney    = param("money", types.Money)
	pText     = param("text", types.Text)
	pURL      = param("url", types.URL)
	pFile     = param("file", types.File)
	pEnum     = param("enum", types.Enum)
	pDate     = param("date", types.Date)
	pDateTime = param("datetime", types.DateTime)
	pTime     = param("time", types.Time)
	pDuration = param("duration", types.Duration)
	pBool     = param("bool", types.Bool)
	pTruth    = param("bool", types.Bool, types.Null) // and, or, not: null is false
	pNull     = param("null", types.Null)
	pEmail    = param("email", types.Email)
	pPhone    = param("phone", types.Phone)
	pStage    = param("stage", types.Stage)
	pEntity   = param("entity", types.Entity)
	pRecord   = param("record", types.Record)
	pList     = param("list", types.List)
	pResource = param("resource", types.Resource)
	pEmails   = Param{Name: "emails", kinds: 1 << types.Email, multi: true}
	pPhones   = Param{Name: "phones", kinds: 1 << types.Phone, multi: true}
	pAny      = Param{Name: "any", kinds: (1<<(types.Resource+1) - 1) &^ (1 << types.Invalid)} // every kind but invalid
)

func param(name string, kinds ...types.Kind) Param {
	p := Param{Name: name}
	for _, k := range kinds {
		p.kinds |= 1 << k
	}
	return p
}

// The overload IDs that the checker and the interpreter name.
const (
	AddDateDuration = "add_date_duration"
	SubDateDuration = "sub_date_duration"
)

// table is every overload, built once. An ID is the operator's name and its
// operands' parameter names joined by _: add_money_money, eq_any_null,
// in_range_date.
var table = build()

func build() []*Overload {
	var t []*Overload
	add := func(op Op, result *types.Type, doc string, params ...Param) *Overload {
		id := op.String()
		for i, p := range params {
			if op == InRange || op == NotInRange {
				if i > 0 {
					break // x in lo..hi: named by x's type
				}
			}
			id += "_" + p.Name
		}
		ov := &Overload{ID: id, Op: op, Params: params, Result: result, Doc: doc}
		t = append(t, ov)
		return ov
	}
	bin := func(op Op, result *types.Type, x, y Param, doc string, f binary) {
		add(op, result, doc, x, y).Binary = f(x.values(), y.values())
	}
	un := func(op Op, result *types.Type, x Param, doc string, f unary) {
		add(op, result, doc, x).Unary = f(x.values())
	}

	// Arithmetic. Null in gives null out; a result out of its type's range
	// (not finite, a time past year 9999) gives null too.
	bin(Add, types.NumberType, pNumber, pNumber, "", arith(num, plus))
	bin(Add, types.MoneyType, pMoney, pMoney, "rounded to cents", arith(money, plus))
	bin(Add, types.TextType, pText, pText, "joins the texts; null past 64 KiB", concat)
	bin(Add, types.TextType, pText, pEnum, "", concat)
	bin(Add, types.TextType, pEnum, pText, "", concat)
	bin(Add, types.DateType, pDate, pDuration, "the date of that moment: 2026-11-23 + d is 2026-11-24 for a duration d of 36h; a literal must be whole days", dateShift(1))
	bin(Add, types.DateTimeType, pDateTime, pDuration, "", moment(value.DateTime, plus))
	bin(Add, types.DateTimeType, pDate, pTime, "the date at that time of day: tomorrow + 14:00", moment(value.DateTime, plus))
	bin(Add, types.DurationType, pDuration, pDuration, "", arith(duration, plus))

	bin(Sub, types.NumberType, pNumber, pNumber, "", arith(num, minus))
	bin(Sub, types.MoneyType, pMoney, pMoney, "rounded to cents", arith(money, minus))
	bin(Sub, types.DateType, pDate, pDuration, "the date of that moment: 2026-11-23 - d is 2026-11-22 for a duration d of 2h; a literal must be whole days", dateShift(-1))
	bin(Sub, types.DateTimeType, pDateTime, pDuration, "", moment(value.DateTime, minus))
	bin(Sub, types.DurationType, pDate, pDate, "", arith(duration, minus))
	bin(Sub, types.DurationType, pDateTime, pDateTime, "", arith(duration, minus))
	bin(Sub, types.DurationType, pDuration, pDuration, "", arith(duration, minus))

	bin(Mul, types.NumberType, pNumber, pNumber, "", arith(num, times))
	bin(Mul, types.MoneyType, pMoney, pNumber, "rounded to cents", arith(money, times))
	bin(Mul, types.MoneyType, pNumber, pMoney, "rounded to cents", arith(money, times))
	bin(Mul, types.DurationType, pDuration, pNumber, "rounded to whole seconds", arith(duration, times))
	bin(Mul, types.DurationType, pNumber, pDuration, "rounded to whole seconds", arith(duration, times))

	bin(Div, types.NumberType, pNumber, pNumber, "null when dividing by 0", arith(num, divide))
	bin(Div, types.MoneyType, pMoney, pNumber, "rounded to cents; null when dividing by 0", arith(money, divide))
	bin(Div, types.NumberType, pMoney, pMoney, "null when dividing by 0", arith(num, divide))
	bin(Div, types.DurationType, pDuration, pNumber, "rounded to whole seconds; null when dividing by 0", arith(duration, divide))

	bin(Mod, types.NumberType, pNumber, pNumber, "the remainder, with the sign of the dividend; null for x % 0", arith(num, modulo))

	un(Neg, types.NumberType, pNumber, "", negate(num))
	un(Neg, types.MoneyType, pMoney, "", negate(money))
	un(Neg, types.DurationType, pDuration, "", negate(duration))

	// Logic: null counts as false.
	un(Not, types.BoolType, pTruth, "null is false, so not null is true", func(kinds) func(value.Value) value.Value {
		return func(v value.Value) value.Value { return value.BoolOf(!value.Truth(v)) }
	})
	bin(And, types.BoolType, pTruth, pTruth, "the right operand is evaluated only when the left is true", logic(func(a, b value.Value) value.Value {
		return value.BoolOf(value.Truth(a) && value.Truth(b))
	}))
	bin(Or, types.BoolType, pTruth, pTruth, "the right operand is evaluated only when the left is not true", logic(func(a, b value.Value) value.Value {
		return value.BoolOf(value.Truth(a) || value.Truth(b))
	}))

	// Equality: values of one type, or of types one assignable to the other
	// (a number literal and money, text and an enum or url); null equals
	// only null. A date and a datetime do not compare: say which with date(x).
	comparable := func(args []*types.Type) bool {
		return types.AssignableTo(args[0], args[1]) || types.AssignableTo(args[1], args[0])
	}
	// A comparison has two implementations, one over values and one over
	// pointers to them (Test), each calling the shared code directly so
	// that neither makes its operands escape to the heap.
	test := func(op Op, params []Param, doc string, tst func(a, b *value.Value) bool, bin func(a, b value.Value) value.Value) {
		ov := add(op, types.BoolType, doc, params...)
		ov.Test, ov.Binary = tst, bin
		switch op {
		case Eq, Ne:
			ov.accept = comparable
		case In, NotIn:
			ov.accept = elements
		}
	}
	eqPairs := [][]Param{{pText, pText}, {pText, pEnum}, {pEnum, pText}, {pText, pURL}, {pURL, pText}, {pNumber, pNumber},
		{pMoney, pMoney}, {pDate, pDate}, {pDateTime, pDateTime}, {pTime, pTime}, {pDuration, pDuration}, {pBool, pBool},
		{pFile, pFile}, {pURL, pURL}, {pEnum, pEnum}, {pEmail, pEmail}, {pPhone, pPhone}, {pStage, pStage},
		{pEntity, pEntity}, {pRecord, pRecord}, {pList, pList}, {pResource, pResource}, {pNull, pAny}, {pAny, pNull}}
	for _, p := range eqPairs {
		test(Eq, p, "", value.EqualRef, func(a, b value.Value) value.Value { return value.BoolOf(value.EqualRef(&a, &b)) })
	}
	for _, p := range eqPairs {
		test(Ne, p, "", func(a, b *value.Value) bool { return !value.EqualRef(a, b) },
			func(a, b value.Value) value.Value { return value.BoolOf(!value.EqualRef(&a, &b)) })
	}

	// Ordering: numbers and amounts by value, times in time order, texts
	// by their bytes (UTF-8). A null operand makes the comparison false.
	ordered := []Param{pNumber, pMoney, pDate, pDateTime, pTime, pDuration, pText}
	for _, o := range []struct {
		op Op
		ok func(c int) bool
	}{{Lt, func(c int) bool { return c < 0 }}, {Le, func(c int) bool { return c <= 0 }},
		{Gt, func(c int) bool { return c > 0 }}, {Ge, func(c int) bool { return c >= 0 }}} {
		ok := o.ok
		for _, p := range ordered {
			test(o.op, []Param{p, p}, "",
				func(a, b *value.Value) bool { c, ordered := value.CompareRef(a, b); return ordered && ok(c) },
				func(a, b value.Value) value.Value {
					c, ordered := value.CompareRef(&a, &b)
					return value.BoolOf(ordered && ok(c))
				})
		}
	}

	// Membership. A null x is in nothing, and not in nothing either.
	for _, list := range []Param{pList, pEmails, pPhones} {
		test(In, []Param{pAny, list}, "", func(a, b *value.Value) bool { return a.K != value.Null && member(a, b) },
			func(a, b value.Value) value.Value { return value.BoolOf(a.K != value.Null && member(&a, &b)) })
	}
	for _, list := range []Param{pList, pEmails, pPhones} {
		test(NotIn, []Param{pAny, list}, "", func(a, b *value.Value) bool { return a.K != value.Null && !member(a, b) },
			func(a, b value.Value) value.Value { return value.BoolOf(a.K != value.Null && !member(&a, &b)) })
	}
	// x in lo..hi: the range is evaluated as the list [lo, hi].
	for _, p := range ordered {
		test(InRange, []Param{p, p, p}, "lo <= x <= hi", func(a, b *value.Value) bool { return a.K != value.Null && within(a, b) },
			func(a, b value.Value) value.Value { return value.BoolOf(a.K != value.Null && within(&a, &b)) })
	}
	for _, p := range ordered {
		test(NotInRange, []Param{p, p, p}, "", func(a, b *value.Value) bool { return a.K != value.Null && !within(a, b) },
			func(a, b value.Value) value.Value { return value.BoolOf(a.K != value.Null && !within(&a, &b)) })
	}
	return t
}

// elements accepts x in a list whose elements compare with x (or an empty
// list, whose elements are null).
func elements(args []*types.Type) bool {
	x, l := args[0], args[1]
	elem := l.Elem
	if l.Multi {
		elem = l.Single()
	}
	return elem == nil || elem.Kind == types.Null || types.AssignableTo(x, elem) || types.AssignableTo(elem, x)
}

// member reports whether v equals an element of a list.
func member(v, list *value.Value) bool {
	for i := range list.L {
		if value.EqualRef(v, &list.L[i]) {
			return true
		}
	}
	return false
}

// within reports whether v lies in a range, evaluated as the list [lo, hi].
func within(v, rng *value.Value) bool {
	if len(rng.L) != 2 {
		return false
	}
	lo, ok1 := value.CompareRef(v, &rng.L[0])
	hi, ok2 := value.CompareRef(v, &rng.L[1])
	return ok1 && ok2 && lo >= 0 && hi <= 0
}
