// Package diag owns diagnostics: what went wrong, where, and how bad it is.
// A List is kept sorted by position, free of duplicates and bounded, so that
// every producer (lexer, parser, checker) can report freely and the CLI and
// the language server print the same thing.
package diag

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/stagecraft/stagecraft/lang/token"
)

// Severity follows the LSP numbering so that JSON output needs no mapping.
type Severity int

const (
	Error   Severity = 1
	Warning Severity = 2
	Info    Severity = 3
	Hint    Severity = 4
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	case Info:
		return "info"
	case Hint:
		return "hint"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Diagnostic is one message about a span of source.
type Diagnostic struct {
	Pos, End token.Pos // End may equal Pos for a point
	Severity Severity
	Code     Code
	Message  string
	Hint     string // a suggested fix, e.g. `did you mean "phone"?`; may be empty

	// Related points at the other places a diagnostic is about: the first
	// declaration of a duplicate, the `{` a missing `}` belongs to. It
	// becomes LSP relatedInformation.
	Related []Related
	// Fixes are edits that would resolve the diagnostic (a did-you-mean's
	// replacement), as data an editor offers as quick fixes.
	Fixes []Fix
}

// Related is another place that explains a diagnostic.
type Related struct {
	Pos, End token.Pos
	Message  string
}

// Fix is an edit that resolves a diagnostic: replace [Pos, End) with NewText.
type Fix struct {
	Title    string // e.g. `replace with "phone"`
	Pos, End token.Pos
	NewText  string
}

// Relate records another place the diagnostic is about and returns d, so that
// a report can be followed by it: l.Errorf(...).Relate(p, e, "first declared here").
func (d *Diagnostic) Relate(pos, end token.Pos, msg string) *Diagnostic {
	d.Related = append(d.Related, Related{Pos: pos, End: end, Message: msg})
	return d
}

// Replace records a fix that replaces [pos, end) with text, titled by what it does.
func (d *Diagnostic) Replace(pos, end token.Pos, text string) *Diagnostic {
	d.Fixes = append(d.Fixes, Fix{Title: "replace with " + strconv.Quote(text), Pos: pos, End: end, NewText: text})
	return d
}

// same reports whether two diagnostics say the same thing at the same place.
func same(a, b Diagnostic) bool {
	return a.Pos == b.Pos && a.End == b.End && a.Severity == b.Severity && a.Code == b.Code &&
		a.Message == b.Message && a.Hint == b.Hint
}

// MaxDiagnostics bounds a List: past it, one final error says how many were dropped.
const MaxDiagnostics = 200

// List collects diagnostics. The zero value is ready to use.
type List struct {
	items         []Diagnostic
	dropped       int
	droppedErrors int // how many of the dropped were errors: a capped list of warnings still passes
}

// Add appends d, unless the list is full.
func (l *List) Add(d Diagnostic) {
	if len(l.items) >= MaxDiagnostics {
		l.dropped++
		if d.Severity == Error {
			l.droppedErrors++
		}
		return
	}
	l.items = append(l.items, d)
}

// Errorf adds an error of the given code.
func (l *List) Errorf(pos, end token.Pos, code Code, format string, args ...any) *Diagnostic {
	return l.report(Error, pos, end, code, format, args...)
}

// Warnf adds a warning of the given code.
func (l *List) Warnf(pos, end token.Pos, code Code, format string, args ...any) *Diagnostic {
	return l.report(Warning, pos, end, code, format, args...)
}

func (l *List) report(sev Severity, pos, end token.Pos, code Code, format string, args ...any) *Diagnostic {
	if end < pos {
		end = pos
	}
	l.Add(Diagnostic{Pos: pos, End: end, Severity: sev, Code: code, Message: fmt.Sprintf(format, args...)})
	if len(l.items) == 0 || l.dropped > 0 && len(l.items) >= MaxDiagnostics {
		return &Diagnostic{} // dropped: callers may still set a hint
	}
	return &l.items[len(l.items)-1]
}

// Append adds every diagnostic of other.
func (l *List) Append(other *List) {
	for _, d := range other.items {
		l.Add(d)
	}
	l.dropped += other.dropped
	l.droppedErrors += other.droppedErrors
}

// Len is the number of diagnostics kept.
func (l *List) Len() int { return len(l.items) }

// Dropped is the number of diagnostics past MaxDiagnostics.
func (l *List) Dropped() int { return l.dropped }

// HasErrors reports whether any kept or dropped diagnostic is an error.
func (l *List) HasErrors() bool {
	if l.droppedErrors > 0 {
		return true
	}
	for _, d := range l.items {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Sorted returns the diagnostics sorted by position, then code, with exact
// duplicates removed. The list itself is left as it is.
func (l *List) Sorted() []Diagnostic {
	out := append([]Diagnostic(nil), l.items...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Pos != b.Pos {
			return a.Pos < b.Pos
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
	keep := out[:0]
	for i, d := range out {
		if i > 0 && same(d, out[i-1]) {
			continue
		}
		keep = append(keep, d)
	}
	return keep
}
