// Package literal reads the values of the language's time literals, which
// the lexer has already checked for form: durations (180d, 1h30m, 6mo),
// dates (2026-11-23), date-times (2026-11-23T09:00) and times of day
// (14:00). Times are seconds of the workspace's wall clock
// (spec/semantics.md, "Time"). Both the compiler (a rule's delay) and the
// runtime (values) read them here, so the two agree.
package literal

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The range of times and durations (spec/semantics.md, "Values"): a time
// lies from 0001-01-01T00:00 to 9999-12-31T23:59:59, the years a date
// literal can write; a duration is at most the span between the two, about
// 10,000 years, so that the difference of two times is always a duration.
// Both fit in int64 seconds and are exact in a float64.
const (
	MinTime     int64 = -62135596800
	MaxTime     int64 = 253402300799
	MaxDuration       = MaxTime - MinTime
)

// ErrRange is wrapped by the error of a literal that is well formed but out
// of range: a duration longer than MaxDuration, a number past float64's.
var ErrRange = errors.New("out of range")

// Seconds of each duration unit; a month is 30 days.
var units = map[string]int64{"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400}

// Duration returns the seconds of a duration: digits and a unit, repeated.
// A duration longer than MaxDuration is an error wrapping ErrRange, never a
// wrapped-around number.
func Duration(s string) (int64, error) {
	orig := s
	var total int64
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		j := i
		for j < len(s) && (s[j] < '0' || s[j] > '9') {
			j++
		}
		secs, ok := units[s[i:j]]
		if i == 0 || !ok {
			return 0, fmt.Errorf("bad duration %q: want digits and a unit s, m, h, d, w or mo", orig)
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n > (MaxDuration-total)/secs {
			return 0, fmt.Errorf("duration %s: %w", orig, ErrRange)
		}
		total += n * secs
		s = s[j:]
	}
	return total, nil
}

// FormatDuration writes seconds as the language writes a duration, in
// days, hours, minutes and seconds (180d, 1h30m, 2d12h, 45s; zero is 0s),
// so that one wait always reads the same way (14d, never 2w).
func FormatDuration(secs int64) string {
	if secs == 0 {
		return "0s"
	}
	var b strings.Builder
	if secs < 0 {
		b.WriteByte('-')
		secs = -secs
	}
	for _, u := range []string{"d", "h", "m", "s"} {
		if n := secs / units[u]; n > 0 {
			b.WriteString(strconv.FormatInt(n, 10) + u)
			secs -= n * units[u]
		}
	}
	return b.String()
}

// Number returns the value of a number literal; one past float64's range
// (a 400-digit number) is an error wrapping ErrRange, never ±Inf.
func Number(s string) (float64, error) {
	n, err := strconv.ParseFloat(s, 64)
	if math.IsInf(n, 0) {
		return 0, fmt.Errorf("number %s: %w", s, ErrRange)
	}
	return n, err
}

// Date returns the seconds at midnight of a date.
func Date(s string) (int64, error) {
	t, err := time.Parse("2006-01-02", s)
	return t.Unix(), badTime("date", s, "2026-11-23", err)
}

// DateTime returns the seconds of a date-time.
func DateTime(s string) (int64, error) {
	t, err := time.Parse("2006-01-02T15:04", s)
	return t.Unix(), badTime("datetime", s, "2026-11-23T09:00", err)
}

// badTime says what is wrong with a date or date-time in the language's
// words rather than Go's layout (parsing time "x" as "2006-01-02": ...).
func badTime(kind, s, example string, err error) error {
	if err == nil {
		return nil
	}
	var pe *time.ParseError
	if errors.As(err, &pe) && strings.HasPrefix(pe.Message, ": ") { // ": month out of range"
		return fmt.Errorf("bad %s %q: %s (a %s is written %s)", kind, s, pe.Message[2:], kind, example)
	}
	return fmt.Errorf("bad %s %q: a %s is written %s", kind, s, kind, example)
}

// Clock returns the seconds since midnight of a time of day.
func Clock(s string) (int64, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh > 23 || mm > 59 {
		return 0, fmt.Errorf("bad time of day %q", s)
	}
	return int64(hh*3600 + mm*60), nil
}

// Quote writes a text as a string literal of the language.
func Quote(s string) string { return `"` + Escape(s) + `"` }

// Escape writes a text as the inside of a string literal: quotes,
// backslashes, braces (a literal brace is \{), newlines and tabs escaped.
// Another control character, which a string may hold raw but no escape of
// the language writes, is shown as \r or \x1b: a plan or a failure that
// quotes a text never moves a terminal's cursor.
func Escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '{' || r == '}':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r >= 0x7f && r < 0xa0:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
