package ops

import (
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// kinds is a set of value kinds.
type kinds uint16

func (ks kinds) has(k value.Kind) bool { return ks&(1<<k) != 0 }

func kindsOf(ks ...value.Kind) kinds {
	var out kinds
	for _, k := range ks {
		out |= 1 << k
	}
	return out
}

// represent is the kinds of value that hold a type of kind k (its
// several-valued form if multi), null aside: a text, url, file, enum, stage
// or resource is a text; money is an amount, or a number where a number
// literal adapted to money; an e-mail or phone field is a list of texts,
// one address a text; an item is a reference.
func represent(k types.Kind, multi bool) kinds {
	switch k {
	case types.Text, types.URL, types.File, types.Enum, types.Stage, types.Resource:
		return kindsOf(value.Text)
	case types.Number:
		return kindsOf(value.Number)
	case types.Money:
		return kindsOf(value.Money, value.Number)
	case types.Bool:
		return kindsOf(value.Bool)
	case types.Date:
		return kindsOf(value.Date)
	case types.DateTime:
		return kindsOf(value.DateTime)
	case types.Time:
		return kindsOf(value.Time)
	case types.Duration:
		return kindsOf(value.Duration)
	case types.Email, types.Phone:
		if multi {
			return kindsOf(value.List)
		}
		return kindsOf(value.Text)
	case types.Entity:
		return kindsOf(value.Ref)
	case types.Record:
		return kindsOf(value.Record)
	case types.List:
		return kindsOf(value.List)
	}
	return 0
}

// values is the kinds of value an operand of the parameter can be.
func (p Param) values() kinds {
	ks := kinds(0)
	for k := types.Kind(0); k <= types.Resource; k++ {
		if p.kinds&(1<<k) != 0 {
			ks |= represent(k, p.multi)
			if (k == types.Email || k == types.Phone) && !p.multi {
				ks |= represent(k, true)
			}
		}
	}
	return ks
}

// Holds reports whether v is a value of type t as the runtime represents
// it: in the value domain (value.Valid: finite numbers, times within
// 0001..9999, a date at midnight, ...), and of a kind that holds the type
// (represent), with the elements of a list or e-mail field of theirs. Null
// is a value of every type. It is what the checker's promise means at run
// time, which the tests of the operators and of the checker hold
// evaluation to.
func Holds(t *types.Type, v value.Value) bool {
	if v.K == value.Null || t.Kind == types.Invalid { // no promise was made
		return true
	}
	if value.Valid(v) != nil || !represent(t.Kind, t.Multi).has(v.K) {
		return false
	}
	for _, e := range v.L {
		switch {
		case t.Kind == types.List && t.Elem != nil && !Holds(t.Elem, e):
			return false
		case t.Multi && e.K != value.Text:
			return false
		}
	}
	return true
}
