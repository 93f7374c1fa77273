package tenant

import (
	"time"
	_ "time/tzdata" // the zones, whatever the system has

	"github.com/stagecraft/stagecraft/compiler/ir"
)

// Workspace is a wall-clock instant as the workspace's time: seconds of
// the zone's wall clock read as if it were UTC (spec/semantics.md,
// "Time").
func Workspace(now time.Time, loc *time.Location) int64 {
	l := now.In(loc)
	y, m, d := l.Date()
	hh, mm, ss := l.Clock()
	return time.Date(y, m, d, hh, mm, ss, 0, time.UTC).Unix()
}

// CalendarZone is the time zone of the program's calendar: UTC for a zone
// this system does not know, and false when the program has no calendar.
func CalendarZone(p *ir.Program) (*time.Location, bool) {
	if p == nil {
		return nil, false
	}
	for _, r := range p.Resources {
		if r.Kind != "calendar" {
			continue
		}
		if loc, err := time.LoadLocation(r.Settings["timezone"]); err == nil {
			return loc, true
		}
		return time.UTC, true
	}
	return nil, false
}

// zone is the workspace's time zone while prog runs.
type zone struct {
	prog *ir.Program
	loc  *time.Location
}

// workspace is Workspace in the tenant's zone, which is found when the
// tenant opens and after each deploy (setZone), not per input.
func (t *Tenant) workspace(now time.Time) int64 {
	z := t.zone.Load()
	if z == nil {
		z = t.setZone()
	}
	return Workspace(now, z.loc)
}

// setZone finds the zone for the running program: its calendar's, or,
// without one, the zone of the last deployed program that had one (UTC
// when none had). A change is logged with how it moves the workspace's
// clock.
//
// A program without a calendar keeps the zone the workspace had rather
// than going to UTC: the workspace's time is a wall clock with no zone,
// so a change of zone moves it, and one to the west holds it still until
// the wall clock catches up (inputs' times never go back). A rule set
// deployed without a calendar after one with a calendar, the examples
// and then a rule set of one's own say, would otherwise stop the clock
// for hours, and every timer with it. The zone changes only when a
// calendar says so.
func (t *Tenant) setZone() *zone {
	p := t.Engine.Program()
	prev := t.zone.Load()
	if prev != nil && prev.prog == p {
		return prev
	}
	loc, ok := CalendarZone(p)
	switch {
	case ok:
	case prev != nil:
		loc = prev.loc
	default:
		// Opened: the programs deployed before, read from the newest back.
		last, err := t.Engine.LastProgram(func(p *ir.Program) bool { _, ok := CalendarZone(p); return ok })
		if err != nil {
			t.log.Error("reading the deployed programs for the workspace's time zone; UTC is used", "err", err)
		}
		if loc, ok = CalendarZone(last); !ok {
			loc = time.UTC
		}
	}
	z := &zone{prog: p, loc: loc}
	t.zone.Store(z)
	if prev != nil && prev.prog != nil && prev.loc.String() != loc.String() {
		now := t.wall()
		shift := time.Duration(Workspace(now, loc)-Workspace(now, prev.loc)) * time.Second
		switch {
		case shift < 0:
			t.log.Warn("the workspace's time zone changed: its clock stands still until the wall clock catches up",
				"from", prev.loc.String(), "to", loc.String(), "for", (-shift).String())
		case shift > 0:
			t.log.Warn("the workspace's time zone changed: its clock jumps forward, and the timers due meanwhile fire at once",
				"from", prev.loc.String(), "to", loc.String(), "by", shift.String())
		}
	}
	return z
}
