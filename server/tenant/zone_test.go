package tenant

import (
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/compiler/ir"
)

// TestWorkspace: the wall clock read in the calendar's zone, summer and
// winter; UTC without a calendar or with a zone not known.
func TestWorkspace(t *testing.T) {
	cal := func(tz string) *ir.Program {
		return &ir.Program{Resources: []*ir.Resource{{Kind: "calendar", Name: "c", Settings: map[string]string{"timezone": tz}}}}
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	wall := func(s string) int64 { return at(s + "Z").Unix() }
	for _, c := range []struct {
		now  string
		p    *ir.Program
		want string
	}{
		{"2026-07-01T07:00:00Z", cal("Europe/Warsaw"), "2026-07-01T09:00:00"}, // CEST, +2
		{"2026-12-01T08:00:00Z", cal("Europe/Warsaw"), "2026-12-01T09:00:00"}, // CET, +1
		{"2026-12-01T08:00:00Z", cal("America/New_York"), "2026-12-01T03:00:00"},
		{"2026-12-01T08:00:00Z", nil, "2026-12-01T08:00:00"},
		{"2026-12-01T08:00:00Z", &ir.Program{}, "2026-12-01T08:00:00"},
		{"2026-12-01T08:00:00Z", cal("Mars/Olympus"), "2026-12-01T08:00:00"},
	} {
		if got := Workspace(at(c.now), c.p); got != wall(c.want) {
			t.Errorf("%s in %v: %s, want %s", c.now, Zone(c.p), time.Unix(got, 0).UTC(), c.want)
		}
	}
}
