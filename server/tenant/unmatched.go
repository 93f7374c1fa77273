package tenant

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/stagecraft/stagecraft/runtime/store"
)

// An inbound webhook the server took and could not apply (an SMS or a
// call from a number no item wrote to, an event the engine refused) is a
// client's message a provider will not send again once answered 200. It
// is kept in the tenant's side store, under dlv/unmatched/ID (ID the
// provider's: "twilio:SM...", "chat:..."), with the provider's raw fields,
// until the same webhook applies later (sent again after a 503), so an
// operator can list what came in and went nowhere (`stagecraft tenant
// unmatched`) and act on it. An export carries them (every dlv/ key).

const unmatchedPrefix = "dlv/unmatched/"

// Unmatched is one inbound webhook kept unapplied.
type Unmatched struct {
	ID       string    `json:"id"`       // the event ID it would have had
	Provider string    `json:"provider"` // twilio or chat
	At       time.Time `json:"at"`       // when it came (the server's wall clock)
	Reason   string    `json:"reason"`   // why it was not applied
	Item     string    `json:"item,omitempty"`
	Event    string    `json:"event,omitempty"`
	// Fields are the provider's fields as they came (Twilio's form; the
	// chat event's body under "body").
	Fields map[string][]string `json:"fields"`
}

// KeepUnmatched stores u durably (synced before it returns), replacing
// an earlier record of its ID.
func (t *Tenant) KeepUnmatched(u Unmatched) error {
	if u.ID == "" {
		return errors.New("an unmatched webhook without an ID")
	}
	body, err := json.Marshal(u)
	if err != nil {
		return err
	}
	b := t.side.NewBatch()
	defer b.Discard()
	if err := b.Set([]byte(unmatchedPrefix+u.ID), body); err != nil {
		return err
	}
	if err := b.Apply(); err != nil {
		return err
	}
	return b.Wait()
}

// ForgetUnmatched removes the record of id, if any: its webhook applied.
func (t *Tenant) ForgetUnmatched(id string) error {
	key := []byte(unmatchedPrefix + id)
	if _, ok, err := t.side.Get(key); err != nil || !ok {
		return err
	}
	b := t.side.NewBatch()
	defer b.Discard()
	if err := b.Delete(key); err != nil {
		return err
	}
	if err := b.Apply(); err != nil {
		return err
	}
	return b.Wait()
}

// Unmatched lists the tenant's kept webhooks, by ID.
func (t *Tenant) Unmatched() ([]Unmatched, error) { return scanUnmatched(t.side) }

// ListUnmatched lists the kept webhooks of a tenant of a data folder (its
// server stopped: the stores are locked while it runs).
func ListUnmatched(data, name string) ([]Unmatched, error) {
	dir := SideDir(Dir(data, name))
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("tenant %s: no store in %s", name, Dir(data, name))
	}
	side, err := store.Open(dir, nil)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w (stop the server first: it holds the store)", name, err)
	}
	defer side.Close()
	return scanUnmatched(side)
}

func scanUnmatched(side *store.Store) ([]Unmatched, error) {
	var out []Unmatched
	var derr error
	err := side.Scan([]byte(unmatchedPrefix), func(k, v []byte) bool {
		var u Unmatched
		if err := json.Unmarshal(v, &u); err != nil {
			derr = fmt.Errorf("the unmatched webhook %s is stored damaged: %v", k[len(unmatchedPrefix):], err)
			return false
		}
		out = append(out, u)
		return true
	})
	return out, errors.Join(err, derr)
}
