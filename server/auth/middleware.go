package auth

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"connectrpc.com/connect"
)

// Middleware lets through only requests with "Authorization: Bearer KEY"
// for a known key, with the key's tenant in their context. Any other is
// answered Unauthenticated, in the protocol of the request (Connect, gRPC
// or gRPC-Web), before its body is read. The key is never logged.
func (k *Keys) Middleware(log *slog.Logger, next http.Handler) http.Handler {
	ew := connect.NewErrorWriter()
	refuse := func(w http.ResponseWriter, r *http.Request, why string) {
		err := connect.NewError(connect.CodeUnauthenticated, errors.New(why))
		if ew.IsSupported(r) {
			_ = ew.Write(w, r, err)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="stagecraft"`)
		http.Error(w, why, http.StatusUnauthorized)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.Header.Values("Authorization")) > 1 {
			// Which one counts would be the first's by chance here, and a
			// proxy in front may have checked another: none does.
			refuse(w, r, "more than one Authorization header: send one, \"Authorization: Bearer KEY\"")
			return
		}
		h := r.Header.Get("Authorization")
		scheme, key, ok := strings.Cut(h, " ")
		if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
			why := "no API key"
			if h != "" && !strings.EqualFold(strings.TrimSpace(h), "Bearer") {
				why = "the Authorization header is not Bearer"
			}
			refuse(w, r, why+`: send the header "Authorization: Bearer KEY" (stagecraft keys create makes one)`)
			return
		}
		tenant, err := k.Lookup(strings.TrimSpace(key))
		if err != nil {
			if !errors.Is(err, ErrUnknown) {
				log.Error("reading an API key", "err", err)
			}
			refuse(w, r, "the API key is not valid")
			return
		}
		next.ServeHTTP(w, r.WithContext(WithTenant(r.Context(), tenant)))
	})
}
