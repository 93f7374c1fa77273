// Package auth owns the server's API keys: making a key for a tenant,
// keeping only its hash on disk, and the HTTP middleware that refuses a
// request without a valid key before anything reads its body.
//
// A key is "sck_" and 43 characters of base64url: 32 random bytes. It is
// shown once, when it is made; the data folder keeps its SHA-256 in
// keys/HASH (the file names the tenant), so that a copy of the folder
// holds no usable key. `stagecraft keys create` writes a file while the
// server runs; the server finds it on the key's first use.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/stagecraft/stagecraft/internal/atomicfile"
)

// Prefix starts every key, so that a leaked one is easy to recognize.
const Prefix = "sck_"

// tenantName is what a tenant may be called: a folder name on every system.
var tenantName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidTenant says why a name cannot be a tenant's, or nil.
func ValidTenant(name string) error {
	if !tenantName.MatchString(name) {
		return fmt.Errorf("tenant %q: a tenant's name is 1 to 63 lower-case letters, digits, '-' and '_', starting with a letter or digit", name)
	}
	return nil
}

// Keys are the API keys of a data folder.
type Keys struct {
	dir string // DATA/keys

	mu    sync.Mutex
	cache map[[sha256.Size]byte]cached // by the key's hash: the map keeps no key
}

type cached struct {
	tenant string
	until  time.Time
}

// cacheFor is how long a key found on disk is trusted without looking
// again: a key file removed stops working within it.
const cacheFor = 10 * time.Second

// record is a key file's content.
type record struct {
	Tenant  string    `json:"tenant"`
	Created time.Time `json:"created"`
}

// Open returns the keys kept in the data folder.
func Open(data string) *Keys {
	return &Keys{dir: filepath.Join(data, "keys"), cache: map[[sha256.Size]byte]cached{}}
}

// hash is the name of a key's file: its SHA-256 in hex.
func hash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// Create makes a new key for the tenant and returns it; only its hash is
// stored, durably, before Create returns.
func (k *Keys) Create(tenant string) (string, error) {
	if err := ValidTenant(tenant); err != nil {
		return "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	key := Prefix + base64.RawURLEncoding.EncodeToString(raw[:])
	body, err := json.Marshal(record{Tenant: tenant, Created: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(k.dir, 0o700); err != nil {
		return "", err
	}
	if err := writeFile(filepath.Join(k.dir, hash(key)), body); err != nil {
		return "", err
	}
	return key, nil
}

// writeFile writes a key file whole or not at all, readable by its owner only.
func writeFile(path string, body []byte) error { return atomicfile.Write(path, body, 0o600) }

// ErrUnknown is a key that is not (or no longer) one of the folder's.
var ErrUnknown = errors.New("the API key is not known")

// Lookup returns the tenant a key belongs to.
func (k *Keys) Lookup(key string) (string, error) {
	if !strings.HasPrefix(key, Prefix) || len(key) != len(Prefix)+43 {
		return "", ErrUnknown
	}
	sum := sha256.Sum256([]byte(key))
	now := time.Now()
	k.mu.Lock()
	c, ok := k.cache[sum]
	k.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.tenant, nil
	}
	h := hex.EncodeToString(sum[:])
	body, err := os.ReadFile(filepath.Join(k.dir, h))
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrUnknown
	}
	if err != nil {
		return "", err
	}
	var r record
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("key file %s: %v", h[:8], err)
	}
	if err := ValidTenant(r.Tenant); err != nil {
		return "", fmt.Errorf("key file %s: %v", h[:8], err)
	}
	k.mu.Lock()
	if len(k.cache) > 10000 {
		clear(k.cache)
	}
	k.cache[sum] = cached{tenant: r.Tenant, until: now.Add(cacheFor)}
	k.mu.Unlock()
	return r.Tenant, nil
}

type ctxKey struct{}

// WithTenant returns a context carrying the tenant a request acts for.
func WithTenant(ctx context.Context, tenant string) context.Context {
	return context.WithValue(ctx, ctxKey{}, tenant)
}

// Tenant is the tenant of an authenticated request; empty if none.
func Tenant(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey{}).(string)
	return s
}
