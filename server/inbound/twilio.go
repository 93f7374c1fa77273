package inbound

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/server/delivery"
)

// TwilioSignature is Twilio's request signature: HMAC-SHA1, keyed by the
// account's auth token, over the full URL it called (query included)
// followed by every POST parameter's name and value, names sorted (a
// name's several values sorted too), in base64.
func TwilioSignature(authToken, fullURL string, form url.Values) string {
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(fullURL))
	names := make([]string, 0, len(form))
	for k := range form {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			m.Write([]byte(k))
			m.Write([]byte(v))
		}
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// twilio verifies a Twilio webhook: the tenant's twilio auth_token signs
// the URL the provider called, the server's public URL plus the path and
// query. It returns the form; false: answered already.
func (h *Handler) twilio(w http.ResponseWriter, r *http.Request) (*request, url.Values, bool) {
	q, ok := h.begin(w, r, "twilio")
	if !ok {
		return nil, nil, false
	}
	if q.cfg.Twilio == nil || q.cfg.Twilio.AuthToken == "" {
		q.refuse("no twilio auth_token configured")
		return nil, nil, false
	}
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" {
		q.refuse("no X-Twilio-Signature")
		return nil, nil, false
	}
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.Log.Info("inbound refused", "tenant", q.t.Name, "provider", "twilio", "reason", "body too large")
			http.Error(w, "the body is larger than 64 KiB", http.StatusRequestEntityTooLarge)
			return nil, nil, false
		}
		q.refuse("a body that is not a form")
		return nil, nil, false
	}
	if h.PublicURL == "" {
		// Twilio signs the URL it called: without the server's public URL
		// no signature can be checked, and every webhook is refused.
		h.Log.Error("inbound Twilio webhook refused: the server has no public URL (serve --public-url, the URL Twilio calls)",
			"tenant", q.t.Name)
		http.Error(w, "forbidden", http.StatusForbidden)
		return nil, nil, false
	}
	full := strings.TrimRight(h.PublicURL, "/") + r.URL.RequestURI()
	if !hmac.Equal([]byte(sig), []byte(TwilioSignature(q.cfg.Twilio.AuthToken, full, r.PostForm))) {
		q.refuse("X-Twilio-Signature does not match (is --public-url the URL Twilio calls?)")
		return nil, nil, false
	}
	q.raw = r.PostForm
	return q, r.PostForm, true
}

// item is the item an inbound webhook is about: the URL's item parameter
// (a status callback set up for one item), else the item that last sent
// an SMS or a robocall to the client's number.
func (q *request) item(client string) (string, error) {
	if id := q.r.URL.Query().Get("item"); id != "" {
		return id, nil
	}
	id, _, err := delivery.ItemOfNumber(q.t.Side(), client)
	return id, err
}

// twiml answers Twilio: an empty TwiML response (nothing to say, nothing
// to send back).
func twiml(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Response></Response>`))
}

// twilioSMS takes an incoming SMS (Twilio's messaging webhook: MessageSid,
// From, To, Body) as the client's message: `chat message` with its text
// (T-CHAT-TEXT), on the channel whose declared value is the number it was
// sent to, if one is declared.
func (h *Handler) twilioSMS(w http.ResponseWriter, r *http.Request) {
	q, form, ok := h.twilio(w, r)
	if !ok {
		return
	}
	sid, from := form.Get("MessageSid"), form.Get("From")
	if sid == "" {
		sid = form.Get("SmsSid") // the older name
	}
	if sid == "" || from == "" {
		http.Error(w, "an SMS webhook names MessageSid and From", http.StatusBadRequest)
		return
	}
	item, err := q.item(from)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	id := "twilio:" + sid
	if item == "" {
		// Not lost: kept for an operator, since Twilio never sends a
		// webhook answered 200 again.
		if err := q.keep(id, "", "chat message", "no item wrote to the number it came from"); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		twiml(w)
		return
	}
	fields := map[string]value.Value{"text": value.TextOf(form.Get("Body"))}
	if ch := resource(q.t, "channel", form.Get("To")); ch != "" {
		fields["channel"] = value.TextOf(ch)
	}
	out, err := q.ingest(id, item, engine.Input{Event: "chat message", Fields: fields})
	answer(w, out, err)
}

// answer answers Twilio after an ingest: 503 when the server failed or
// the refusal is transient (nothing deployed yet), so that the provider
// sends the webhook again; otherwise an empty TwiML response (a refused
// event is kept as unmatched).
func answer(w http.ResponseWriter, out outcome, err error) {
	if err != nil || out.transient {
		http.Error(w, "unavailable: send it again later", http.StatusServiceUnavailable)
		return
	}
	twiml(w)
}

// callEvent maps a Twilio call status to the event it raises: a client's
// call answered is `call incoming` (T-CALL-IN), one not answered `call
// missed` (T-CALL-MISSED), a call a manager dialled out `call outgoing`
// (T-CALL-OUT). Ringing and queued wait for the outcome; the API's own
// outbound calls (our robocalls) raise nothing. client says which number
// is the client's.
func callEvent(direction, status string) (event, client string) {
	inbound := direction == "inbound"
	switch {
	case inbound && (status == "in-progress" || status == "completed"):
		return "call incoming", "From"
	case inbound && (status == "busy" || status == "no-answer" || status == "failed" || status == "canceled"):
		return "call missed", "From"
	case direction == "outbound-dial" && (status == "in-progress" || status == "completed"):
		return "call outgoing", "To"
	}
	return "", ""
}

// twilioCall takes a call's status (Twilio's voice webhook and status
// callback: CallSid, CallStatus, Direction, From, To). The event ID is the
// call's and the event's, so the several callbacks of one call raise each
// event once.
func (h *Handler) twilioCall(w http.ResponseWriter, r *http.Request) {
	q, form, ok := h.twilio(w, r)
	if !ok {
		return
	}
	sid := form.Get("CallSid")
	if sid == "" {
		http.Error(w, "a call webhook names CallSid", http.StatusBadRequest)
		return
	}
	event, client := callEvent(form.Get("Direction"), form.Get("CallStatus"))
	if event == "" {
		twiml(w)
		return
	}
	item, err := q.item(form.Get(client))
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	id := "twilio:" + sid + ":" + strings.TrimPrefix(event, "call ")
	if item == "" {
		if err := q.keep(id, "", event, "no item wrote to the client's number"); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		twiml(w)
		return
	}
	var fields map[string]value.Value
	if event != "call outgoing" { // the line called, when it is a declared one
		if line := resource(q.t, "line", form.Get("To")); line != "" {
			fields = map[string]value.Value{"number": value.TextOf(line)}
		}
	}
	out, err := q.ingest(id, item, engine.Input{Event: event, Fields: fields})
	answer(w, out, err)
}
