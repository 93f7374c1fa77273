package inbound

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/server/delivery"
	"github.com/stagecraft/stagecraft/server/tenant"
	"github.com/stagecraft/stagecraft/stdlib"
)

const publicURL = "https://crm.example.com"

type env struct {
	t   *testing.T
	mux *http.ServeMux
	h   *Handler
	ten *tenant.Tenant
	log *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	data := t.TempDir()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dlv := delivery.New(delivery.Config{Twilio: &delivery.Twilio{AccountSID: "ACtest", AuthToken: "tok", From: "+48220000000"}}, data, quiet)
	reg := tenant.NewRegistry(data, stdlib.Runtime(), tenant.Options{Opened: dlv.Start}, quiet)
	t.Cleanup(func() { reg.Close() })
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{Tenants: reg, Delivery: dlv, PublicURL: publicURL, Log: log}
	mux := http.NewServeMux()
	h.Register(mux)
	return &env{t: t, mux: mux, h: h, ten: ten, log: &logs}
}

// post posts a signed Twilio form; chunked sends it without a length.
func (e *env) post(path string, form url.Values, chunked bool) *httptest.ResponseRecorder {
	body := form.Encode()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", TwilioSignature("tok", publicURL+path, form))
	if chunked {
		req.ContentLength = -1
		req.Body = io.NopCloser(strings.NewReader(body))
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, req)
	return w
}

func (e *env) unmatched() map[string]tenant.Unmatched {
	e.t.Helper()
	us, err := e.ten.Unmatched()
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]tenant.Unmatched{}
	for _, u := range us {
		out[u.ID] = u
	}
	return out
}

// TestUnmatchedKept: an SMS from a number no item wrote to is answered
// 200 (Twilio would not send it again) and kept, with its raw fields; a
// call while nothing is deployed is answered 503 (Twilio tries again)
// and kept until a later try applies it.
func TestUnmatchedKept(t *testing.T) {
	e := newEnv(t)
	sms := url.Values{"MessageSid": {"SM9"}, "From": {"+15550100"}, "To": {"+48220000000"}, "Body": {"Czy sofa jest?"}}
	if w := e.post("/in/acme/twilio/sms", sms, false); w.Code != http.StatusOK {
		t.Fatalf("an SMS of an unknown number: HTTP %d %s", w.Code, w.Body)
	}
	u, ok := e.unmatched()["twilio:SM9"]
	if !ok || u.Provider != "twilio" || u.Event != "chat message" || u.Fields["Body"][0] != "Czy sofa jest?" || u.Fields["From"][0] != "+15550100" || u.At.IsZero() {
		t.Fatalf("the SMS kept: %+v %v", u, ok)
	}
	if !strings.Contains(e.log.String(), "level=WARN") || strings.Contains(e.log.String(), "Czy sofa") {
		t.Errorf("the log (Warn, no body):\n%s", e.log)
	}

	// Nothing deployed: the engine refuses, transiently.
	res, err := e.ten.Apply(engine.Input{Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("Sofa")}})
	if err == nil {
		t.Fatalf("an item created with nothing deployed: %v", res)
	}
	call := url.Values{"CallSid": {"CA7"}, "From": {"+48600100200"}, "To": {"+48221234567"}, "Direction": {"inbound"}, "CallStatus": {"completed"}}
	if w := e.post("/in/acme/twilio/call?item=1", call, false); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("a call with nothing deployed: HTTP %d %s, want 503", w.Code, w.Body)
	}
	if u, ok := e.unmatched()["twilio:CA7:incoming"]; !ok || !strings.Contains(u.Reason, "no program") || u.Item != "1" {
		t.Fatalf("the call kept: %+v %v", u, ok)
	}

	// Deployed, the item exists: Twilio's next try applies it, and the record goes.
	rules := "pipeline deal Sprzedaż {\n    stage Nowe\n    stage Kontakt\n}\nmove to stage Kontakt when call incoming\n"
	p, err := compile.ProgramWith([]compile.Source{{Name: "ws.rules", Src: []byte(rules)}}, check.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ten.Deploy(p); err != nil {
		t.Fatal(err)
	}
	res, err = e.ten.Apply(engine.Input{Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("Sofa")}})
	if err != nil {
		t.Fatal(err)
	}
	if w := e.post("/in/acme/twilio/call?item="+res.Created[0], call, false); w.Code != http.StatusOK {
		t.Fatalf("the call again: HTTP %d %s", w.Code, w.Body)
	}
	if _, ok := e.unmatched()["twilio:CA7:incoming"]; ok {
		t.Fatalf("the call applied, its record stays")
	}
	// A refusal that sending again does not mend (no such item) is 200, kept.
	call.Set("CallSid", "CA8")
	if w := e.post("/in/acme/twilio/call?item=999", call, false); w.Code != http.StatusOK {
		t.Fatalf("a call about no item: HTTP %d", w.Code)
	}
	if _, ok := e.unmatched()["twilio:CA8:incoming"]; !ok {
		t.Fatalf("a refused call not kept")
	}
}

// TestTwilioLimits: a body over 64 KiB sent without a length is 413, not
// "not a form"; without a public URL every webhook is refused and the log
// says what to set.
func TestTwilioLimits(t *testing.T) {
	e := newEnv(t)
	big := url.Values{"MessageSid": {"SM1"}, "From": {"+15550100"}, "Body": {strings.Repeat("x", MaxBody)}}
	if w := e.post("/in/acme/twilio/sms", big, true); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a chunked body over 64 KiB: HTTP %d %s, want 413", w.Code, w.Body)
	}
	e.h.PublicURL = ""
	sms := url.Values{"MessageSid": {"SM2"}, "From": {"+15550100"}, "Body": {"hej"}}
	if w := e.post("/in/acme/twilio/sms", sms, false); w.Code != http.StatusForbidden || !strings.Contains(e.log.String(), "--public-url") {
		t.Errorf("no public URL: HTTP %d, log:\n%s", w.Code, e.log)
	}
}
