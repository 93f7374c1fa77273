package interp

import (
	"testing"

	"github.com/stagecraft/stagecraft/runtime/value"
)

// TestCompareLiteral holds the specialized comparisons with a literal to
// the general ones, over values of every kind a field may hold.
func TestCompareLiteral(t *testing.T) {
	vals := []value.Value{{}, value.NumberOf(5), value.MoneyOf(5), value.NumberOf(7), value.TextOf("Warsaw"),
		value.TextOf("Kraków"), value.RefOf("user", "Warsaw"), value.BoolOf(true), value.TypedText("work", "Warsaw")}
	lits := []value.Value{value.NumberOf(5), value.TextOf("Warsaw")}
	general := map[string]func(a, b *value.Value) bool{
		"==": value.EqualRef,
		"!=": func(a, b *value.Value) bool { return !value.EqualRef(a, b) },
		"<":  func(a, b *value.Value) bool { c, ok := value.CompareRef(a, b); return ok && c < 0 },
		"<=": func(a, b *value.Value) bool { c, ok := value.CompareRef(a, b); return ok && c <= 0 },
		">":  func(a, b *value.Value) bool { c, ok := value.CompareRef(a, b); return ok && c > 0 },
		">=": func(a, b *value.Value) bool { c, ok := value.CompareRef(a, b); return ok && c >= 0 },
	}
	for op, want := range general {
		for _, lit := range lits {
			for _, v := range vals {
				v := v
				f := compareLiteral(op, func(*Env) *value.Value { return &v }, lit)
				if f == nil {
					continue
				}
				if got := f(&Env{}); got != want(&v, &lit) {
					t.Errorf("%v %s %v: specialized %v, general %v", v, op, lit, got, !got)
				}
			}
		}
	}
}
