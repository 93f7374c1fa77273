package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// TestDeliveryResumes: what the dispatcher owes is in the store, not only
// in memory. An SMS whose provider is down is being retried when the
// server is killed (SIGKILL); a second server over the same folder, the
// provider back, delivers it under the same idempotency key, with its
// attempts counted on from the first server's.
func TestDeliveryResumes(t *testing.T) {
	var mu sync.Mutex
	up := false
	var keys []string
	tws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		if !up {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer tws.Close()
	data := t.TempDir()
	key := newKey(t, data, "acme")
	cfgFile := twilioConfig(t, tws.URL, "100ms", "200ms", 1000)
	s := start(t, data, "--delivery", cfgFile)
	c := s.client(key)
	smsOnNewDeal(t, c)
	before := waitMessage(t, c, "the SMS was not retried", func(m *v1.Message) bool { return m.Attempts >= 3 })
	if before.State != v1.DeliveryState_DELIVERY_STATE_RETRYING {
		t.Fatalf("state %v, want RETRYING", before.State)
	}
	s.kill()
	mu.Lock()
	up = true
	tried := len(keys)
	mu.Unlock()

	s = start(t, data, "--delivery", cfgFile)
	c = s.client(key)
	after := waitMessage(t, c, "after the restart the SMS was not delivered", delivered)
	if after.Attempts <= before.Attempts {
		t.Errorf("attempts %d after the restart, %d before: not counted on", after.Attempts, before.Attempts)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(keys) <= tried {
		t.Fatalf("no attempt after the restart")
	}
	for _, k := range keys {
		if k != "acme/"+before.Key {
			t.Errorf("an attempt with key %q, want %q every time", k, "acme/"+before.Key)
		}
	}
}

// smsOnNewDeal deploys a rule that sends an SMS when a deal enters its
// first stage, and creates a deal, so that one SMS is owed.
func smsOnNewDeal(t *testing.T, c clients) {
	t.Helper()
	rules := `pipeline deal P {
    stage Nowe
}
provider twilio "Twilio"
on stage Nowe: send sms to client.phone[mobile] text "Dzień dobry"
`
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: []*v1.SourceFile{{Path: "a.rules", Content: rules}}})); err != nil {
		t.Fatal(err)
	}
	ola, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "contact", Fields: map[string]*v1.Value{
		"name": text("Ola"), "phone": address("mobile", "+48 600 000 000")}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
		"title": text("Sofa"), "contact": text(ola.Msg.Item.Id)}})); err != nil {
		t.Fatal(err)
	}
}

// TestRetryBackoff: a failed delivery is tried again no sooner than its
// backoff (1 s, then 2 s) and not much later (the dispatcher looks at the
// outbox every 250 ms): the next attempt's time is kept finer than a
// second, whose rounding once let the first retry follow at once.
func TestRetryBackoff(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	tws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer tws.Close()
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data, "--delivery", twilioConfig(t, tws.URL, "1s", "2s", 3))
	c := s.client(key)
	smsOnNewDeal(t, c)
	failed := waitMessage(t, c, "the SMS did not fail after its 3 attempts", func(m *v1.Message) bool {
		return m.State == v1.DeliveryState_DELIVERY_STATE_FAILED
	})
	if failed.Attempts != 3 {
		t.Fatalf("failed after %d attempts, want 3", failed.Attempts)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(at) != 3 {
		t.Fatalf("%d attempts reached the provider, want 3", len(at))
	}
	for i, backoff := range []time.Duration{time.Second, 2 * time.Second} {
		// The server takes its time before the request leaves, the
		// stand-in after it arrives: a few ms either way.
		if gap := at[i+1].Sub(at[i]); gap < backoff-20*time.Millisecond || gap > backoff+time.Second {
			t.Errorf("attempt %d came %v after attempt %d, want %v (to %v)", i+2, gap, i+1, backoff, backoff+time.Second)
		}
	}
}

// twilioConfig writes a delivery configuration file whose Twilio is the
// stand-in at url, retried from base doubling to max, attempts in all.
func twilioConfig(t *testing.T, url, base, max string, attempts int) string {
	t.Helper()
	cfg, _ := json.Marshal(map[string]any{
		"twilio": map[string]any{"base_url": url, "account_sid": "ACtest", "auth_token": "twilio-secret", "from": "+48 22 000 00 00"},
		"retry":  map[string]any{"base": base, "max": max, "attempts": attempts},
	})
	file := filepath.Join(t.TempDir(), "delivery.json")
	if err := os.WriteFile(file, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestShutdownAbandonsDeliveries: a graceful stop waits for a delivery in
// flight no longer than --shutdown-timeout: a provider that takes the
// request and never answers does not hold the process for the HTTP
// client's 30 s. The abandoned attempt is made again, with the same key,
// after a restart.
func TestShutdownAbandonsDeliveries(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	hang := make(chan struct{})
	tws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		n := len(keys)
		mu.Unlock()
		if n == 1 {
			select { // the first attempt gets no answer
			case <-hang:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer tws.Close()
	defer close(hang)
	data := t.TempDir()
	key := newKey(t, data, "acme")
	cfgFile := twilioConfig(t, tws.URL, "100ms", "200ms", 1000)
	s := start(t, data, "--delivery", cfgFile, "--shutdown-timeout", "1s")
	smsOnNewDeal(t, s.client(key))
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(keys)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the SMS was never tried")
		}
		time.Sleep(20 * time.Millisecond)
	}
	began := time.Now()
	s.stop()
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("a stop with a delivery in flight took %v, with --shutdown-timeout 1s", took)
	}
	if !strings.Contains(s.logs.String(), "abandoning them") {
		t.Errorf("the abandoned delivery is not logged:\n%s", s.logs.String())
	}
	s = start(t, data, "--delivery", cfgFile)
	waitMessage(t, s.client(key), "after the restart the SMS was not delivered", delivered)
	mu.Lock()
	defer mu.Unlock()
	if len(keys) < 2 || keys[0] != keys[len(keys)-1] {
		t.Errorf("attempts' keys %q: want the same key again after the restart", keys)
	}
}

// waitMessage waits, up to 20 s, for the outbox's one message to be as ok
// says, and returns it; else the test fails with what, and the messages.
func waitMessage(t *testing.T, c clients, what string, ok func(*v1.Message) bool) *v1.Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ms := messages(t, c)
		if len(ms) == 1 && ok(ms[0]) {
			return ms[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, ms)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func delivered(m *v1.Message) bool { return m.State == v1.DeliveryState_DELIVERY_STATE_DELIVERED }
