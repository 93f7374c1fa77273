package wasm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

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

// TestCheckInit: a module whose initialisation traps or does not return
// in time is refused, naming why, as a deploy and `stagecraft module
// check` refuse it (Load runs none of its code); one that initialises is
// taken, its instance kept ready when it is resettable.
func TestCheckInit(t *testing.T) {
	ctx := context.Background()
	h := newHost(t, Options{InitTimeout: 20 * time.Millisecond})
	for _, c := range []struct{ name, want string }{
		{"inittrap", "bad module: its initialisation (_initialize) trapped: wasm error: unreachable"},
		{"initloop", "bad module: its initialisation (_initialize) did not return within 20 ms (InitTimeout)"},
		{"startloop", "bad module: its start function did not return within 20 ms (InitTimeout)"},
	} {
		err := load(t, h, wat(t, c.name)).CheckInit(ctx)
		var me *ModuleError
		if !errors.As(err, &me) || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want a ModuleError %q", c.name, err, c.want)
			continue
		}
		if errors.Unwrap(err) == nil {
			t.Errorf("%s: the refusal does not carry what the initialisation met", c.name)
		}
		t.Logf("%s: %v", c.name, err)
	}
	if err := load(t, h, wat(t, "inittrap")).CheckInit(ctx); !errors.As(err, new(*TrapError)) {
		t.Errorf("inittrap: %v does not unwrap to the TrapError", err)
	}
	m := load(t, h, wat(t, "counter"))
	if err := m.CheckInit(ctx); err != nil {
		t.Fatal(err)
	}
	m.pool.mu.Lock()
	idle := len(m.pool.idle)
	m.pool.mu.Unlock()
	if idle != 1 {
		t.Errorf("counter: %d idle instances after CheckInit, want the checked one", idle)
	}
	// A module whose calls each get a new instance initialises too.
	if m := load(t, h, wat(t, "tablegrow")); m.scan.resettable {
		t.Error("tablegrow is resettable: pick a module that is not")
	} else if err := m.CheckInit(ctx); err != nil {
		t.Errorf("tablegrow: %v", err)
	}
}
