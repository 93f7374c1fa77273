package wasm

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/runtime/value"
)

// The reset of a module that marks what it writes copies back only the
// chunks marked (track.go): these tests hold it to the same guarantee as
// a copy of the whole memory.

// idleSameAsSnapshot fails unless every idle instance of m has the
// snapshot's memory, byte for byte, and its globals.
func idleSameAsSnapshot(t *testing.T, m *Module, what string) {
	t.Helper()
	m.pool.mu.Lock()
	defer m.pool.mu.Unlock()
	snap := m.pool.snap
	for _, inst := range m.pool.idle {
		mem := inst.mod.Memory()
		b, _ := mem.Read(0, mem.Size())
		if !bytes.Equal(b, snap.mem) {
			at := 0
			for at < min(len(b), len(snap.mem)) && b[at] == snap.mem[at] {
				at++
			}
			t.Fatalf("%s: an idle instance's memory (%d bytes) differs from the snapshot's (%d) at %d", what, len(b), len(snap.mem), at)
		}
		for i, g := range inst.globals {
			if g.Get() != snap.globals[i] {
				t.Fatalf("%s: global %d is %d, the snapshot's %d", what, m.scan.globals[i], g.Get(), snap.globals[i])
			}
		}
	}
}

// writeAddresses are where the writes module writes in the tests: around
// the boundaries of chunks (a v128 store one byte before one reaches 15
// bytes into the next), at the memory's start and end.
func writeAddresses(size uint64) []uint32 {
	chunk := uint32(1) << chunkShift(size)
	var at []uint32
	for _, b := range []uint32{chunk, 5 * chunk, 20 * chunk, uint32(size) - chunk} {
		at = append(at, b-16, b-15, b-8, b-1, b, b+1)
	}
	return append(at, 4096, uint32(size)-80, uint32(size)-16)
}

// TestResetRestoresEveryWrite: every way a module writes memory (stores of
// every width, with offsets, SIMD, bulk memory, the WASI functions that
// write), at every address near a chunk's boundary, is undone by the
// reset: the next call, on the same instance, finds the whole memory as
// _initialize left it, and so does a comparison with the snapshot.
func TestResetRestoresEveryWrite(t *testing.T) {
	m := load(t, newHost(t, Options{}), wat(t, "writes"))
	if !m.tracks || !m.scan.resettable {
		t.Fatalf("tracks %v, resettable %v (%s)", m.tracks, m.scan.resettable, m.scan.why)
	}
	size := uint64(3 << 16)
	var last *instance
	for how := 0; how <= 23; how++ {
		for _, at := range writeAddresses(size) {
			if how == 10 && at < 1<<16 || how == 23 && at < 100 {
				continue // its offset is 65536, 100
			}
			if how == 21 {
				at = 16380 // its address is a constant
			}
			what := fmt.Sprintf("how %d at %d", how, at)
			out, err := m.Call(context.Background(), "write", map[string]value.Value{"how": value.NumberOf(float64(how)), "ad": value.NumberOf(float64(at))})
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if out["clean"].N != -1 {
				t.Fatalf("%s: the call found byte %v changed by an earlier one", what, out["clean"].N)
			}
			if how != 0 && !value.Truth(out["changed"]) {
				t.Fatalf("%s: wrote nothing", what)
			}
			idleSameAsSnapshot(t, m, what)
			m.pool.mu.Lock()
			idle := append([]*instance(nil), m.pool.idle...)
			m.pool.mu.Unlock()
			switch {
			case how == 17: // its memory grew: closed, not reset
			case len(idle) != 1:
				t.Fatalf("%s: %d idle instances, want 1", what, len(idle))
			case last != nil && idle[0] != last && last.mod.Memory().Size() == uint32(size):
				t.Fatalf("%s: the call was not served by the instance the one before left", what)
			}
			if len(idle) == 1 {
				last = idle[0]
			}
		}
	}
}

