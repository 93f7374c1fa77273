package engine

import (
	"errors"
	"fmt"
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

// newCalendar reads a calendar resource. Without days, the working days
// are Monday to Friday (spec/stdlib.md); hours are an opening and a closing
// time, the first before the second. A calendar that says anything else is
// refused, so that a deploy of it fails rather than run at wrong times.
func newCalendar(r *ir.Resource) (*calendar, error) {
	c := &calendar{open: 9 * 3600, close: 17 * 3600, days: map[string]bool{}, holidays: map[string]bool{}}
	if h, ok := r.Lists["hours"]; ok {
		if len(h) != 2 {
			return nil, fmt.Errorf("calendar %s: hours are an opening and a closing time, not %d times", r.Name, len(h))
		}
		o, err1 := value.ParseClock(h[0])
		cl, err2 := value.ParseClock(h[1])
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("calendar %s: hours: %v", r.Name, err)
		}
		if c.open, c.close = o.Unix(), cl.Unix(); c.open >= c.close {
			return nil, fmt.Errorf("calendar %s: hours open at %s and close at %s: the opening must come first", r.Name, h[0], h[1])
		}
	}
	days, ok := r.Lists["days"]
	if !ok {
		days = []string{"mon", "tue", "wed", "thu", "fri"}
	}
	for _, d := range days {
		c.days[d] = true
	}
	for _, d := range r.Lists["holidays"] {
		c.holidays[d] = true
	}
	return c, nil
}

// next returns at, or the next working moment after it when at falls
// outside the working hours, on a day off or on a holiday; false when
// there is none within a year (no working days, or all of them holidays).
func (c *calendar) next(at int64) (int64, bool) {
	for range 366 {
		day := at - mod(at, 86400)
		tm := time.Unix(day, 0).UTC()
		working := c.days[strings.ToLower(tm.Weekday().String()[:3])] && !c.holidays[tm.Format("2006-01-02")]
		if working && at-day < c.close {
			if at-day < c.open {
				return day + c.open, true
			}
			return at, true
		}
		at = day + 86400
	}
	return at, false
}
