package wasm

import (
	"context"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/value"
)

// Prepare readies the first instance and its snapshot before any call;
// the first call then runs on that very instance, with the outputs of a
// module never prepared, and leaves it idle again, reset.
func TestPrepare(t *testing.T) {
	ctx := context.Background()
	m := load(t, newHost(t, Options{}), wat(t, "counter"))
	if !m.scan.resettable {
		t.Fatalf("counter is not resettable: %s", m.scan.why)
	}
	if err := m.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	m.pool.mu.Lock()
	snap, idle := m.pool.snap, append([]*instance(nil), m.pool.idle...)
	m.pool.mu.Unlock()
	if snap == nil || len(idle) != 1 {
		t.Fatalf("after Prepare: snapshot %v, %d idle instances; want a snapshot and 1", snap != nil, len(idle))
	}
	idleSameAsSnapshot(t, m, "prepared")
	fresh := load(t, newHost(t, Options{}), wat(t, "counter"))
	want, err := fresh.Call(ctx, "count", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		got, err := m.Call(ctx, "count", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !value.Equal(got["global"], want["global"]) || !value.Equal(got["memory"], want["memory"]) {
			t.Fatalf("call %d after Prepare: %v, a module never prepared: %v", i+1, got, want)
		}
	}
	m.pool.mu.Lock()
	after := append([]*instance(nil), m.pool.idle...)
	m.pool.mu.Unlock()
	if len(after) != 1 || after[0] != idle[0] {
		t.Fatalf("the calls did not run on the prepared instance: idle %d, the same %v", len(after), len(after) == 1 && after[0] == idle[0])
	}
	idleSameAsSnapshot(t, m, "after the calls")
	// Twice is harmless: the idle instance is taken and given back.
	if err := m.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
}
