package tenant

import (
	"time"
	_ "time/tzdata" // the zones, whatever the system has

	"github.com/stagecraft/stagecraft/compiler/ir"
)

// Workspace is a wall-clock instant as the workspace's time: seconds of
// its calendar's time zone read as if it were UTC (spec/semantics.md,
// "Time"), or of UTC when the program has no calendar or names a zone
// this system does not know.
func Workspace(now time.Time, p *ir.Program) int64 {
	return inZone(now, Zone(p))
}

func inZone(now time.Time, loc *time.Location) int64 {
	l := now.In(loc)
	y, m, d := l.Date()
	hh, mm, ss := l.Clock()
	return time.Date(y, m, d, hh, mm, ss, 0, time.UTC).Unix()
}

// Zone is the time zone of the program's calendar; UTC without one.
func Zone(p *ir.Program) *time.Location {
	if p == nil {
		return time.UTC
	}
	for _, r := range p.Resources {
		if r.Kind != "calendar" {
			continue
		}
		if loc, err := time.LoadLocation(r.Settings["timezone"]); err == nil {
			return loc
		}
	}
	return time.UTC
}

// zone is the time zone of a program, found once per deployed program.
type zone struct {
	prog *ir.Program
	loc  *time.Location
}

// workspace is Workspace for the running program, whose zone is found
// when the tenant opens and after each deploy (setZone), not per input.
func (t *Tenant) workspace(now time.Time) int64 {
	z := t.zone.Load()
	if z == nil {
		z = t.setZone()
	}
	return inZone(now, z.loc)
}

func (t *Tenant) setZone() *zone {
	p := t.Engine.Program()
	z := &zone{prog: p, loc: Zone(p)}
	t.zone.Store(z)
	return z
}
