package tenant

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

// A timer whose item's record is damaged is parked by the tenant's clock,
// logged, and listed by ListParked (stagecraft tenant parked) once the
// server has stopped; the other items' timers fire.
func TestParkedListed(t *testing.T) {
	p, err := compile.Program([]compile.Source{{Name: "ws.rules", Src: []byte(`pipeline deal Sprzedaż {
    stage Nowe
    stage Oferta
}
on stage Nowe after 1s: update deal.title = "later"
`)}})
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	var logs strings.Builder
	reg := NewRegistry(data, stdlib.Runtime(), Options{}, slog.New(slog.NewTextHandler(&logs, nil)))
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ten.Deploy(p); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 2 {
		res, err := ten.Apply(engine.Input{Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("Sofa")}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.Created[0])
	}
	b := ten.st.NewBatch()
	b.Set([]byte("2/item/"+ids[0]), []byte("\xff{"))
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := reg.Close(); err != nil { // no item cached
		t.Fatal(err)
	}
	reg = NewRegistry(data, stdlib.Runtime(), Options{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if ten, err = reg.Get("acme"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the rule's second
	ten.TickNow()
	fields, _, err := ten.Engine.Item(ids[1])
	if err != nil || fields["title"].S != "later" {
		t.Errorf("the intact deal's timer: %v, %v", fields["title"], err)
	}
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "a damaged timer was parked") {
		t.Errorf("the parking is not logged:\n%s", logs.String())
	}
	ps, err := ListParked(data, "acme")
	if err != nil || len(ps) != 1 || !strings.Contains(ps[0].Reason, ids[0]) {
		t.Fatalf("ListParked = %+v, %v", ps, err)
	}
}
