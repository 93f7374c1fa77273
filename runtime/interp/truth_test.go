package interp

import (
	"testing"

	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
)

// TestCompareLiteral holds the specialized comparisons with a literal to
// the overloads' own Test, over values of every kind a field may hold: for
// every overload that has them, with a literal of every kind.
func TestCompareLiteral(t *testing.T) {
	vals := []value.Value{{}, value.NumberOf(5), value.MoneyOf(5), value.NumberOf(7), value.MoneyOf(-1), value.TextOf("Warsaw"),
		value.TextOf("Kraków"), value.RefOf("user", "Warsaw"), value.BoolOf(true), value.TypedText("work", "Warsaw"),
		{K: value.Date, N: 5}, {K: value.Duration, N: 5}, value.ListOf(value.TextOf("Warsaw"))}
	lits := []value.Value{value.NumberOf(5), value.MoneyOf(5), value.TextOf("Warsaw"), {}, value.BoolOf(true)}
	specialized := 0
	for _, ov := range ops.Overloads() {
		if ov.Test == nil {
			continue
		}
		for _, lit := range lits {
			for _, v := range vals {
				v := v
				f := compareLiteral(ov, func(*Env) *value.Value { return &v }, lit)
				if f == nil {
					continue
				}
				specialized++
				if got, want := f(&Env{}), ov.Test(&v, &lit); got != want {
					t.Errorf("%s(%v, %v): specialized %v, general %v", ov.ID, v, lit, got, want)
				}
			}
		}
	}
	if specialized == 0 {
		t.Fatal("no comparison is specialized")
	}
}
