package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// TestPastSeesWholeUpdate: an update input that moves a date into the
// past and changes another field runs the pending rule once both are
// set, not between the two (fields are applied in name order, delivery
// before street).
func TestPastSeesWholeUpdate(t *testing.T) {
	e := memEngine(t, `pipeline deal P {
    stage A
}
field deal.delivery: date "Delivery"
field deal.street: text "Street"
employee anna "Anna" { email "anna@example.com" }
on stage A at deal.delivery - 1d: send notification to anna text "Jutro dostawa na {deal.street}"
`)
	day := func(s string) value.Value { return must(t)(value.ParseDate(s)) }
	now := int64(1772442000) // 2026-03-02T09:00
	res, err := e.Apply(Input{Time: now, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
		"title": value.TextOf("Szafa"), "responsible": value.TextOf("anna"), "delivery": day("2026-03-10"), "street": value.TextOf("Stara 1")}})
	if err != nil {
		t.Fatal(err)
	}
	res, err = e.Apply(Input{Time: now, Kind: "update", Item: res.Created[0], Fields: map[string]value.Value{
		"delivery": day("2026-03-02"), "street": value.TextOf("Nowa 5")}})
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, l := range res.Timeline {
		if strings.HasPrefix(l.Text, "sent notification") {
			sent = append(sent, l.Text)
		}
	}
	if len(sent) != 1 || !strings.Contains(sent[0], "Nowa 5") {
		t.Errorf("the rule ran with %q, want once with the new street:\n%v", sent, res.Timeline)
	}
}

// TestDamagedIsCorrupt: an item whose record is damaged is the store's
// damage to a caller telling server failures from an input's own fault
// (a server answers Internal, not InvalidArgument).
func TestDamagedIsCorrupt(t *testing.T) {
	e := memEngine(t, "pipeline deal P {\n    stage A\n}\n")
	res, err := e.Apply(Input{Time: 1e9, Kind: "create", Entity: "deal"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Created[0]
	b := e.st.NewBatch()
	b.Set(keyItem(id), []byte("{not json"))
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	delete(e.cache, id)
	_, err = e.Apply(Input{Time: 1e9, Kind: "update", Item: id, Fields: map[string]value.Value{"title": value.TextOf("x")}})
	if !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("an update of a damaged item: %v, want store.ErrCorrupt", err)
	}
}

// TestPastThenAheadAgain: an update whose first field (in name order) puts
// a rule's time in the past and whose second puts it ahead again
// reschedules the rule; it does not run early.
func TestPastThenAheadAgain(t *testing.T) {
	e := memEngine(t, `pipeline deal P {
    stage A
}
field deal.begins: datetime "Begins"
field deal.hours: number "Hours"
employee anna "Anna" { email "anna@example.com" }
on stage A at deal.begins + deal.hours * 1h: send notification to anna text "teraz"
`)
	at := func(s string) value.Value { return must(t)(value.ParseDateTime(s)) }
	now := int64(1772442000) // 2026-03-02T09:00
	res, err := e.Apply(Input{Time: now, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
		"title": value.TextOf("Szafa"), "responsible": value.TextOf("anna"), "begins": at("2026-03-10T00:00"), "hours": value.NumberOf(8)}})
	if err != nil {
		t.Fatal(err)
	}
	// begins first: 2026-03-02T00:00 + 8h is past; then hours: + 18h is 18:00, ahead.
	res, err = e.Apply(Input{Time: now, Kind: "update", Item: res.Created[0], Fields: map[string]value.Value{
		"begins": at("2026-03-02T00:00"), "hours": value.NumberOf(18)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 0 {
		t.Errorf("the rule due at 18:00 ran at 09:00:\n%+v", res.Timeline)
	}
	var fired int
	if err := e.Advance(now+10*3600, func(r *Result) { fired += r.Sent }); err != nil {
		t.Fatal(err)
	}
	if fired != 1 {
		t.Errorf("by 19:00 the rule sent %d notifications, want 1", fired)
	}
}

// must is a literal's value, the test failing on its error.
func must(t *testing.T) func(value.Value, error) value.Value {
	return func(v value.Value, err error) value.Value {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
