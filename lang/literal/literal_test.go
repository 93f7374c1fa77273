package literal

import "testing"

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
