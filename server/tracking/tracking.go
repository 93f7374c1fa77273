// Package tracking is the server's open pixel and click redirect: signed
// tokens naming a tenant's outbox message (and a link of it), put in the
// e-mails the dispatcher sends, and the endpoints that turn a fetch of
// one into the engine's T-EMAIL-OPENED or T-LINK-CLICKED input. Only a
// token signed with the data folder's secret (DATA/tracking.key) is taken;
// each message is opened, and each of its links clicked, once as far as
// the rules see (the event ID is the token's).
package tracking

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/server/auth"
	"github.com/stagecraft/stagecraft/server/tenant"
)

// Tracker signs and reads tracking tokens and serves their endpoints.
type Tracker struct {
	secret []byte
	base   string // the public URL the endpoints are reached at
	reg    *tenant.Registry
	log    *slog.Logger
	// Public, when set, is where a click goes for a link as the engine
	// recorded it: a document's link at the operator's documents URL
	// (delivery.Files.Public), as the e-mail showed it.
	Public func(link string) string
}

// Open returns the tracker of a data folder, making its secret on first
// use; base is the server's public URL ("https://crm.example.com").
func Open(data, base string, reg *tenant.Registry, log *slog.Logger) (*Tracker, error) {
	name := filepath.Join(data, "tracking.key")
	secret, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		if err := os.WriteFile(name, secret, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if len(secret) < 32 {
		return nil, errors.New(name + " is shorter than 32 bytes")
	}
	return &Tracker{secret: secret, base: strings.TrimRight(base, "/"), reg: reg, log: log}, nil
}

// Key derives a key for another purpose from the data folder's secret
// (page tokens), so that what it signs stays valid across restarts and
// no two purposes share a key.
func (t *Tracker) Key(purpose string) []byte {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte("stagecraft key: " + purpose))
	return m.Sum(nil)
}

func (t *Tracker) sign(payload string) string {
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// token is "PAYLOAD~MAC", both base64url (no dot: a mail client that
// links a URL before a full stop leaves the stop out); the payload is tenant, message
// key and link number (0: the message itself).
func (t *Tracker) token(tenantName, key string, n int) string {
	payload := tenantName + "\x00" + key + "\x00" + strconv.Itoa(n)
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "~" + t.sign(payload)
}

// read checks a token's signature and returns what it names.
func (t *Tracker) read(tok string) (tenantName, key string, n int, ok bool) {
	p64, mac, found := strings.Cut(strings.TrimRight(tok, ".,;:!?)"), "~")
	if !found {
		return "", "", 0, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(p64)
	if err != nil || !hmac.Equal([]byte(mac), []byte(t.sign(string(payload)))) {
		return "", "", 0, false
	}
	parts := strings.Split(string(payload), "\x00")
	if len(parts) != 3 {
		return "", "", 0, false
	}
	n, err = strconv.Atoi(parts[2])
	if err != nil || n < 0 || auth.ValidTenant(parts[0]) != nil {
		return "", "", 0, false
	}
	return parts[0], parts[1], n, true
}

// OpenURL is the open pixel of a message.
func (t *Tracker) OpenURL(tenantName, key string) string {
	return t.base + "/t/o/" + t.token(tenantName, key, 0) + ".gif"
}

// ClickURL is the redirect of a message's n-th tracked link (from 1).
func (t *Tracker) ClickURL(tenantName, key string, n int) string {
	return t.base + "/t/c/" + t.token(tenantName, key, n)
}

// pixel is a transparent 1×1 GIF.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// Register mounts the endpoints: GET /t/o/TOKEN.gif and GET /t/c/TOKEN.
func (t *Tracker) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /t/o/{token}", t.opened)
	mux.HandleFunc("GET /t/c/{token}", t.clicked)
}

// message finds the message a token names; nil when the token is not
// valid or names nothing.
func (t *Tracker) message(tok string, link bool) (*tenant.Tenant, *engine.Effect, int) {
	name, key, n, ok := t.read(tok)
	if !ok || link != (n > 0) {
		return nil, nil, 0
	}
	tn, err := t.reg.Get(name)
	if err != nil {
		return nil, nil, 0
	}
	ef, err := tn.Engine.Outbox(key)
	if err != nil || ef == nil || ef.Kind != "email" {
		return nil, nil, 0
	}
	return tn, ef, n
}

func (t *Tracker) opened(w http.ResponseWriter, r *http.Request) {
	tn, ef, _ := t.message(strings.TrimSuffix(r.PathValue("token"), ".gif"), false)
	if tn == nil {
		http.NotFound(w, r)
		return
	}
	if _, _, err := tn.Ingest("opened:"+ef.Key, engine.Input{Item: ef.Item, Event: "email opened"}); err != nil {
		t.log.Info("an open not taken", "tenant", tn.Name, "key", ef.Key, "err", err)
	}
	w.Header().Set("Content-Type", "image/gif")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(pixel)
}

func (t *Tracker) clicked(w http.ResponseWriter, r *http.Request) {
	tn, ef, n := t.message(r.PathValue("token"), true)
	var links []string
	if tn != nil {
		links = strings.Split(ef.Fields["links"], "\n")
	}
	if tn == nil || n > len(links) || links[n-1] == "" {
		http.NotFound(w, r)
		return
	}
	link := links[n-1]
	_, _, err := tn.Ingest("clicked:"+ef.Key+":"+strconv.Itoa(n), engine.Input{Item: ef.Item, Event: "link clicked",
		Fields: map[string]value.Value{"link": value.TextOf(link)}})
	if err != nil {
		t.log.Info("a click not taken", "tenant", tn.Name, "key", ef.Key, "err", err)
	}
	if t.Public != nil {
		link = t.Public(link)
	}
	http.Redirect(w, r, link, http.StatusFound) // the client gets to the link whatever the rules did
}
