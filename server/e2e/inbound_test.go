package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/server/inbound"
)

const chatSecret = "chat-inbound-secret-0123456789"

// postTwilio posts a form to an inbound Twilio endpoint, signed with
// token as Twilio signs (sig "" signs it right; "-" sends none).
func postTwilio(t *testing.T, s *server, path, token, sig string, form url.Values) (int, string) {
	t.Helper()
	if sig == "" {
		sig = inbound.TwilioSignature(token, s.url+path, form)
	}
	req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "-" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, readAll(res.Body)
}

// postChat posts a chat event signed at a time with a secret.
func postChat(t *testing.T, s *server, tenantName, secret string, at time.Time, ev map[string]any) (int, string) {
	t.Helper()
	body, _ := json.Marshal(ev)
	req, _ := http.NewRequest("POST", s.url+"/in/"+tenantName+"/chat", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Stagecraft-Signature", inbound.ChatSignature(secret, at.Unix(), body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, readAll(res.Body)
}

// TestInbound: providers' webhooks, over real HTTP to the server process.
// A call from the number an SMS went to, answered, moves that deal
// (T-CALL-IN on the line called); a missed one does too (T-CALL-MISSED),
// once however often Twilio calls back; an SMS from the client is a chat
// message on the channel declared with the number it was sent to
// (T-CHAT-TEXT); a chat provider's signed message likewise. Missing,
// wrong and stale signatures, another tenant's name and an unknown tenant
// are refused 403, and the log names the reason without the secrets.
func TestInbound(t *testing.T) {
	tw := &twilio{t: t, succeed: true, seen: map[string]int{}}
	tws := httptest.NewServer(tw)
	defer tws.Close()
	data := t.TempDir()
	key := newKey(t, data, "acme")
	cfg, _ := json.Marshal(map[string]any{
		"twilio": map[string]any{"base_url": tws.URL, "account_sid": "ACtest", "auth_token": "twilio-secret", "from": "+48 22 000 00 00"},
		"chat":   map[string]any{"inbound_secret": chatSecret},
	})
	cfgFile := filepath.Join(t.TempDir(), "delivery.json")
	if err := os.WriteFile(cfgFile, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, data, "--delivery", cfgFile)
	c := s.client(key)

	// A workspace of its own: the examples' grows with other work.
	rules := `pipeline deal Sprzedaż {
    stage Nowe
    stage Kontakt
    stage Oferta
    stage Dostawa
    stage Przegrany lost
}
employee anna "Anna Nowak" { email "anna@meble.example" }
line biuro "+48 22 123 45 67"
channel whatsapp "WhatsApp"
channel sms "+48 22 000 00 00"
provider twilio "Twilio"
on stage Nowe: send sms to client.phone[mobile] text "Oddzwonimy."
move to stage Kontakt when call incoming number biuro
move to stage Oferta when chat message channel sms text "oferta"
move to stage Dostawa when chat message channel whatsapp text "Dostarcz"
move to stage Przegrany when call missed allow_back true
`
	files := []*v1.SourceFile{{Path: "inbound.rules", Content: rules}}
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: files})); err != nil {
		t.Fatal(err)
	}
	newDeal := func(phone string) string {
		jan, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "contact", Fields: map[string]*v1.Value{
			"name": text("Jan"), "phone": address("mobile", phone)}}))
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
			"title": text("Sofa"), "contact": text(jan.Msg.Item.Id), "responsible": text("anna")}}))
		if err != nil {
			t.Fatal(err)
		}
		return d.Msg.Item.Id
	}
	d1, d2 := newDeal("+48 600 100 200"), newDeal("+48 600 100 300")
	// The SMS of both went out: the numbers are known.
	deadline := time.Now().Add(20 * time.Second)
	for len(tw.all()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the SMS did not reach the Twilio stand-in: %v", tw.all())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stage := func(id string) string {
		t.Helper()
		it, err := c.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: id}))
		if err != nil {
			t.Fatal(err)
		}
		return it.Msg.Item.Stage
	}
	events := func(id, event string) int {
		t.Helper()
		tl, err := c.crm.GetTimeline(ctx(t), connect.NewRequest(&v1.GetTimelineRequest{Id: id}))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range tl.Msg.Entries {
			if e.Text == "event: "+event {
				n++
			}
		}
		return n
	}

	call := url.Values{"CallSid": {"CA100"}, "AccountSid": {"ACtest"}, "From": {"+48600100200"}, "To": {"+48221234567"},
		"Direction": {"inbound"}, "CallStatus": {"ringing"}}
	// Refused: no signature, a wrong one, signed with another token, an unknown tenant.
	for _, sig := range []string{"-", "bm90IGEgc2lnbmF0dXJl", inbound.TwilioSignature("not-the-token", s.url+"/in/acme/twilio/call", call)} {
		if code, _ := postTwilio(t, s, "/in/acme/twilio/call", "twilio-secret", sig, call); code != http.StatusForbidden {
			t.Errorf("signature %q: HTTP %d, want 403", sig, code)
		}
	}
	if code, _ := postTwilio(t, s, "/in/nobody/twilio/call", "twilio-secret", "", call); code != http.StatusForbidden {
		t.Errorf("an unknown tenant: HTTP %d, want 403", code)
	}
	if _, err := os.Stat(filepath.Join(data, "tenants", "nobody")); err == nil {
		t.Errorf("an inbound webhook created a tenant")
	}
	// A signature over other parameters than those sent.
	forged := url.Values{}
	for k, v := range call {
		forged[k] = v
	}
	sig := inbound.TwilioSignature("twilio-secret", s.url+"/in/acme/twilio/call", call)
	forged.Set("From", "+48600100300")
	if code, _ := postTwilio(t, s, "/in/acme/twilio/call", "twilio-secret", sig, forged); code != http.StatusForbidden {
		t.Errorf("a body changed after signing: HTTP %d, want 403", code)
	}
	if stage(d1) != "Nowe" || stage(d2) != "Nowe" || events(d1, "call incoming")+events(d2, "call incoming") != 0 {
		t.Fatalf("a refused webhook changed something")
	}

	// Ringing waits; answered (in progress, then completed) is one incoming call on the line biuro.
	for _, st := range []string{"ringing", "in-progress", "completed", "completed"} {
		call.Set("CallStatus", st)
		code, body := postTwilio(t, s, "/in/acme/twilio/call", "twilio-secret", "", call)
		if code != http.StatusOK || !strings.Contains(body, "<Response>") {
			t.Fatalf("%s: HTTP %d %s", st, code, body)
		}
	}
	if got := stage(d1); got != "Kontakt" {
		t.Errorf("after an incoming call on biuro the deal is in %q, want Kontakt", got)
	}
	if n := events(d1, "call incoming"); n != 1 {
		t.Errorf("one call applied %d times", n)
	}
	if stage(d2) != "Nowe" {
		t.Errorf("another client's deal moved")
	}

	// A missed call of the other client, named in the URL's item (a
	// status callback set up for that deal), signed with the query.
	missed := url.Values{"CallSid": {"CA200"}, "From": {"+48 999 999 999"}, "To": {"+48221234567"},
		"Direction": {"inbound"}, "CallStatus": {"no-answer"}}
	if code, _ := postTwilio(t, s, "/in/acme/twilio/call?item="+d2, "twilio-secret", "", missed); code != http.StatusOK {
		t.Fatalf("missed call: HTTP %d", code)
	}
	if got := stage(d2); got != "Przegrany" {
		t.Errorf("after a missed call the deal is in %q, want Przegrany", got)
	}

	// An SMS from the first client to the number declared as channel sms.
	sms := url.Values{"MessageSid": {"SM1"}, "From": {"+48600100200"}, "To": {"+48220000000"}, "Body": {"Poproszę oferta na sofę"}}
	for range 2 {
		if code, _ := postTwilio(t, s, "/in/acme/twilio/sms", "twilio-secret", "", sms); code != http.StatusOK {
			t.Fatalf("sms: HTTP %d", code)
		}
	}
	if got := stage(d1); got != "Oferta" {
		t.Errorf("after the SMS the deal is in %q, want Oferta", got)
	}
	if n := events(d1, "chat message"); n != 1 {
		t.Errorf("one SMS applied %d times", n)
	}
	// From a number no item wrote to: answered, nothing applied, kept
	// for the operator (listed below, once the server stops).
	sms.Set("MessageSid", "SM2")
	sms.Set("From", "+1 555 0100")
	if code, _ := postTwilio(t, s, "/in/acme/twilio/sms", "twilio-secret", "", sms); code != http.StatusOK {
		t.Errorf("an SMS of an unknown number: HTTP %d", code)
	}

	// Chat: a signed message; the same again; a stale, a wrong and an
	// unsigned one; an unknown item; an unknown event; a body over the limit.
	now := time.Now()
	msg := map[string]any{"id": "m-1", "event": "message", "item": d1, "channel": "whatsapp", "text": "Dostarcz jutro"}
	for i := range 2 {
		code, body := postChat(t, s, "acme", chatSecret, now, msg)
		if code != http.StatusOK || strings.Contains(body, `"duplicate":false`) != (i == 0) {
			t.Fatalf("chat %d: HTTP %d %s", i, code, body)
		}
	}
	if got := stage(d1); got != "Dostawa" {
		t.Errorf("after the chat message the deal is in %q, want Dostawa", got)
	}
	msg["id"] = "m-2"
	if code, _ := postChat(t, s, "acme", chatSecret, now.Add(-10*time.Minute), msg); code != http.StatusForbidden {
		t.Errorf("a chat signature 10 minutes old: HTTP %d, want 403", code)
	}
	if code, _ := postChat(t, s, "acme", "another-secret-of-16+", now, msg); code != http.StatusForbidden {
		t.Errorf("a chat signed with another secret: HTTP %d, want 403", code)
	}
	req, _ := http.NewRequest("POST", s.url+"/in/acme/chat", strings.NewReader(`{"id":"m-3"}`))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("an unsigned chat: %v %v, want 403", res.StatusCode, err)
	}
	msg["item"] = "999999"
	if code, body := postChat(t, s, "acme", chatSecret, now, msg); code != http.StatusUnprocessableEntity {
		t.Errorf("a chat about no item: HTTP %d %s, want 422", code, body)
	}
	msg["event"], msg["item"] = "shouted", d1
	if code, _ := postChat(t, s, "acme", chatSecret, now, msg); code != http.StatusBadRequest {
		t.Errorf("an unknown chat event: HTTP %d, want 400", code)
	}
	// A chat's first message may carry its text; an acceptance may not.
	first := map[string]any{"id": "m-5", "event": "started", "item": d1, "channel": "whatsapp", "text": "Dzień dobry"}
	if code, body := postChat(t, s, "acme", chatSecret, now, first); code != http.StatusOK {
		t.Errorf("a first message with its text: HTTP %d %s, want 200", code, body)
	}
	first["id"], first["event"] = "m-6", "accepted"
	if code, _ := postChat(t, s, "acme", chatSecret, now, first); code != http.StatusBadRequest {
		t.Errorf("an acceptance with a text: HTTP %d, want 400", code)
	}
	big := map[string]any{"id": "m-4", "event": "message", "item": d1, "text": strings.Repeat("x", inbound.MaxBody)}
	if code, _ := postChat(t, s, "acme", chatSecret, now, big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("a chat body over the limit: HTTP %d, want 413", code)
	}

	// The server's log arrives through a pipe: the last refusal's line may
	// still be on its way when the last answer is read.
	logs := s.logs.String()
	for deadline := time.Now().Add(5 * time.Second); strings.Count(logs, `"msg":"inbound refused"`) < 9 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		logs = s.logs.String()
	}
	for _, reason := range []string{"no X-Twilio-Signature", "X-Twilio-Signature does not match", "no such tenant", "from the server's clock", "X-Stagecraft-Signature does not match", "no X-Stagecraft-Signature"} {
		if !strings.Contains(logs, reason) {
			t.Errorf("the log does not say %q", reason)
		}
	}
	for _, secret := range []string{"twilio-secret", chatSecret, sig, "Poproszę", "Dostarcz jutro"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
	if n := strings.Count(logs, `"msg":"inbound refused"`); n < 9 {
		t.Errorf("%d refusals logged, want at least 9", n)
	}
	// Started with Twilio and without --public-url: the log says inbound
	// Twilio webhooks cannot be verified.
	if !strings.Contains(logs, "Twilio is configured without --public-url") {
		t.Errorf("no startup error about --public-url")
	}

	// The SMS no item matched, and the chat about no item, are listed.
	s.stop()
	out, err := exec.Command(bin, "tenant", "unmatched", "--data", data, "--tenant", "acme").Output()
	if err != nil {
		t.Fatalf("tenant unmatched: %v", err)
	}
	if !strings.Contains(string(out), `"id":"twilio:SM2"`) || !strings.Contains(string(out), "+1 555 0100") ||
		!strings.Contains(string(out), `"id":"chat:m-2"`) || strings.Contains(string(out), `"id":"twilio:SM1"`) {
		t.Errorf("tenant unmatched:\n%s", out)
	}
}
