package engine

import (
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// calendar is the workspace calendar (M-WORKTIME): working days, hours and
// holidays. Times are the workspace's wall clock, so its time zone needs no
// conversion (spec/semantics.md).
type calendar struct {
	open, close int64           // seconds since midnight
	days        map[string]bool // mon, tue, ...; empty: every day
	holidays    map[string]bool // 2026-12-24
}

func newCalendar(r *ir.Resource) *calendar {
	c := &calendar{open: 9 * 3600, close: 17 * 3600, days: map[string]bool{}, holidays: map[string]bool{}}
	if h := r.Lists["hours"]; len(h) == 2 {
		o, _ := value.ParseClock(h[0])
		cl, _ := value.ParseClock(h[1])
		c.open, c.close = o.Unix(), cl.Unix()
	}
	for _, d := range r.Lists["days"] {
		c.days[d] = true
	}
	for _, d := range r.Lists["holidays"] {
		c.holidays[d] = true
	}
	return c
}

// next returns at, or the next working moment after it when at falls
// outside the working hours, on a day off or on a holiday. It looks a year
// ahead at most.
func (c *calendar) next(at int64) int64 {
	for range 366 {
		day := at - mod(at, 86400)
		tm := time.Unix(day, 0).UTC()
		working := (len(c.days) == 0 || c.days[strings.ToLower(tm.Weekday().String()[:3])]) && !c.holidays[tm.Format("2006-01-02")]
		if working && at-day < c.close {
			if at-day < c.open {
				return day + c.open
			}
			return at
		}
		at = day + 86400
	}
	return at
}
