package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stagecraft/stagecraft/server/auth"
)

// Each tenant's RulesService requests go to handlers of its own, made
// once, at its first request.
func TestRulesHandlersByTenant(t *testing.T) {
	made := 0
	h := &rulesHandlers{make: func() http.Handler {
		made++
		n := made
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, n) })
	}}
	serve := func(tenant string) string {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/stagecraft.v1.RulesService/Check", nil)
		h.ServeHTTP(rec, r.WithContext(auth.WithTenant(r.Context(), tenant)))
		return rec.Body.String()
	}
	if a, b, a2 := serve("acme"), serve("beta"), serve("acme"); a != "1" || b != "2" || a2 != "1" {
		t.Errorf("acme, beta, acme served by handlers %s, %s, %s; want 1, 2, 1", a, b, a2)
	}
	if made != 2 {
		t.Errorf("%d handlers made for two tenants", made)
	}
}
