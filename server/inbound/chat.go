package inbound

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/server/tenant"
)

// The chat provider's webhook is ours to design. It posts JSON,
//
//	{"id": "m-981", "event": "message", "item": "12", "channel": "whatsapp", "text": "..."}
//
// signed in the header
//
//	X-Stagecraft-Signature: t=UNIX-SECONDS,v1=HEX(HMAC-SHA256(inbound_secret, "UNIX-SECONDS." + BODY))
//
// The time bounds a replay to SignatureAge; the ID (the provider's, of the
// message) makes a repeat within it harmless.

// SignatureAge is how far a chat signature's time may be from the
// server's clock, either way.
const SignatureAge = 5 * time.Minute

// ChatSignature is the X-Stagecraft-Signature of a chat webhook's body at
// a time (Unix seconds).
func ChatSignature(secret string, at int64, body []byte) string {
	ts := strconv.FormatInt(at, 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// checkChatSignature checks a header against the body; the error says
// what is wrong, for the log.
func checkChatSignature(secret, header string, body []byte, now int64) error {
	if header == "" {
		return errors.New("no X-Stagecraft-Signature")
	}
	var at int64 = -1
	var mac string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return errors.New("X-Stagecraft-Signature: t is not Unix seconds")
			}
			at = n
		case "v1":
			mac = v
		}
	}
	if at < 0 || mac == "" {
		return errors.New("X-Stagecraft-Signature lacks t= or v1=")
	}
	if d := now - at; d > int64(SignatureAge/time.Second) || -d > int64(SignatureAge/time.Second) {
		return fmt.Errorf("X-Stagecraft-Signature is %ds from the server's clock (at most %s)", d, SignatureAge)
	}
	want := ChatSignature(secret, at, body)
	if !hmac.Equal([]byte("t="+strconv.FormatInt(at, 10)+",v1="+mac), []byte(want)) {
		return errors.New("X-Stagecraft-Signature does not match")
	}
	return nil
}

// ChatEvent is the chat provider's webhook body.
type ChatEvent struct {
	ID      string `json:"id"`             // the provider's ID of the message or event: the idempotency key
	Event   string `json:"event"`          // message, started, accepted, reply
	Item    string `json:"item"`           // the item the conversation is about (the chat messages the server posts name it)
	Channel string `json:"channel"`        // the open channel, as the rules' channel resources name it
	Text    string `json:"text,omitempty"` // a message's text
}

// chatEvents maps the provider's events to the engine's: a client's
// message (T-CHAT-TEXT), a client's first message on a channel
// (T-CHAT-FIRST), a manager taking the chat (T-CHAT-ACCEPTED, which starts
// T-CHAT-SLA's clock) and a manager's reply (which stops it).
var chatEvents = map[string]string{
	"message":  "chat message",
	"started":  "chat started",
	"accepted": "chat accepted",
	"reply":    "chat reply",
}

func (h *Handler) chat(w http.ResponseWriter, r *http.Request) {
	q, ok := h.begin(w, r, "chat")
	if !ok {
		return
	}
	if q.cfg.Chat == nil || q.cfg.Chat.InboundSecret == "" {
		q.refuse("no chat inbound_secret configured")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "the body is larger than 64 KiB", http.StatusRequestEntityTooLarge)
		return
	}
	now := time.Now().Unix()
	if h.Now != nil {
		now = h.Now()
	}
	if err := checkChatSignature(q.cfg.Chat.InboundSecret, r.Header.Get("X-Stagecraft-Signature"), body, now); err != nil {
		q.refuse(err.Error())
		return
	}
	var ev ChatEvent
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		chatError(w, http.StatusBadRequest, "the body is not a chat event: "+err.Error())
		return
	}
	event, known := chatEvents[ev.Event]
	switch {
	case !known:
		chatError(w, http.StatusBadRequest, fmt.Sprintf("event %q: it is message, started, accepted or reply", ev.Event))
		return
	case ev.ID == "" || len(ev.ID) > tenant.MaxEventID-len("chat:") || !utf8.ValidString(ev.ID):
		chatError(w, http.StatusBadRequest, fmt.Sprintf("id: 1 to %d bytes of UTF-8, the provider's ID of the event", tenant.MaxEventID-len("chat:")))
		return
	case ev.Item == "":
		chatError(w, http.StatusBadRequest, "item: the item the conversation is about (the server's chat messages name it)")
		return
	case ev.Event == "message" && ev.Text == "":
		chatError(w, http.StatusBadRequest, "text: a message has a text")
		return
	case ev.Event != "message" && ev.Event != "started" && ev.Text != "":
		chatError(w, http.StatusBadRequest, fmt.Sprintf("text: only a message, or a chat's first (started), has one, not %q", ev.Event))
		return
	}
	fields := map[string]value.Value{}
	if ev.Channel != "" {
		fields["channel"] = value.TextOf(ev.Channel)
	}
	if ev.Text != "" {
		fields["text"] = value.TextOf(ev.Text)
	}
	q.raw = map[string][]string{"body": {string(body)}}
	out, err := q.ingest("chat:"+ev.ID, ev.Item, engine.Input{Event: event, Fields: fields})
	if err != nil {
		chatError(w, http.StatusServiceUnavailable, "the server could not apply it now: send it again")
		return
	}
	if out.transient {
		chatError(w, http.StatusServiceUnavailable, "no rules are deployed yet: send it again later")
		return
	}
	if out.refusal != nil {
		// The provider can act on this one: a wrong item or channel.
		chatError(w, http.StatusUnprocessableEntity, out.refusal.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"seq": out.seq, "duplicate": out.duplicate})
}

func chatError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
