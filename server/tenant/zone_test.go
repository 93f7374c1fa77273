package tenant

import (
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

func calendarProgram(tz string) *ir.Program {
	return &ir.Program{Resources: []*ir.Resource{{Kind: "calendar", Name: "c", Settings: map[string]string{"timezone": tz}}}}
}

func compileRules(t *testing.T, src string) *ir.Program {
	t.Helper()
	p, err := compile.Program([]compile.Source{{Name: "ws.rules", Src: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func instant(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWorkspace: the wall clock read in the calendar's zone, summer and
// winter; UTC without a calendar or with a zone not known.
func TestWorkspace(t *testing.T) {
	wall := func(s string) int64 { return instant(t, s+"Z").Unix() }
	for _, c := range []struct {
		now  string
		p    *ir.Program
		want string
	}{
		{"2026-07-01T07:00:00Z", calendarProgram("Europe/Warsaw"), "2026-07-01T09:00:00"}, // CEST, +2
		{"2026-12-01T08:00:00Z", calendarProgram("Europe/Warsaw"), "2026-12-01T09:00:00"}, // CET, +1
		{"2026-12-01T08:00:00Z", calendarProgram("America/New_York"), "2026-12-01T03:00:00"},
		{"2026-12-01T08:00:00Z", nil, "2026-12-01T08:00:00"},
		{"2026-12-01T08:00:00Z", &ir.Program{}, "2026-12-01T08:00:00"},
		{"2026-12-01T08:00:00Z", calendarProgram("Mars/Olympus"), "2026-12-01T08:00:00"},
	} {
		loc, ok := CalendarZone(c.p)
		if !ok {
			loc = time.UTC
		}
		if got := Workspace(instant(t, c.now), loc); got != wall(c.want) {
			t.Errorf("%s in %v: %s, want %s", c.now, loc, time.Unix(got, 0).UTC(), c.want)
		}
	}
}

// TestZoneKeptAcrossDeploys: a rule set without a calendar deployed after
// one with a calendar keeps the workspace's clock where it was, so that a
// delayed rule of the new set fires when its time comes, not an hour
// later (the clock held still while UTC caught up with Warsaw). The zone
// is found again from the deployed programs when the tenant opens.
func TestZoneKeptAcrossDeploys(t *testing.T) {
	compileSrc := func(src string) *ir.Program { return compileRules(t, src) }
	withCalendar := compileSrc(`pipeline deal P {
    stage A
}
calendar biuro {
    timezone "Europe/Warsaw"
    days [mon, tue, wed, thu, fri]
    hours [09:00, 17:00]
}
`)
	plain := compileSrc(`pipeline deal P {
    stage A
}
on stage A after 30s: update deal.title = "later"
`)
	var wall atomic.Int64
	wall.Store(instant(t, "2026-12-06T07:48:00Z").Unix())
	opts := Options{Wall: func() time.Time { return time.Unix(wall.Load(), 0) }}
	data := t.TempDir()
	var logs strings.Builder
	reg := NewRegistry(data, stdlib.Runtime(), opts, slog.New(slog.NewTextHandler(&logs, nil)))
	defer func() { reg.Close() }()
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*ir.Program{withCalendar, plain} {
		if _, err := ten.Deploy(p); err != nil {
			t.Fatal(err)
		}
	}
	warsaw := instant(t, "2026-12-06T08:48:00Z").Unix() // 07:48 UTC is 08:48 in Warsaw
	if got := ten.Now(); got != warsaw {
		t.Fatalf("after a deploy without a calendar the workspace's time is %s, want %s (Warsaw kept)",
			time.Unix(got, 0).UTC(), time.Unix(warsaw, 0).UTC())
	}
	res, err := ten.Apply(engine.Input{Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("Sofa")}})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Created[0]
	wall.Add(31)
	ten.TickNow()
	if fields, _, err := ten.Engine.Item(id); err != nil || fields["title"].S != "later" {
		t.Fatalf("31 s later the 30 s rule has not run: title %v, %v", fields["title"], err)
	}
	if strings.Contains(logs.String(), "time zone changed") {
		t.Errorf("a deploy without a calendar logged a change of zone:\n%s", logs.String())
	}

	// Opened again: the zone is found in the programs deployed before.
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	reg = NewRegistry(data, stdlib.Runtime(), opts, slog.New(slog.NewTextHandler(&logs, nil)))
	if ten, err = reg.Get("acme"); err != nil {
		t.Fatal(err)
	}
	wall.Add(60)
	if got, want := ten.Now(), warsaw+91; got != want {
		t.Errorf("reopened: the workspace's time is %s, want %s", time.Unix(got, 0).UTC(), time.Unix(want, 0).UTC())
	}

	// A calendar that names another zone moves the clock, and says so.
	newYork := compileSrc(`pipeline deal P {
    stage A
}
calendar biuro {
    timezone "America/New_York"
    days [mon, tue, wed, thu, fri]
    hours [09:00, 17:00]
}
`)
	if _, err := ten.Deploy(newYork); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "its clock stands still until the wall clock catches up") {
		t.Errorf("a change of zone to the west is not logged:\n%s", logs.String())
	}
}

// TestFirstDeployWestOfUTC: a new tenant whose first input deploys a
// calendar west of UTC starts at that zone's time, so that a 30 s rule
// fires 30 s later, not once New York's wall clock has caught up with UTC
// five hours on; and a workspace held still (a change of zone to the west)
// is held after a restart too, never going back behind its last input.
func TestFirstDeployWestOfUTC(t *testing.T) {
	prog := func(src string) *ir.Program {
		p, err := compile.Program([]compile.Source{{Name: "ws.rules", Src: []byte(src)}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	calendar := func(tz string) string {
		return `pipeline deal P {
    stage A
}
calendar biuro {
    timezone "` + tz + `"
}
on stage A after 30s: update deal.title = "later"
`
	}
	var wall atomic.Int64
	wall.Store(instant(t, "2026-12-06T17:48:00Z").Unix())
	opts := Options{Wall: func() time.Time { return time.Unix(wall.Load(), 0) }}
	data := t.TempDir()
	reg := NewRegistry(data, stdlib.Runtime(), opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer func() { reg.Close() }()
	ten, err := reg.Get("ny")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ten.Deploy(prog(calendar("America/New_York"))); err != nil {
		t.Fatal(err)
	}
	if got, want := ten.Now(), instant(t, "2026-12-06T12:48:00Z").Unix(); got != want {
		t.Fatalf("after the first deploy the workspace's time is %s, want %s (New York's)", time.Unix(got, 0).UTC(), time.Unix(want, 0).UTC())
	}
	res, err := ten.Apply(engine.Input{Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("Sofa")}})
	if err != nil {
		t.Fatal(err)
	}
	wall.Add(31)
	ten.TickNow()
	if fields, _, err := ten.Engine.Item(res.Created[0]); err != nil || fields["title"].S != "later" {
		t.Fatalf("31 s later the 30 s rule has not run: title %v, %v", fields["title"], err)
	}

	// A tenant that started in UTC (no calendar) and then deploys New
	// York's: held at UTC's time, and still held after a restart, with no
	// tick since (nothing was due).
	other, err := reg.Get("utc")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*ir.Program{prog("pipeline deal P {\n    stage A\n}\n"), prog(calendar("America/New_York"))} {
		if _, err := other.Deploy(p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := other.Apply(engine.Input{Kind: "create", Entity: "deal"}); err != nil {
		t.Fatal(err)
	}
	held := other.Now()
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	reg = NewRegistry(data, stdlib.Runtime(), opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if other, err = reg.Get("utc"); err != nil {
		t.Fatal(err)
	}
	if got := other.Now(); got < held {
		t.Errorf("reopened, the workspace's time went back from %s to %s", time.Unix(held, 0).UTC(), time.Unix(got, 0).UTC())
	}
}

// TestDeployAfterBacklog: timers already due when a deploy comes (a
// backlog after a downtime) fire under the version that started them,
// before the deploy, however far the clock's drain has got.
func TestDeployAfterBacklog(t *testing.T) {
	rules := func(text string) *ir.Program {
		return compileRules(t, `pipeline deal P {
    stage A
}
on stage A after 30s: update deal.title = "`+text+`"
`)
	}
	var wall atomic.Int64
	wall.Store(instant(t, "2026-12-06T07:48:00Z").Unix())
	opts := Options{Wall: func() time.Time { return time.Unix(wall.Load(), 0) }}
	reg := NewRegistry(t.TempDir(), stdlib.Runtime(), opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer reg.Close()
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ten.Deploy(rules("v1")); err != nil {
		t.Fatal(err)
	}
	res, err := ten.Apply(engine.Input{Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("Sofa")}})
	if err != nil {
		t.Fatal(err)
	}
	wall.Add(3600) // overdue by most of an hour, not yet ticked
	if _, err := ten.Deploy(rules("v2")); err != nil {
		t.Fatal(err)
	}
	if fields, _, err := ten.Engine.Item(res.Created[0]); err != nil || fields["title"].S != "v1" {
		t.Errorf("the overdue run took the deploy's definition: title %v, %v", fields["title"], err)
	}
}
