package lsp

import "testing"

// TestOpenPlaceholder: the cursor is in a placeholder only after an
// unescaped, unclosed {: an escaped brace is text, as the lexer reads it.
func TestOpenPlaceholder(t *testing.T) {
	for _, c := range []struct {
		content, want string
		off           int
	}{
		{`Dzień dobry {deal.am`, "deal.am", 14}, // bytes: ń is two
		{`x \{ y`, "", -1},
		{`cena \{ {deal.am`, "deal.am", 9},
		{`{deal.title} i {contact.`, "contact.", 16},
		{`{deal.title}`, "", -1},
		{`a \\{deal.`, "deal.", 5},
	} {
		got, off := openPlaceholder([]byte(c.content), 0)
		if got != c.want || off != c.off {
			t.Errorf("openPlaceholder(%q) = %q, %d; want %q, %d", c.content, got, off, c.want, c.off)
		}
	}
}
