package engine

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/runtime/value"
)

// Limits of what one input may carry (spec/semantics.md, "Inputs"): an
// input is refused whole past them, with the field named.
const (
	MaxTextBytes  = 64 << 10 // one text value, in bytes of UTF-8
	MaxInputBytes = 1 << 20  // the whole input, as logged (a deploy's program aside)
	// maxQuote is how much of a value a timeline line quotes.
	maxQuote = 120
)

// validate refuses what no input may bring into the store: texts that are
// not UTF-8 or are too long, numbers that are not finite (NaN, ±Inf),
// typed addresses without their address, and inputs too large as a whole.
// Values of the wrong type for their field are refused later, by conform.
func (t *tx) validate() error {
	in := &t.in
	for name, s := range map[string]string{"entity": in.Entity, "item": in.Item, "pipeline": in.Pipeline, "stage": in.Stage,
		"by": in.By, "event": in.Event, "key": in.Key} {
		if err := validText(s); err != nil {
			return fmt.Errorf("the input's %s: %v", name, err)
		}
	}
	for _, k := range sortedKeys(in.Fields) {
		if err := validText(k); err != nil {
			return fmt.Errorf("a field name: %v", err)
		}
		if err := validValue(in.Fields[k]); err != nil {
			return fmt.Errorf("field %q: %v", k, err)
		}
	}
	return nil // its size is checked when it is logged, encoded once
}

func validText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("text %q is not valid UTF-8", s)
	}
	if len(s) > MaxTextBytes {
		return fmt.Errorf("a text of %d bytes is over the limit of %d", len(s), MaxTextBytes)
	}
	return nil
}

func validValue(v value.Value) error {
	if math.IsNaN(v.N) || math.IsInf(v.N, 0) {
		return fmt.Errorf("%v is not a finite number", v.N)
	}
	if err := validText(v.S); err != nil {
		return err
	}
	if err := validText(v.Tag); err != nil {
		return err
	}
	for i, e := range v.L {
		if err := validValue(e); err != nil {
			return fmt.Errorf("element %d: %v", i+1, err)
		}
	}
	return nil
}

// quote is a value as a timeline line shows it: cut short, so that a long
// text is stored once, in its item, not again on every line about it.
func quote(v value.Value) string {
	s := v.String()
	if utf8.RuneCountInString(s) <= maxQuote {
		return s
	}
	r := []rune(s)
	return string(r[:maxQuote]) + fmt.Sprintf("… (%d characters)", len(r))
}
