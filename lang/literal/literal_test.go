package literal

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRange(t *testing.T) {
	if MinTime != time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix() || MaxTime != time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix() {
		t.Errorf("the range of times is %d..%d", MinTime, MaxTime)
	}
	for raw, want := range map[string]int64{"180d": 180 * 86400, "1h30m": 5400, "6mo": 180 * 86400, "3652058d": 3652058 * 86400,
		"3652058d86399s": MaxDuration} {
		if got, err := Duration(raw); err != nil || got != want {
			t.Errorf("%s: %d %v, want %d", raw, got, err, want)
		}
	}
	for _, raw := range []string{"200000000000000d", "3652059d", "3652058d86400s", "99999999999999999999s", "1" + strings.Repeat("0", 30) + "w"} {
		if got, err := Duration(raw); !errors.Is(err, ErrRange) {
			t.Errorf("%s: %d %v, want out of range", raw, got, err)
		}
	}
	for _, raw := range []string{"5y", "d", "1"} {
		if _, err := Duration(raw); err == nil || errors.Is(err, ErrRange) {
			t.Errorf("%q: %v, want malformed", raw, err)
		}
	}
	if n, err := Number("1" + strings.Repeat("0", 308)); err != nil || n != 1e308 {
		t.Errorf("1e308: %v %v", n, err)
	}
	if _, err := Number("1" + strings.Repeat("0", 400)); !errors.Is(err, ErrRange) {
		t.Errorf("a 401-digit number: %v", err)
	}
}

// TestFormatDuration: durations print in days and smaller units, and read
// back to the same seconds.
func TestFormatDuration(t *testing.T) {
	for secs, want := range map[int64]string{0: "0s", 45: "45s", 5400: "1h30m", 180 * 86400: "180d", 14 * 86400: "14d",
		86400 + 3600 + 60 + 1: "1d1h1m1s", 600: "10m"} {
		got := FormatDuration(secs)
		if got != want {
			t.Errorf("FormatDuration(%d) = %q, want %q", secs, got, want)
		}
		if back, err := Duration(got); secs != 0 && (err != nil || back != secs) {
			t.Errorf("Duration(%q) = %d, %v; want %d", got, back, err, secs)
		}
	}
}

// TestBadTime: a date or date-time that does not parse is refused in the
// language's words, with an example, not Go's layout.
func TestBadTime(t *testing.T) {
	for _, c := range []struct {
		parse func(string) (int64, error)
		in    string
		want  string
	}{
		{Date, "2026-13-05", `bad date "2026-13-05": month out of range (a date is written 2026-11-23)`},
		{Date, "2026-02-30", `bad date "2026-02-30": day out of range (a date is written 2026-11-23)`},
		{Date, "23.11.2026", `bad date "23.11.2026": a date is written 2026-11-23`},
		{DateTime, "2026-13-45T99:00", `bad datetime "2026-13-45T99:00": month out of range (a datetime is written 2026-11-23T09:00)`},
		{DateTime, "2026-11-23 09:00", `bad datetime "2026-11-23 09:00": a datetime is written 2026-11-23T09:00`},
	} {
		_, err := c.parse(c.in)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: %v, want %s", c.in, err, c.want)
		}
	}
	if n, err := DateTime("2026-11-23T09:00"); err != nil || n != 1795424400 {
		t.Errorf("a good datetime: %d, %v", n, err)
	}
}
