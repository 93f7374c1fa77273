package e2e

import (
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// soon is a rule set with a rule due two seconds after a deal enters
// Kontakt: the examples and one more file.
func soon(t *testing.T) []*v1.SourceFile {
	return append(examples(t), &v1.SourceFile{Path: "soon.rules", Content: `on stage Kontakt after 2s: send sms to client.phone[mobile] text "Dwie sekundy później"
`})
}

func countSMS(t *testing.T, c clients, text string) int {
	n := 0
	for _, m := range messages(t, c) {
		if m.Kind == "sms" && m.Fields["text"] == text {
			n++
		}
	}
	return n
}

// waitSMS waits until the outbox holds n such SMS, at most within.
func waitSMS(t *testing.T, c clients, text string, n int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := countSMS(t, c, text)
		if got == n {
			return time.Since(start)
		}
		if got > n || time.Since(start) > within {
			t.Fatalf("%d SMS %q after %v, want %d", got, text, time.Since(start), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClock: a delayed rule fires within a second of its time, by the
// server's clock; one that came due while the server was down fires once,
// soon after it starts.
func TestClock(t *testing.T) {
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data)
	c := s.client(key)
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: soon(t), Modules: rabat(t, "examples/")})); err != nil {
		t.Fatal(err)
	}
	contact, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "contact", Fields: map[string]*v1.Value{
		"name": text("Ola"), "phone": address("mobile", "+48 600 000 001")}}))
	if err != nil {
		t.Fatal(err)
	}
	newDeal := func() string {
		d, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
			"title": text("Stół"), "contact": text(contact.Msg.Item.Id), "responsible": text("anna")}}))
		if err != nil {
			t.Fatal(err)
		}
		return d.Msg.Item.Id
	}
	const msg = "Dwie sekundy później"
	d1 := newDeal()
	moved := time.Now()
	if _, err := c.crm.MoveItem(ctx(t), connect.NewRequest(&v1.MoveItemRequest{Id: d1, Stage: "Kontakt"})); err != nil {
		t.Fatal(err)
	}
	waitSMS(t, c, msg, 1, 10*time.Second)
	// Times are whole seconds: due 2 s after the move's second, fired
	// within a second of that; allow for a loaded machine.
	if took := time.Since(moved); took > 4*time.Second {
		t.Errorf("a rule due after 2s fired after %v", took)
	}

	d2 := newDeal()
	if _, err := c.crm.MoveItem(ctx(t), connect.NewRequest(&v1.MoveItemRequest{Id: d2, Stage: "Kontakt"})); err != nil {
		t.Fatal(err)
	}
	s.stop()
	time.Sleep(3 * time.Second) // due while the server is down
	s = start(t, data)
	c = s.client(key)
	waitSMS(t, c, msg, 2, 5*time.Second)
	time.Sleep(1500 * time.Millisecond) // more ticks: it fired once
	if n := countSMS(t, c, msg); n != 2 {
		t.Errorf("%d SMS after the restart, want 2", n)
	}
	if !strings.Contains(s.logs.String(), `"msg":"timers due while the server was down fired","tenant":"acme","fired":1`) {
		t.Errorf("the restart's drain is not logged:\n%s", s.logs.String())
	}
}
