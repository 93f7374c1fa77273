package engine

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// conform checks a value given by an input for a field, and converts what
// converts without loss (a number for money, a text for a one-address
// list, an address without its type for a work one, an ID for a
// reference). Null is allowed everywhere: it empties the
// field.
func (t *tx) conform(entity string, f *ir.Field, v value.Value) (value.Value, error) {
	bad := func(want string) (value.Value, error) {
		return value.Value{}, fmt.Errorf("%s.%s takes %s, not %s", entity, f.Name, want, given(v))
	}
	if v.IsNull() {
		return v, nil
	}
	switch f.Kind {
	case ir.KindText, ir.KindURL, ir.KindFile:
		if v.K != value.Text {
			return bad("a text")
		}
		if f.MaxLen > 0 && utf8.RuneCountInString(v.S) > f.MaxLen {
			return value.Value{}, fmt.Errorf("%s.%s is at most %d characters; this text has %d", entity, f.Name, f.MaxLen, utf8.RuneCountInString(v.S))
		}
	case "enum":
		if v.K != value.Text || !contains(f.Values, v.S) {
			return bad("one of " + strings.Join(f.Values, ", "))
		}
	case "number":
		if v.K != value.Number {
			return bad("a number")
		}
	case "money":
		if v.K != value.Number && v.K != value.Money {
			return bad("an amount")
		}
		n := v.N
		if v = value.MoneyOf(n); math.IsInf(v.N, 0) { // kept in cents: ×100 overflows
			return value.Value{}, fmt.Errorf("%s.%s: %s is beyond the largest amount (about ±1.8e306)", entity, f.Name, value.FormatNumber(n))
		}
	case ir.KindBool, ir.KindDate, ir.KindDateTime, ir.KindTime, ir.KindDuration:
		want := map[ir.Kind]value.Kind{ir.KindBool: value.Bool, ir.KindDate: value.Date, ir.KindDateTime: value.DateTime, ir.KindTime: value.Time, ir.KindDuration: value.Duration}[f.Kind]
		if v.K == value.Date && want == value.DateTime {
			v.K = value.DateTime
		}
		if v.K != want {
			return bad("a " + string(f.Kind))
		}
	case "emails", "phones", "email", "phone":
		if v.K == value.Text {
			v = value.ListOf(v)
		}
		if v.K != value.List {
			return bad("a list of typed values, like work(\"...\")")
		}
		v.L = slices.Clone(v.L) // typed below: the caller's list stays as given
		types := ir.EmailTypes
		if f.Kind == "phones" || f.Kind == "phone" {
			types = ir.PhoneTypes
		}
		for i, e := range v.L {
			if e.K != value.Text || e.S == "" {
				return value.Value{}, fmt.Errorf("%s.%s: element %d is %s, not an address like work(\"...\")", entity, f.Name, i+1, e)
			}
			switch {
			case e.Tag == "":
				// An address given without its type is a work one, as an
				// employee's is: client.email[work] finds it.
				v.L[i] = value.TypedText("work", e.S)
			case !contains(types, e.Tag) && !t.replay.on: // a log from before the types were checked still replays
				return value.Value{}, fmt.Errorf("%s.%s: element %d has the type %q; the types are %s", entity, f.Name, i+1, e.Tag, strings.Join(types, ", "))
			}
		}
		if f.Kind == "email" || f.Kind == "phone" {
			v = v.L[0]
		}
	case "entity":
		return t.reference(entity, f, v)
	case "list":
		if v.K != value.List {
			return bad("a list")
		}
		for i, e := range v.L {
			r, err := t.reference(entity, f, e)
			if err != nil {
				return value.Value{}, err
			}
			v.L[i] = r
		}
	}
	return v, nil
}

// given says what a refused value is, its kind with it: a number 5 sent
// for a text is not the text "5".
func given(v value.Value) string {
	switch v.K {
	case value.Text:
		if v.Tag != "" {
			return fmt.Sprintf("the %s address %q", v.Tag, v.S)
		}
		return strconv.Quote(quote(v))
	case value.List:
		if len(v.L) == 0 {
			return "an empty list"
		}
		return fmt.Sprintf("a list of %d", len(v.L))
	case value.Ref:
		return fmt.Sprintf("a reference to %s %q", orDefault(v.Tag, "an item"), v.S)
	case value.Record:
		return "a record"
	}
	return fmt.Sprintf("the %s %s", value.KindName(v.K), quote(v))
}

// reference checks that a reference names an item of the field's entity,
// or for a user an employee.
func (t *tx) reference(entity string, f *ir.Field, v value.Value) (value.Value, error) {
	id := v.S
	if v.K != value.Ref && v.K != value.Text || id == "" {
		return value.Value{}, fmt.Errorf("%s.%s takes a %s, not %q", entity, f.Name, f.Ref, v.String())
	}
	if v.K == value.Ref && v.Tag != "" && v.Tag != f.Ref {
		return value.Value{}, fmt.Errorf("%s.%s takes a reference to a %s, not to a %s (%s %q)", entity, f.Name, f.Ref, v.Tag, v.Tag, id)
	}
	if f.Ref == "user" {
		if t.e.user(id) == nil {
			return value.Value{}, fmt.Errorf("%s.%s: no employee %q", entity, f.Name, id)
		}
		return value.RefOf("user", id), nil
	}
	if it := t.load(id); it == nil || it.Entity != f.Ref {
		return value.Value{}, fmt.Errorf("%s.%s: no %s with ID %q", entity, f.Name, f.Ref, id)
	}
	return value.RefOf(f.Ref, id), nil
}

// fieldDef returns an entity's field, or nil.
func (e *Engine) fieldDef(entity, name string) *ir.Field {
	if s := e.pl.Slot(entity, name); s >= 0 {
		return e.entities[entity].Fields[s]
	}
	return nil
}
