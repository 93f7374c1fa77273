package engine

import (
	"testing"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/value"
)

func TestCalendarNext(t *testing.T) {
	c := newCalendar(&ir.Resource{Kind: "calendar", Lists: map[string][]string{
		"days": {"mon", "tue", "wed", "thu", "fri"}, "hours": {"09:00", "17:00"}, "holidays": {"2026-12-24", "2026-12-25"},
	}})
	for at, want := range map[string]string{
		"2026-11-27T18:30": "2026-11-30T09:00", // Friday evening: Monday morning
		"2026-11-30T10:30": "2026-11-30T10:30", // within hours: as is
		"2026-11-30T07:00": "2026-11-30T09:00", // early: the opening
		"2026-11-28T12:00": "2026-11-30T09:00", // Saturday
		"2026-12-23T17:00": "2026-12-28T09:00", // closing time, then two holidays and a weekend
	} {
		v, _ := value.ParseDateTime(at)
		got := value.Value{K: value.DateTime, N: float64(c.next(v.Unix()))}
		if got.String() != want {
			t.Errorf("next(%s) = %s, want %s", at, got, want)
		}
	}
}
