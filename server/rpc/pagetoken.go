package rpc

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Page tokens. A token is the position its list goes on from and a MAC of
// it together with what it pages: the tenant, the list and its filter. A
// token of another tenant, of another list or filter, or one made by hand
// is refused, as the API says, rather than read as a position (a
// base64'd item ID from anywhere paged on).

// pageKey is the key tokens are signed with: PageKey, or else a key of
// this process's own.
func (s *Server) pageKey() []byte {
	s.pageOnce.Do(func() {
		if s.PageKey != nil {
			s.pageK = s.PageKey
			return
		}
		s.pageK = make([]byte, 32)
		_, _ = rand.Read(s.pageK) // never fails (crypto/rand)
	})
	return s.pageK
}

func (s *Server) pageMAC(scope []string, pos string) []byte {
	m := hmac.New(sha256.New, s.pageKey())
	for _, p := range scope {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	m.Write([]byte(pos))
	return m.Sum(nil)[:12]
}

// pageToken makes the token of a position in the list scope names.
func (s *Server) pageToken(scope []string, pos string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(pos)) + "." + enc.EncodeToString(s.pageMAC(scope, pos))
}

// untoken reads a token back ("" for none), refusing one this server did
// not give for this list.
func (s *Server) untoken(scope []string, tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	enc := base64.RawURLEncoding
	p, m, ok := strings.Cut(tok, ".")
	pos, err1 := enc.DecodeString(p)
	mac, err2 := enc.DecodeString(m)
	if !ok || err1 != nil || err2 != nil || !hmac.Equal(mac, s.pageMAC(scope, string(pos))) {
		return "", badToken(tok)
	}
	return string(pos), nil
}

func badToken(tok string) error {
	return invalid("page_token %q is not one this server gave for this list: pass next_page_token back as it came, with the same filter", tok)
}
