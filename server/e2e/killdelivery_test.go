package e2e

import (
	"fmt"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// TestKillDelivery kills the server with SIGKILL while deals are created,
// each sending an SMS at once and another a second later, -kill.runs
// times: after the last start every SMS of every acknowledged deal reaches
// the Twilio stand-in, each delayed one fires once, and a message reaches
// the provider twice only with the same idempotency key (a send the crash
// kept from being recorded).
func TestKillDelivery(t *testing.T) {
	tw := &twilio{t: t, succeed: true, seen: map[string]int{}}
	tws := httptest.NewServer(tw)
	defer tws.Close()
	data := t.TempDir()
	key := newKey(t, data, "acme")
	cfgFile := twilioConfig(t, tws.URL, "100ms", "500ms", 20)
	s := start(t, data, "--delivery", cfgFile)
	ws, err := os.ReadFile("../../examples/workspace.rules")
	if err != nil {
		t.Fatal(err)
	}
	rules := `on stage Nowe: send sms to client.phone[mobile] text "now {deal.title}"
on stage Nowe after 1s: send sms to client.phone[mobile] text "later {deal.title}"
`
	c := s.client(key)
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: []*v1.SourceFile{
		{Path: "workspace.rules", Content: string(ws)}, {Path: "k.rules", Content: rules}}, Modules: rabat(t, "")})); err != nil {
		t.Fatal(err)
	}
	ola, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "contact", Fields: map[string]*v1.Value{
		"name": text("Ola"), "phone": address("mobile", "+48 600 000 000")}}))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[string]bool{} // deal titles
	for run := 0; run < *killRuns; run++ {
		c := s.client(key)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					title := fmt.Sprintf("r%d-g%d-n%d", run, g, n)
					_, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
						"title": text(title), "contact": text(ola.Msg.Item.Id)}}))
					if err != nil {
						return
					}
					mu.Lock()
					acked[title] = true
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(300+run%4*100) * time.Millisecond)
		s.kill()
		close(stop)
		wg.Wait()
		s = start(t, data, "--delivery", cfgFile)
	}
	if len(acked) == 0 {
		t.Fatal("no deal was acknowledged")
	}
	// Everything delivered: two SMS per acknowledged deal.
	c = s.client(key)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ms := messages(t, c)
		delivered := 0
		for _, m := range ms {
			if m.State == v1.DeliveryState_DELIVERY_STATE_DELIVERED {
				delivered++
			}
		}
		// Every acknowledged deal's two texts, not only as many messages:
		// deals committed but not acknowledged before a kill add theirs,
		// and a delayed one may still be due.
		sent := map[string]bool{}
		for _, call := range tw.all() {
			sent[call.form["Body"]] = true
		}
		missing := 0
		for title := range acked {
			if !sent["now "+title] || !sent["later "+title] {
				missing++
			}
		}
		if delivered == len(ms) && len(ms) >= 2*len(acked) && missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages delivered; %d deals acknowledged", delivered, len(ms), len(acked))
		}
		time.Sleep(200 * time.Millisecond)
	}
	bodies := map[string]int{} // SMS texts by distinct idempotency key
	keyBody := map[string]string{}
	twice := 0
	for _, call := range tw.all() {
		if prev, ok := keyBody[call.key]; ok {
			if prev != call.form["Body"] {
				t.Errorf("key %s sent with two bodies: %q and %q", call.key, prev, call.form["Body"])
			}
			twice++
			continue
		}
		keyBody[call.key] = call.form["Body"]
		bodies[call.form["Body"]]++
	}
	for title := range acked {
		for _, b := range []string{"now " + title, "later " + title} {
			if bodies[b] != 1 {
				t.Errorf("%q reached the provider under %d keys, want 1", b, bodies[b])
			}
		}
	}
	t.Logf("%d runs: %d deals acknowledged, %d SMS, %d sends repeated with the same key after a kill", *killRuns, len(acked), len(keyBody), twice)
}
