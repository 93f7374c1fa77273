package engine

import (
	"testing"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/value"
)

func TestCalendarNext(t *testing.T) {
	c, err := newCalendar(&ir.Resource{Kind: "calendar", Lists: map[string][]string{
		"hours": {"09:00", "17:00"}, "holidays": {"2026-12-24", "2026-12-25"}, // days: Monday to Friday by default
	}})
	if err != nil {
		t.Fatal(err)
	}
	for at, want := range map[string]string{
		"2026-11-27T18:30": "2026-11-30T09:00", // Friday evening: Monday morning
		"2026-11-30T10:30": "2026-11-30T10:30", // within hours: as is
		"2026-11-30T07:00": "2026-11-30T09:00", // early: the opening
		"2026-11-28T12:00": "2026-11-30T09:00", // Saturday
		"2026-12-23T17:00": "2026-12-28T09:00", // closing time, then two holidays and a weekend
	} {
		v, _ := value.ParseDateTime(at)
		next, _ := c.next(v.Unix())
		got := value.Value{K: value.DateTime, N: float64(next)}
		if got.String() != want {
			t.Errorf("next(%s) = %s, want %s", at, got, want)
		}
	}
}

// TestCalendarRefused: a calendar whose hours are not an opening before a
// closing is refused, not read as 09-17; one without a working moment says so.
func TestCalendarRefused(t *testing.T) {
	for _, hours := range [][]string{{"09:00"}, {"09:00", "12:00", "17:00"}, {"17:00", "09:00"}, {"nine", "17:00"}} {
		if _, err := newCalendar(&ir.Resource{Name: "c", Kind: "calendar", Lists: map[string][]string{"hours": hours}}); err == nil {
			t.Errorf("hours %v accepted", hours)
		}
	}
	c, err := newCalendar(&ir.Resource{Name: "c", Kind: "calendar", Lists: map[string][]string{"days": {}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.next(1767603600); ok {
		t.Error("a calendar without working days found a working moment")
	}
}
