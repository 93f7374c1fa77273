package auth

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	k := Open(dir)
	key, err := k.Create("acme")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, Prefix) || len(key) != len(Prefix)+43 {
		t.Errorf("key %q", key)
	}
	if tn, err := k.Lookup(key); err != nil || tn != "acme" {
		t.Errorf("lookup: %q %v", tn, err)
	}
	// Only the hash is on disk.
	ents, _ := os.ReadDir(filepath.Join(dir, "keys"))
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, "keys", e.Name()))
		if strings.Contains(string(b), key[len(Prefix):]) || strings.Contains(e.Name(), key[len(Prefix):]) {
			t.Errorf("the key itself is on disk")
		}
	}
	// A new Keys (a restarted server) finds it; a changed key is not known.
	if tn, err := Open(dir).Lookup(key); err != nil || tn != "acme" {
		t.Errorf("lookup after reopening: %q %v", tn, err)
	}
	bad := key[:len(key)-1] + "x"
	if bad == key {
		bad = key[:len(key)-1] + "y"
	}
	if _, err := k.Lookup(bad); err != ErrUnknown {
		t.Errorf("a changed key: %v", err)
	}
	for _, name := range []string{"", "Acme", "a/b", "..", "-x", strings.Repeat("a", 64)} {
		if _, err := k.Create(name); err == nil {
			t.Errorf("tenant %q was taken", name)
		}
	}
}

// TestMiddlewareSays: a request without a key, with another scheme than
// Bearer, or with a key not known is refused 401, each told why.
func TestMiddlewareSays(t *testing.T) {
	k := Open(t.TempDir())
	key, err := k.Create("acme")
	if err != nil {
		t.Fatal(err)
	}
	h := k.Middleware(slog.New(slog.NewTextHandler(io.Discard, nil)), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, Tenant(r.Context()))
	}))
	other, err := k.Create("beta")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		header []string
		want   string
	}{
		{nil, "no API key: send the header"},
		{[]string{"Basic YWNtZTpzZWNyZXQ="}, "the Authorization header is not Bearer: send the header"},
		{[]string{"Bearer"}, "no API key: send the header"},
		{[]string{"Bearer   "}, "no API key: send the header"},
		{[]string{"Bearer sck_nope"}, "the API key is not valid"},
		{[]string{"Bearer " + key}, "acme"},
		// Two keys: neither tenant, whichever comes first.
		{[]string{"Bearer " + key, "Bearer " + other}, "more than one Authorization header"},
		{[]string{"Bearer " + other, "Bearer " + key}, "more than one Authorization header"},
	} {
		r := httptest.NewRequest("POST", "/stagecraft.v1.RulesService/ListVersions", nil)
		for _, v := range c.header {
			r.Header.Add("Authorization", v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("Authorization %q: %d %q, want %q", c.header, w.Code, w.Body.String(), c.want)
		}
	}
}
