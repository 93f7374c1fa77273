package engine

import (
	"fmt"
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

// validate refuses what no input may bring into the store: values outside
// the value domain (value.Valid: NaN, ±Inf, invalid UTF-8, ...), texts too
// long, and inputs too large as a whole.
// Values of the wrong type for their field are refused later, by conform.
func (t *tx) validate() error {
	in := &t.in
	for _, f := range []struct{ name, text string }{{"entity", in.Entity}, {"item", in.Item}, {"pipeline", in.Pipeline},
		{"stage", in.Stage}, {"by", in.By}, {"event", in.Event}, {"key", in.Key}} { // in order: the first bad one is named
		if err := validText(f.text); err != nil {
			return fmt.Errorf("the input's %s: %v", f.name, err)
		}
	}
	for _, k := range sortedKeys(in.Fields) {
		if err := validText(k); err != nil {
			return fmt.Errorf("a field name: %v", err)
		}
		if err := value.Valid(in.Fields[k]); err != nil {
			return fmt.Errorf("field %q: %v", k, err)
		}
		if err := textsFit(in.Fields[k]); err != nil {
			return fmt.Errorf("field %q: %v", k, err)
		}
	}
	return nil // its size is checked when it is logged, encoded once
}

// validText refuses a name or text of an input that value.Valid would
// refuse as a text, or that is too long.
func validText(s string) error {
	if err := value.Valid(value.TextOf(s)); err != nil {
		return err
	}
	return textsFit(value.TextOf(s))
}

// textsFit refuses a value holding a text longer than MaxTextBytes.
func textsFit(v value.Value) error {
	if len(v.S) > MaxTextBytes {
		return fmt.Errorf("a text of %d bytes is over the limit of %d", len(v.S), MaxTextBytes)
	}
	for _, e := range v.L {
		if err := textsFit(e); err != nil {
			return err
		}
	}
	return nil
}

// quote is a value as a timeline line shows it: cut short, so that a long
// text is stored once, in its item, not again on every line about it.
func quote(v value.Value) string {
	if v.IsNull() {
		return "null" // as the language writes it: an empty value is not nothing
	}
	s := v.String()
	if utf8.RuneCountInString(s) <= maxQuote {
		return s
	}
	r := []rune(s)
	return string(r[:maxQuote]) + fmt.Sprintf("… (%d characters)", len(r))
}
