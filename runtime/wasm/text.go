package wasm

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// What a module's text outputs (spec/wasm.md, Values) and its log
// (spec/wasm.md, Imports) may carry. A text output is a value of the
// language, printed on timelines and written to records: it may hold
// tab, newline and carriage return, the control characters of real text
// (an address, a note), and no other: a NUL or an escape (ESC, U+001B,
// which starts a terminal's colour and cursor sequences; C1's CSI,
// U+009B) is refused, an OutputError naming the output. A call's log is
// the module's own words, kept even when the call fails: its lines (a
// newline ends one, whatever wrote it) come back as they are, bytes that
// are not UTF-8 as U+FFFD, and every control character but tab written
// as an escape (\r, \x1b, \u009b), so that no log can move a terminal's
// cursor, colour it, or hide a line.

// textControl is the first control character s has that a text output
// may not hold, and whether it has one.
func textControl(s string) (rune, bool) {
	for _, r := range s {
		if isControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return r, true
		}
	}
	return 0, false
}

// isControl: C0, DEL and C1.
func isControl(r rune) bool { return r < 0x20 || r >= 0x7F && r <= 0x9F }

// controlRefused is the reason a text output with control character r is
// refused.
func controlRefused(r rune) string {
	return fmt.Sprintf("a control character (U+%04X): a text holds tab, newline and carriage return, no other (spec/wasm.md, Values)", r)
}

// cleanLog is a call's log as the host returns it: valid UTF-8, its
// lines ending in newlines, no control character but tab and newline
// (the others escaped: see above).
func cleanLog(b []byte) string {
	clean := true
	for _, c := range b {
		if c >= 0x80 || c < 0x20 && c != '\t' && c != '\n' || c == 0x7F {
			clean = false
			break
		}
	}
	if clean { // all of most logs: ASCII text
		return string(b)
	}
	var s strings.Builder
	s.Grow(len(b) + len(b)/8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			s.WriteRune(utf8.RuneError)
		case r == '\t' || r == '\n' || !isControl(r):
			s.Write(b[:n])
		case r == '\r':
			s.WriteString(`\r`)
		case r < 0x80:
			fmt.Fprintf(&s, `\x%02x`, r)
		default:
			fmt.Fprintf(&s, `\u%04x`, r)
		}
		b = b[n:]
	}
	return s.String()
}
