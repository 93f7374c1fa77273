package server

import (
	"net/http"
	"sync"

	"github.com/stagecraft/stagecraft/server/auth"
)

// rulesHandlers serve RulesService, each tenant with handlers of its own,
// made at its first request: their reusingProto, which finds a request
// that repeats a recent one (an editor's rule set, every keystroke) and
// answers it faster, then only ever finds the tenant's own requests, so
// that how fast a tenant is answered never says what another sent.
// Picking a tenant's handlers is one map read.
type rulesHandlers struct {
	make func() http.Handler
	by   sync.Map // tenant name → http.Handler
}

func (h *rulesHandlers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tenant := auth.Tenant(r.Context()) // behind the keys' middleware: always one
	th, ok := h.by.Load(tenant)
	if !ok {
		th, _ = h.by.LoadOrStore(tenant, h.make())
	}
	th.(http.Handler).ServeHTTP(w, r)
}