// TestMarksAreTight: a call that writes one byte marks its chunk and the
// chunk of its reply, and the host marks the chunk of the inputs it
// wrote; nothing else is copied back.
func TestMarksAreTight(t *testing.T) {
	m := load(t, newHost(t, Options{}), wat(t, "writes"))
	shift := chunkShift(3 << 16)
	ctx := context.Background()
	for _, k := range []uint64{3, 20, 40} {
		inst, err := m.acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a := m.man.Action("write")
		in, err := encodeInputs(nil, a, map[string]value.Value{"how": value.NumberOf(1), "ad": value.NumberOf(float64(k << shift))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := inst.run(ctx, a, in, m.host.limits(ctx)); err != nil {
			t.Fatal(err)
		}
		reply := uint64(2<<16) >> shift // the reply is written from 128 KiB on
		if got, want := inst.dirty.Get(), uint64(1)<<k|1<<reply; got != want {
			t.Errorf("chunk %d: $dirty %064b, want %064b", k, got, want)
		}
		if got, want := inst.hostDirty, chunkRange(256, uint32(len(in)), shift); got != want || got != 1 {
			t.Errorf("chunk %d: the host's marks %064b, want %064b", k, got, want)
		}
		m.release(inst, true)
		idleSameAsSnapshot(t, m, fmt.Sprintf("chunk %d", k))
	}
}

// TestResetUnderConcurrency: calls from several goroutines, each writing
// its own way, share the module's instances (made from the snapshot, reset
// from call to call): every call finds a clean memory.
func TestResetUnderConcurrency(t *testing.T) {
	// Each call reads all of memory: slow enough, with 8 of them on a
	// busy machine, to pass the default limit.
	m := load(t, newHost(t, Options{CallTimeout: time.Minute}), wat(t, "writes"))
	addrs := writeAddresses(3 << 16)
	concurrently(t, 8, func(g int) error {
		for i := 0; i < 60; i++ {
			how, at := (g+i)%24, addrs[(g*7+i)%len(addrs)]
			if how == 10 && at < 1<<16 {
				how = 4
			}
			out, err := m.Call(context.Background(), "write", map[string]value.Value{"how": value.NumberOf(float64(how)), "ad": value.NumberOf(float64(at))})
			if err != nil {
				return err
			}
			if out["clean"].N != -1 {
				return fmt.Errorf("how %d at %d: byte %v changed by an earlier call", how, at, out["clean"].N)
			}
		}
		return nil
	})
	idleSameAsSnapshot(t, m, "after the calls")
}

// TestExamplesResetExactly: the examples, their calls interleaved, give
// the outputs and log of a call on a new instance of a new host, and leave
// every idle instance as the snapshot is.
func TestExamplesResetExactly(t *testing.T) {
	type call struct {
		dir, action string
		in          map[string]value.Value
	}
	calls := []call{
		{"wat", "rabat", map[string]value.Value{"amount": value.MoneyOf(12300), "category": value.TextOf("Kuchnie")}},
		{"wat", "rabat", map[string]value.Value{"amount": value.MoneyOf(7000), "category": value.TextOf("Meble")}},
		{"assemblyscript", "lead_score", map[string]value.Value{"amount": value.MoneyOf(12000), "source": value.TextOf("web")}},
		{"assemblyscript", "lead_score", map[string]value.Value{"amount": value.MoneyOf(60000), "source": value.TextOf("referral"), "employees": value.NumberOf(300), "has_phone": value.BoolOf(true)}},
		{"go", "e164", map[string]value.Value{"number": value.TextOf("602 000 111")}},
		{"go", "e164", map[string]value.Value{"number": value.TextOf("030 1234567"), "country": value.TextOf("49")}},
		{"go", "delivery_date", map[string]value.Value{"from": date(t, "2026-12-22"), "days": value.NumberOf(7), "holidays": value.ListOf(date(t, "2026-12-24"), date(t, "2026-12-25"))}},
		{"go", "e164", map[string]value.Value{"number": value.TextOf("call me")}},
	}
	want := make([]string, len(calls))
	for i, c := range calls {
		res, err := load(t, newHost(t, Options{}), example(t, c.dir)).Invoke(context.Background(), c.action, c.in)
		want[i] = fmt.Sprint(res.Outputs, res.Log, err)
	}
	h := newHost(t, Options{})
	for round := 0; round < 4; round++ {
		for j := range calls {
			i := (j*3 + round) % len(calls)
			c := calls[i]
			m := load(t, h, example(t, c.dir))
			if !m.tracks {
				t.Fatalf("%s: not tracked", c.dir)
			}
			res, err := m.Invoke(context.Background(), c.action, c.in)
			if got := fmt.Sprint(res.Outputs, res.Log, err); got != want[i] {
				t.Fatalf("round %d, %s %v: %s, on a new instance %s", round, c.action, c.in, got, want[i])
			}
			idleSameAsSnapshot(t, m, fmt.Sprintf("round %d, %s", round, c.action))
		}
	}
}

// A store's constant address is read as the i32 it is: a negative
// constant is an address of the top half of a memory of 4 GiB.
func TestStoreAddressConstant(t *testing.T) {
	for _, c := range []struct {
		leb  []byte
		want uint32
	}{
		{[]byte{0x00}, 0}, {[]byte{0x3F}, 63}, {[]byte{0xC0, 0x00}, 64}, {[]byte{0x7F}, 0xFFFFFFFF},
		{[]byte{0x80, 0x7E}, 0xFFFFFF00}, {[]byte{0x80, 0x80, 0x80, 0x80, 0x08}, 0x80000000},
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF, 0x07}, 0x7FFFFFFF}, {[]byte{0xE4, 0x00}, 100},
	} {
		op, got := storeAddress([2][]byte{append([]byte{0x41}, c.leb...), {0x20, 0}})
		if op != 0x41 || got != c.want {
			t.Errorf("i32.const % x: address %#x (op %#x), want %#x", c.leb, got, op, c.want)
		}
	}
}
