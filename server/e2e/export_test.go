package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/runtime/store"
)

// dump is a store's every key and value.
func dump(t *testing.T, dir string) []byte {
	t.Helper()
	st, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var b bytes.Buffer
	if err := st.Dump(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestExportImport: a tenant exported and imported into a fresh data
// folder replays to the same store, byte for byte, and serves as before:
// its items, its outbox's delivery state, its event IDs.
func TestExportImport(t *testing.T) {
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data)
	c := s.client(key)
	id := deal(t, c)
	if _, err := c.crm.MoveItem(ctx(t), connect.NewRequest(&v1.MoveItemRequest{Id: id, Stage: "Oferta", By: "anna"})); err != nil {
		t.Fatal(err)
	}
	ev, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "inv-9", Item: id, Event: "invoice paid"}))
	if err != nil {
		t.Fatal(err)
	}
	// Every message settled first (no provider is configured: each is
	// skipped), so that the dispatcher does not move one between this
	// look and the export.
	before := messages(t, c)
	for deadline := time.Now().Add(60 * time.Second); pending(before); before = messages(t, c) {
		if time.Now().After(deadline) {
			t.Fatalf("messages still pending after a minute, none of them having a provider: %v", before)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// While the server runs, its stores are locked: export says so, and
	// leaves the file it was to write as it was (the last good backup).
	file := filepath.Join(t.TempDir(), "acme.jsonl")
	if err := os.WriteFile(file, []byte("the last backup\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "tenant", "export", "--data", data, "--tenant", "acme", "-o", file).CombinedOutput(); err == nil || !strings.Contains(string(out), "stop the server") {
		t.Errorf("export of a running tenant: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "the last backup\n" {
		t.Errorf("a failed export changed its file: %q, %v", b, err)
	}
	s.stop()
	if out, err := exec.Command(bin, "tenant", "export", "--data", data, "--tenant", "acme", "-o", file).CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	fresh := t.TempDir()
	if out, err := exec.Command(bin, "tenant", "import", "--data", fresh, "--tenant", "acme", "-i", file).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	// The module the deal ran at Oferta travels with the export, and the
	// replay runs it again: without it the timelines, so the stores, differ.
	mods, _ := filepath.Glob(filepath.Join(fresh, "tenants", "acme", "modules", "*.wasm"))
	if len(mods) != 1 {
		t.Errorf("the imported tenant's modules: %v", mods)
	}
	a, b := dump(t, filepath.Join(data, "tenants", "acme", "engine")), dump(t, filepath.Join(fresh, "tenants", "acme", "engine"))
	if !bytes.Equal(a, b) {
		t.Fatalf("the imported store differs from the exported one (%d and %d bytes of dump)", len(a), len(b))
	}
	// Importing again over it, or a damaged export, is refused.
	if out, err := exec.Command(bin, "tenant", "import", "--data", fresh, "--tenant", "acme", "-i", file).CombinedOutput(); err == nil {
		t.Errorf("import over an existing tenant:\n%s", out)
	}
	raw, _ := os.ReadFile(file)
	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	os.WriteFile(cut, raw[:len(raw)*2/3], 0o600)
	if out, err := exec.Command(bin, "tenant", "import", "--data", fresh, "--tenant", "other", "-i", cut).CombinedOutput(); err == nil {
		t.Errorf("import of a cut export:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(fresh, "tenants", "other")); err == nil {
		t.Errorf("a refused import left a tenant folder")
	}

	s2 := start(t, fresh)
	c2 := s2.client(newKey(t, fresh, "acme"))
	got, err := c2.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: id}))
	if err != nil || got.Msg.Item.Stage != "Zapłacone" {
		t.Fatalf("the imported deal: %v %v", got, err)
	}
	again, err := c2.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "inv-9", Item: id, Event: "invoice paid"}))
	if err != nil || !again.Msg.Duplicate || again.Msg.Seq != ev.Msg.Seq {
		t.Errorf("an event ID after the import: %v %v", again, err)
	}
	after := messages(t, c2)
	if len(after) != len(before) {
		t.Fatalf("%d messages after the import, %d before", len(after), len(before))
	}
	for i := range after {
		if after[i].Key != before[i].Key || after[i].State != before[i].State {
			t.Errorf("message %s: %v after the import, %v before", after[i].Key, after[i].State, before[i].State)
		}
	}
}

func pending(ms []*v1.Message) bool {
	for _, m := range ms {
		if m.State == v1.DeliveryState_DELIVERY_STATE_PENDING {
			return true
		}
	}
	return false
}
