package engine_test

import (
	"fmt"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// TestThenAfterKeptFromLeftStay: a kept run of b goes on when a deploy
// makes b follow a whose pending run is a kept one of a stay the item
// left (that run starts no followers; dropping b's lost it).
func TestThenAfterKeptFromLeftStay(t *testing.T) {
	v1 := program(t, "a: on stage A after 40s keep: send sms to contact.phone[auto] text \"A\"\n"+
		"b: on stage A after 20s keep: send sms to contact.phone[auto] text \"B\"\n")
	v2 := program(t, "a: on stage A after 40s keep: send sms to contact.phone[auto] text \"A\"\n"+
		"b: on stage A then after 20s keep: send sms to contact.phone[auto] text \"B\"\n")
	e, contact := newDeployEngine(t, v1, engine.Options{})
	deal := dealIn(t, e, contact, t0)
	if _, err := e.Apply(engine.Input{Time: t0 + 1, Kind: "move", Item: deal, Stage: "B"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deploy(v2, t0+5); err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(t0+day, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(sentSMS(t, e)), fmt.Sprint([]sent{{deal, "B", t0 + 20}, {deal, "A", t0 + 40}}); got != want {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestThenAfterSwappedLeader: a rule made to follow one of two alike rules
// that swapped identities in the same deploy is judged by the rule it now
// follows (which has run: the run goes on, at its new time), not by the
// other one's timer still under the name.
func TestThenAfterSwappedLeader(t *testing.T) {
	s := func(after, text string) string {
		return fmt.Sprintf("on stage A after %s: send sms to contact.phone[auto] text %q\n", after, text)
	}
	v1 := program(t, s("1s", "x")+s("30s", "y")+"b: on stage A after 100s: send sms to contact.phone[auto] text \"B\"\n")
	v2 := program(t, s("30s", "y")+s("1s", "x")+"b: on stage A then after 20s: send sms to contact.phone[auto] text \"B\"\n")
	e, contact := newDeployEngine(t, v1, engine.Options{})
	deal := dealIn(t, e, contact, t0)
	if err := e.Advance(t0+5, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deploy(v2, t0+6); err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(t0+day, nil); err != nil {
		t.Fatal(err)
	}
	want := []sent{{deal, "x", t0 + 1}, {deal, "B", t0 + 20}, {deal, "y", t0 + 30}}
	if got := sentSMS(t, e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestRenameKeepsClockTime: a rule renamed by a deploy keeps the due time
// of its pending run; a time read from the clock (at tomorrow + 14:00),
// read again at the deploy, moved a day.
func TestRenameKeepsClockTime(t *testing.T) {
	v1 := program(t, "r: on stage A at tomorrow + 14:00: send sms to contact.phone[auto] text \"R\"\n")
	v2 := program(t, "s: on stage A at tomorrow + 14:00: send sms to contact.phone[auto] text \"R\"\n")
	e, contact := newDeployEngine(t, v1, engine.Options{})
	deal := dealIn(t, e, contact, t0)
	if err := e.Advance(t0+day+3600, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deploy(v2, t0+day+3600); err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(t0+5*day, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(sentSMS(t, e)), fmt.Sprint([]sent{{deal, "R", t0 + day + 5*3600}}); got != want {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// keptTwoStays makes a deal in A whose kept rule k (at its termin, in ten
// days) has a run from its first stay and one from its second (it went to
// B and back); k's follower sends F.
func keptTwoStays(t *testing.T) (*engine.Engine, string) {
	v := program(t, "field deal.termin: datetime \"T\"\n"+
		"k: on stage A at deal.termin keep: send sms to contact.phone[auto] text \"K\"\n"+
		"on stage A then: send sms to contact.phone[auto] text \"F\"\n")
	e, contact := newDeployEngine(t, v, engine.Options{})
	d, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
		"title": value.TextOf("Sofa"), "contact": value.RefOf("contact", contact), "termin": {K: value.DateTime, N: float64(t0 + 10*day)}}})
	if err != nil {
		t.Fatal(err)
	}
	deal := d.Created[0]
	for i, st := range []string{"B", "A"} {
		if _, err := e.Apply(engine.Input{Time: t0 + 1 + int64(i), Kind: "move", Item: deal, Stage: st}); err != nil {
			t.Fatal(err)
		}
	}
	return e, deal
}

// TestPastKeptRunFollowers: a kept run of an earlier stay that a field
// change moves into the past runs, and starts no followers: only the
// current stay's run does (F once, K twice), as when the timers fire.
func TestPastKeptRunFollowers(t *testing.T) {
	e, deal := keptTwoStays(t)
	if _, err := e.Apply(engine.Input{Time: t0 + 5, Kind: "update", Item: deal, Fields: map[string]value.Value{
		"termin": {K: value.DateTime, N: float64(t0 + 3)}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(sentSMS(t, e)), fmt.Sprint([]sent{{deal, "F", t0 + 5}, {deal, "K", t0 + 5}, {deal, "K", t0 + 5}}); got != want {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestFiredKeptRunFollowers: the same runs fired by their timers.
func TestFiredKeptRunFollowers(t *testing.T) {
	e, deal := keptTwoStays(t)
	if err := e.Advance(t0+11*day, nil); err != nil {
		t.Fatal(err)
	}
	at := t0 + 10*day
	if got, want := fmt.Sprint(sentSMS(t, e)), fmt.Sprint([]sent{{deal, "F", at}, {deal, "K", at}, {deal, "K", at}}); got != want {
		t.Errorf("sent %v, want %v", got, want)
	}
}
