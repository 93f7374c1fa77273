// Package inbound is the server's endpoints for providers' webhooks: an
// SMS a client sent and the status of a call, from a Twilio-compatible
// provider, and a chat provider's messages. Each request is verified by
// its provider's signature scheme (Twilio's X-Twilio-Signature; ours for
// chat, X-Stagecraft-Signature), keyed by the tenant's delivery config,
// and becomes one EventService input (the tenant's Ingest), idempotent by
// the provider's own ID of the message or call, so a provider that sends
// a webhook again applies it once.
//
// These endpoints take no API key: the signature is the credential. A
// request without a valid one is refused 403 and logged with its tenant,
// provider and reason, never its signature, body or the secret.
package inbound

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/server/delivery"
	"github.com/stagecraft/stagecraft/server/tenant"
)

// MaxBody is the largest webhook body taken; providers' webhooks are a few
// kilobytes, and an SMS or chat message is far smaller than the engine's
// 64 KiB text limit.
const MaxBody = 64 << 10

// Handler serves the inbound endpoints of every tenant.
type Handler struct {
	Tenants  *tenant.Registry
	Delivery *delivery.Service // the tenants' delivery configs: the secrets
	// PublicURL is the server's address as providers call it
	// ("https://crm.example.com"): Twilio signs the full URL it called.
	PublicURL string
	Log       *slog.Logger
	// Now is the wall clock, for the chat signature's age; default time.Now.
	Now func() int64
}

// Register mounts POST /in/{tenant}/twilio/sms, /in/{tenant}/twilio/call
// and /in/{tenant}/chat.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /in/{tenant}/twilio/sms", h.twilioSMS)
	mux.HandleFunc("POST /in/{tenant}/twilio/call", h.twilioCall)
	mux.HandleFunc("POST /in/{tenant}/chat", h.chat)
}

// request is one inbound webhook being served.
type request struct {
	h        *Handler
	w        http.ResponseWriter
	r        *http.Request
	provider string
	t        *tenant.Tenant
	cfg      delivery.Config
	// raw is the provider's fields as they came, kept with a webhook
	// that is not applied (tenant.Unmatched).
	raw map[string][]string
}

// begin finds the tenant and its delivery config; false: refused (403).
// A tenant that does not exist is refused as a bad signature is, so the
// endpoint tells a caller without a secret nothing.
func (h *Handler) begin(w http.ResponseWriter, r *http.Request, provider string) (*request, bool) {
	q := &request{h: h, w: w, r: r, provider: provider}
	name := r.PathValue("tenant")
	t, err := h.Tenants.Existing(name)
	if err != nil {
		q.refuse("no such tenant")
		return nil, false
	}
	q.t = t
	cfg, ok := h.Delivery.Config(t)
	if !ok {
		q.refuse("the tenant's delivery config did not load")
		return nil, false
	}
	q.cfg = cfg
	if r.ContentLength > MaxBody {
		h.Log.Info("inbound refused", "tenant", name, "provider", provider, "reason", "body too large", "bytes", r.ContentLength)
		http.Error(w, "the body is larger than 64 KiB", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	return q, true
}

// refuse answers 403 and logs why, without the request's secrets or body.
func (q *request) refuse(reason string) {
	q.h.Log.Warn("inbound refused", "tenant", q.r.PathValue("tenant"), "provider", q.provider, "reason", reason,
		"remote", q.r.RemoteAddr)
	http.Error(q.w, "forbidden", http.StatusForbidden)
}

// outcome is what ingesting an inbound event came to.
type outcome struct {
	applied   bool
	duplicate bool
	seq       int64
	refusal   error // the engine refused the event (unknown item, nothing deployed)
	// transient: the refusal is the tenant's state of the moment (no
	// program deployed yet), so the provider should send the webhook
	// again (503) rather than be told it is done.
	transient bool
}

// ingest applies an event once per provider ID. An error is the server's
// own failure (a store failed, the tenant is closing): the provider
// should send the webhook again. The engine refusing the event is not an
// error here but an outcome, and the webhook is kept (keep) so that the
// client's message is not lost when the provider is answered.
func (q *request) ingest(id, item string, in engine.Input) (outcome, error) {
	in.Item = item
	transient := q.t.Engine.Program() == nil
	out, dup, err := q.t.Ingest(id, in)
	switch {
	case err == nil:
		q.h.Log.Info("inbound event", "tenant", q.t.Name, "provider", q.provider, "event", in.Event, "item", item,
			"seq", out.Seq, "duplicate", dup)
		if err := q.t.ForgetUnmatched(id); err != nil { // kept by an earlier try
			q.h.Log.Error("inbound event applied, its unmatched record not removed", "tenant", q.t.Name, "id", id, "err", err)
		}
		return outcome{applied: true, duplicate: dup, seq: out.Seq}, nil
	case errors.Is(err, store.ErrFailed) || errors.Is(err, store.ErrClosed) || errors.Is(err, tenant.ErrClosed):
		q.h.Log.Error("inbound event not applied", "tenant", q.t.Name, "provider", q.provider, "event", in.Event, "err", err)
		return outcome{}, err
	}
	reason := "refused by the engine: " + err.Error()
	if kerr := q.keep(id, item, in.Event, reason); kerr != nil {
		return outcome{}, kerr
	}
	return outcome{refusal: err, transient: transient}, nil
}

// keep stores a webhook that is not applied in the tenant's side store
// (tenant.Unmatched), with the provider's raw fields, and logs it at Warn.
// An error (the store's) means it is not kept: answer so that the
// provider sends it again.
func (q *request) keep(id, item, event, reason string) error {
	err := q.t.KeepUnmatched(tenant.Unmatched{ID: id, Provider: q.provider, At: time.Now().UTC(), Reason: reason,
		Item: item, Event: event, Fields: q.raw})
	if err != nil {
		q.h.Log.Error("inbound webhook not applied and not kept", "tenant", q.t.Name, "provider", q.provider, "id", id,
			"reason", reason, "err", err)
		return err
	}
	q.h.Log.Warn("inbound webhook not applied: kept as unmatched (stagecraft tenant unmatched)", "tenant", q.t.Name,
		"provider", q.provider, "id", id, "event", event, "item", item, "reason", reason)
	return nil
}

// resource is the name of the deployed program's resource of a kind whose
// value is the phone number (a line, or a channel for SMS), or "".
func resource(t *tenant.Tenant, kind, number string) string {
	n := delivery.Number(number)
	if n == "" {
		return ""
	}
	p := t.Engine.Program()
	if p == nil {
		return ""
	}
	for _, r := range p.Resources {
		if r.Kind == kind && sameNumber(r, n) {
			return r.Name
		}
	}
	return ""
}

func sameNumber(r *ir.Resource, n string) bool {
	v := delivery.Number(r.Value)
	if v == n {
		return true
	}
	// A line written without its country code ("22 123 45 67") matches
	// the E.164 form by its ending, when that is at least 7 digits.
	return v != "" && !strings.HasPrefix(v, "+") && len(v) >= 7 && strings.HasSuffix(n, v)
}
