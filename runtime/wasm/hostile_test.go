package wasm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// Hostile modules (a reviewer's attacks): against the reset by marks
// (track.go), where a test calls an action several times on one module,
// whose instances are reset, and fails when a call sees what an earlier
// call left; and modules in encodings beyond WebAssembly 2.0 (typed
// references, a table's initialiser) that put the host's decoders out of
// step with wazero's, which the host must refuse at Load (checkCounts).

// refused fails unless Load refuses bin with a *ModuleError saying want.
func refused(t *testing.T, bin []byte, want string) {
	t.Helper()
	_, err := newHost(t, Options{}).Load(context.Background(), bin)
	var me *ModuleError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Load: %v; want a *ModuleError saying %q", err, want)
	}
	t.Log(err)
}

// typedRef is what the host says of a typed reference.
const typedRef = "a typed reference (0x63): only WebAssembly 2.0 is taken"

// replaceSection returns wasm with the body of its (first) section id
// replaced by body.
func replaceSection(t *testing.T, wasm []byte, id byte, body []byte) []byte {
	t.Helper()
	secs, err := manifest.Sections(wasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		if s.ID != id {
			continue
		}
		out := append([]byte(nil), wasm[:s.Offset]...)
		out = append(out, id)
		out = binary.AppendUvarint(out, uint64(len(body)))
		out = append(out, body...)
		return append(out, wasm[s.End:]...)
	}
	t.Fatalf("no section %d", id)
	return nil
}

// probeClean calls action "probe" n times and fails at the first call
// whose output "clean" is false.
func probeClean(t *testing.T, m *Module, n int, in map[string]value.Value) {
	t.Helper()
	for i := 0; i < n; i++ {
		out, err := m.Call(context.Background(), "probe", in)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if !value.Truth(out["clean"]) {
			t.Fatalf("call %d saw state an earlier call left (tracks %v, resettable %v %q)", i+1, m.tracks, m.scan.resettable, m.scan.why)
		}
	}
}

// TestTableInitialiserRefused: a table filled with the import random_get
// by the table's initialiser expression (0x40 0x00 reftype limits expr,
// not WebAssembly 2.0, and taken by wazero without a feature), which
// newTracking did not read: call_indirect through it wrote memory with no
// mark, and the next call saw the bytes. The host refuses the form.
func TestTableInitialiserRefused(t *testing.T) {
	bin := wat(t, "table_initialiser")
	// (table 1 funcref) -> (table 1 funcref (ref.func 0)), 0 the import random_get
	bin = replaceSection(t, bin, 4, []byte{1, 0x40, 0x00, 0x70, 0x00, 0x01, 0xD2, 0x00, 0x0B})
	refused(t, bin, "section 4: a table with an initialiser (0x40): only WebAssembly 2.0 is taken")
}

// TestSnapshotRaceReset: two first calls each make an instance and take
// a snapshot; the one stored is the first to finish, and the other
// instance, whose own snapshot was thrown away, is released with a reset
// of the chunks its call marked only (snapshot set whole = false for it).
// When the two initialisations differ (here: a caller whose context is
// already done gets an instance whose stagecraft_alloc(4096) was stopped,
// so a snapshot without the input buffer, while the other caller's
// succeeded and wrote memory), the loser's memory is never made the
// snapshot's: every later call on it sees what its initialisation wrote.
func TestSnapshotRaceReset(t *testing.T) {
	m := load(t, newHost(t, Options{}), wat(t, "snapshot_race"))
	if !m.tracks || !m.scan.resettable {
		t.Fatalf("tracks %v, resettable %v (%s)", m.tracks, m.scan.resettable, m.scan.why)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // B: its reserved buffer takes a while, and sets the flag
		defer wg.Done()
		m.Call(context.Background(), "probe", nil) // its own instance's state: not checked
	}()
	time.Sleep(20 * time.Millisecond) // B is in stagecraft_alloc(4096)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Call(ctx, "probe", nil); err == nil { // A: fails, but its snapshot is stored first
		t.Fatal("a call under a done context succeeded")
	}
	wg.Wait()
	m.pool.mu.Lock()
	snap, idle := m.pool.snap, len(m.pool.idle)
	var diff int = -1
	if idle == 1 {
		mem := m.pool.idle[0].mod.Memory()
		b, _ := mem.Read(0, mem.Size())
		if !bytes.Equal(b, snap.mem) {
			for diff = 0; b[diff] == snap.mem[diff]; diff++ {
			}
		}
	}
	m.pool.mu.Unlock()
	t.Logf("snapshot's input buffer %+v, idle instances %d, first byte differing from the snapshot %d", snap.in, idle, diff)
	probeClean(t, m, 3, nil)
}

// TestWriteWaysReset: ways of writing that writes.wat does not try
// (write_ways.wat lists them), at addresses around the boundaries of
// chunks of 8 KiB; every call must find the memory _initialize left, and
// every idle instance must be the snapshot. Calls that trap or exit are
// expected to fail, and the next call to be clean.
func TestWriteWaysReset(t *testing.T) {
	m := load(t, newHost(t, Options{}), wat(t, "write_ways"))
	if !m.tracks || !m.scan.resettable {
		t.Fatalf("tracks %v, resettable %v (%s)", m.tracks, m.scan.resettable, m.scan.why)
	}
	const chunk = 8192
	var ats []uint32
	for _, b := range []uint32{chunk, 5 * chunk, 21 * chunk} {
		ats = append(ats, b-17, b-16, b-15, b-9, b-8, b-4, b-3, b-1, b, b+1)
	}
	call := func(how, at uint32) (float64, error) {
		out, err := m.Call(context.Background(), "probe", map[string]value.Value{"how": value.NumberOf(float64(how)), "ad": value.NumberOf(float64(at))})
		return out["clean"].N, err
	}
	for how := uint32(0); how <= 20; how++ {
		for _, at := range ats {
			clean, err := call(how, at)
			fails := how == 13 || how == 14 || how == 15
			switch {
			case fails && err == nil:
				t.Errorf("how %d at %d: no error", how, at)
			case !fails && err != nil:
				t.Fatalf("how %d at %d: %v", how, at, err)
			case err == nil && clean != -1:
				t.Fatalf("how %d at %d: byte %v changed by an earlier call", how, at, clean)
			}
			if !fails && how != 0 && how != 9 && !writesOutside(t, m, how, at) {
				t.Errorf("how %d at %d: wrote nothing but the inputs and the reply: the attack tries nothing", how, at)
			}
			if clean, err := call(0, 0); err != nil || clean != -1 {
				t.Fatalf("after how %d at %d: the next call: clean %v, %v", how, at, clean, err)
			}
			idleSameAsSnapshot(t, m, "after the calls")
		}
	}
}

// writesOutside runs probe(how, at) on an instance and says whether the
// call changed memory outside its inputs (at 256) and its reply (from
// 0x30000 on): that the attack does write.
func writesOutside(t *testing.T, m *Module, how, at uint32) bool {
	t.Helper()
	ctx := context.Background()
	inst, err := m.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := m.man.Action("probe")
	in, err := encodeInputs(nil, a, map[string]value.Value{"how": value.NumberOf(float64(how)), "ad": value.NumberOf(float64(at))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inst.run(ctx, a, in, m.host.limits(ctx)); err != nil {
		t.Fatal(err)
	}
	mem := inst.mod.Memory()
	b, _ := mem.Read(0, mem.Size())
	snap := m.pool.snap.mem
	changed := false
	for i := range b {
		if b[i] != snap[i] && (i < 256 || i >= 256+len(in)) && i < 0x30000 {
			changed = true
			break
		}
	}
	m.release(inst, true)
	return changed
}

// patchBytes replaces the one occurrence of old in wasm by new (same
// length).
func patchBytes(t *testing.T, wasm, old, new []byte) []byte {
	t.Helper()
	if bytes.Count(wasm, old) != 1 || len(old) != len(new) {
		t.Fatalf("% x: %d occurrences", old, bytes.Count(wasm, old))
	}
	return bytes.Replace(wasm, old, new, 1)
}

// TestTypedSelectRefused: select (ref null 26), 1C 01 63 1A: wazero's
// validator reads 63 1A as the select's type, its compiler (wazevo
// frontend, state.pc += 2) reads 1A as the next instruction, a drop, and
// pops an empty stack: Load panicked, and the host process died. The host
// refuses the typed reference before wazero sees it (run in a child
// process, should it still die).
func TestTypedSelectRefused(t *testing.T) {
	bin := wat(t, "typedref_select")
	bin = patchBytes(t, bin, []byte{0x1C, 0x01, 0x7F, 0x01, 0x1A}, []byte{0x1C, 0x01, 0x63, 0x1A, 0x1A})
	if os.Getenv("ATTACK_CHILD") == "select" {
		h := newHost(t, Options{})
		if _, err := h.Load(context.Background(), bin); err != nil {
			fmt.Println("REFUSED:", err)
		} else {
			fmt.Println("LOADED")
		}
		return
	}
	out, finished := runChild(t, "TestTypedSelectRefused", "select", 60*time.Second)
	if !finished || strings.Contains(string(out), "panic:") {
		line, _, _ := strings.Cut(string(out[max(bytes.Index(out, []byte("panic:")), 0):]), "\n")
		t.Fatalf("Load of a %d-byte module killed the host process: %s", len(bin), line)
	}
	if !strings.Contains(string(out), "REFUSED: bad module: section 10: function 1: "+typedRef) {
		t.Fatalf("the child's output:\n%s", out)
	}
}

// runChild runs the test name in a child process with ATTACK_CHILD=child,
// for at most d: its output, and whether it finished in time.
func runChild(t *testing.T, name, child string, d time.Duration) ([]byte, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "ATTACK_CHILD="+child)
	out, _ := cmd.CombinedOutput()
	return out, ctx.Err() == nil
}

// TestTypedBlockTypeRefused: a block typed (ref null 63), 02 63 3F, which
// wazero reads as one block type of two bytes and the host's decoder read
// as a block type 63 and an instruction 3F: out of step, the host never
// saw the i32.store wazero runs (typedref_store.wat), and the next call
// saw its bytes. The host refuses the typed reference; the module with a
// block of no type is clean.
func TestTypedBlockTypeRefused(t *testing.T) {
	bin := wat(t, "typedref_store")
	probeClean(t, load(t, newHost(t, Options{}), bin), 3, nil)
	bin = patchBytes(t, bin,
		[]byte{0x02, 0x40, 0x41, 0x28, 0x41, 0x2A, 0x36, 0x02, 0x80, 0x80, 0x01, 0x0C, 0x01, 0x0B, 0x01, 0x01},
		[]byte{0x02, 0x63, 0x3F, 0x41, 0x28, 0x41, 0x2A, 0x36, 0x01, 0x80, 0x80, 0x01, 0x0C, 0x01, 0x0B, 0x1A})
	refused(t, bin, "function 1: "+typedRef)
}

// TestTypedBlockLoopRefused: the same step out of the host's decoder as
// TestTypedBlockTypeRefused (02 63 1C: the host read a typed select of 65
// types there) hid a loop: no test of $stop, no countdown. The call
// outlived CallTimeout forever, and the Go runtime's next collection
// waited for its thread for ever: the process stopped. The host refuses
// the typed reference. Run in a child process, killed after 20 s, should
// it load.
func TestTypedBlockLoopRefused(t *testing.T) {
	bin := wat(t, "typedref_loop")
	nops := bytes.Repeat([]byte{0x01}, 58)
	old := append(append([]byte{0x02, 0x40, 0x41, 0x00, 0x1A, 0x03, 0x40, 0x0C, 0x00, 0x0B}, nops...), 0x0C, 0x01, 0x0B, 0x01, 0x01)
	new := append(append([]byte{0x02, 0x63, 0x1C, 0x41, 0x00, 0x1A, 0x03, 0x40, 0x0C, 0x00, 0x0B}, nops...), 0x0C, 0x01, 0x0B, 0x1A)
	bin = patchBytes(t, bin, old, new)
	if os.Getenv("ATTACK_CHILD") == "hiddenloop" {
		m, err := newHost(t, Options{CallTimeout: 100 * time.Millisecond}).Load(context.Background(), bin)
		if err != nil {
			fmt.Println("REFUSED:", err)
			return
		}
		fmt.Printf("LOADED stops %v tracks %v\n", m.stops, m.tracks)
		go func() {
			for i := 0; ; i++ {
				time.Sleep(500 * time.Millisecond)
				fmt.Printf("TICK %d\n", i)
				runtime.GC()
			}
		}()
		_, err = m.Call(context.Background(), "spin", nil)
		fmt.Println("RETURNED:", err)
		return
	}
	out, finished := runChild(t, "TestTypedBlockLoopRefused", "hiddenloop", 20*time.Second)
	t.Logf("child's output:\n%s", out)
	if !finished || !strings.Contains(string(out), "RETURNED") && !strings.Contains(string(out), "REFUSED") {
		t.Fatalf("a call under CallTimeout 100 ms had not returned after 20 s (ticks: %d)", strings.Count(string(out), "TICK"))
	}
	if !strings.Contains(string(out), "REFUSED: bad module: section 10: function 1: "+typedRef) {
		t.Fatal("the module was not refused")
	}
}

// TestTypedBlockDataDropRefused: the decoder's step out hid a data.drop
// (typedref_datadrop.wat): the module was reset, not made anew, and the
// second call's memory.init of the dropped segment trapped. Refused; the
// module with a block of no type is clean.
func TestTypedBlockDataDropRefused(t *testing.T) {
	bin := wat(t, "typedref_datadrop")
	probeClean(t, load(t, newHost(t, Options{}), bin), 3, nil)
	bin = patchBytes(t, bin,
		[]byte{0x02, 0x40, 0x01, 0x01, 0x01, 0x01, 0x0C, 0x01, 0x0B, 0x01, 0x01},
		[]byte{0x02, 0x63, 0x1C, 0x01, 0xFC, 0x09, 0x00, 0x0C, 0x01, 0x0B, 0x1A})
	refused(t, bin, "function 1: "+typedRef)
}

// TestTypedGlobalRefused: a mutable global typed (ref null func) in the
// typed-reference form (63 70): the scan misread it as immutable, the
// host never restored it, and the next call saw what the call before set
// (typedref_global.wat). Refused; the global typed funcref is restored.
func TestTypedGlobalRefused(t *testing.T) {
	bin := wat(t, "typedref_global")
	probeClean(t, load(t, newHost(t, Options{}), bin), 3, nil)
	bin = replaceSection(t, bin, 6, []byte{1, 0x63, 0x70, 0x01, 0xD0, 0x70, 0x0B})
	refused(t, bin, "section 6: "+typedRef)
}

// TestTypedElementTypeRefused: an element segment typed (ref null func)
// in the typed-reference form (63 70) put random_get in the table without
// newTracking seeing it (typedref_elem.wat): unmarked writes. Refused.
func TestTypedElementTypeRefused(t *testing.T) {
	bin := wat(t, "typedref_elem")
	elem := []byte{1, 0x06, 0x00, 0x41, 0x00, 0x0B, 0x63, 0x70, 0x41, 0xD2, 0x00, 0x0B}
	for i := 0; i < 64; i++ {
		elem = append(elem, 0xD0, 0x70, 0x0B)
	}
	bin = replaceSection(t, bin, 9, elem)
	refused(t, bin, "section 9: "+typedRef)
}

// sizesWAT is a module whose memory starts at min pages and grows by grow
// more in _initialize, filled with the pattern i*31+7; its action checks
// all of memory but its inputs (clean: -1 or the first address that
// differs), then writes 16 bytes at "ad" one of three ways (how: 0
// i64.store x2, 1 v128.store, 2 memory.fill).
func sizesWAT(min, grow int) string {
	return fmt.Sprintf(`(module
  (memory (export "memory") %d)
  (func $pattern (param $i i32) (result i32)
    (i32.and (i32.add (i32.mul (local.get $i) (i32.const 31)) (i32.const 7)) (i32.const 255)))
  (func (export "_initialize")
    (local $i i32)
    (drop (memory.grow (i32.const %d)))
    (loop $fill
      (i32.store8 (local.get $i) (call $pattern (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))))
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 256))
  (func $number (param $p i32) (result i32 i32)
    (local $v i32) (local $c i32)
    (block $done
      (loop $more
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $done (i32.or (i32.lt_u (local.get $c) (i32.const 48)) (i32.gt_u (local.get $c) (i32.const 57))))
        (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $more)))
    (local.get $v) (local.get $p))
  (func $check (param $skip i32) (param $n i32) (result i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.mul (memory.size) (i32.const 65536)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (if (i32.and
              (i32.or (i32.lt_u (local.get $i) (local.get $skip))
                      (i32.ge_u (local.get $i) (i32.add (local.get $skip) (local.get $n))))
              (i32.ne (i32.load8_u (local.get $i)) (call $pattern (local.get $i))))
          (then (return (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const -1))
  (func $putn (param $p i32) (param $v i32) (result i32)
    (if (i32.lt_s (local.get $v) (i32.const 0))
      (then
        (i32.store16 (local.get $p) (i32.const 0x312D))
        (return (i32.add (local.get $p) (i32.const 2)))))
    (if (i32.ge_u (local.get $v) (i32.const 10))
      (then (local.set $p (call $putn (local.get $p) (i32.div_u (local.get $v) (i32.const 10))))))
    (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
    (i32.add (local.get $p) (i32.const 1)))
  (data $head "{\"outputs\":{\"clean\":")
  (func (export "action_probe") (param $ptr i32) (param $len i32) (result i64)
    (local $how i32) (local $at i32) (local $p i32) (local $clean i32) (local $out i32)
    (local.set $clean (call $check (local.get $ptr) (local.get $len)))
    (call $number (i32.add (local.get $ptr) (i32.const 7)))
    (local.set $p)
    (local.set $how)
    (call $number (i32.add (local.get $p) (i32.const 6)))
    (drop)
    (local.set $at)
    (block $end (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 (local.get $how)))
      (i64.store (local.get $at) (i64.const -1))
      (i64.store offset=8 (local.get $at) (i64.const -1))
      (br $end))
      (v128.store (local.get $at) (v128.const i64x2 -1 -1))
      (br $end))
      (memory.fill (local.get $at) (i32.const 0xFF) (i32.const 16)))
    (local.set $out (i32.const 512))
    (memory.init $head (local.get $out) (i32.const 0) (i32.const 20))
    (local.set $p (call $putn (i32.add (local.get $out) (i32.const 20)) (local.get $clean)))
    (i32.store16 (local.get $p) (i32.const 0x7D7D))
    (local.set $p (i32.add (local.get $p) (i32.const 2)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
            (i64.extend_i32_u (i32.sub (local.get $p) (local.get $out))))))
`, min, grow)
}

// TestResetMemorySizes: memories of 1 page, of 0 pages grown to 1 and
// to 3 in _initialize (instances made from the snapshot grow at their
// first reset), of 3 grown to 8, and of 256 pages (the 16 MiB limit):
// writes of 16 bytes that end at, cross or start at every chunk boundary
// near the start, the middle and the end, and at the memory's last 16
// bytes, are all undone, on instances old and new (two goroutines).
func TestResetMemorySizes(t *testing.T) {
	bin := need(t, "wat2wasm", "apt-get install wabt")
	man := `{"abi":1,"name":"sizes","version":"1","actions":[{"name":"probe","inputs":[{"name":"how","type":"number"},{"name":"ad","type":"number"}],"outputs":[{"name":"clean","type":"number"}]}]}`
	h := newHost(t, Options{CallTimeout: time.Minute})
	for _, c := range []struct{ min, grow int }{{1, 0}, {0, 1}, {0, 3}, {3, 5}, {256, 0}} {
		dir := t.TempDir()
		src, out := dir+"/m.wat", dir+"/m.wasm"
		if err := os.WriteFile(src, []byte(sizesWAT(c.min, c.grow)), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := exec.Command(bin, "--enable-all", src, "-o", out).CombinedOutput(); err != nil {
			t.Fatalf("%s", b)
		}
		plain, _ := os.ReadFile(out)
		mod, err := Embed(plain, []byte(man))
		if err != nil {
			t.Fatal(err)
		}
		m := load(t, h, mod)
		size := uint64(c.min+c.grow) << 16
		chunk := uint64(1) << chunkShift(size)
		var ats []uint64
		for _, k := range []uint64{1, 2, size / chunk / 2, size/chunk - 1} {
			for _, d := range []int64{-16, -15, -9, -1, 0, 1} {
				if at := int64(k*chunk) + d; at >= 1024 && uint64(at)+16 <= size {
					ats = append(ats, uint64(at))
				}
			}
		}
		ats = append(ats, size-16)
		var wg sync.WaitGroup
		for g := 0; g < 2; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i, at := range ats {
					for how := 0; how < 3; how++ {
						out, err := m.Call(context.Background(), "probe", map[string]value.Value{"how": value.NumberOf(float64(how)), "ad": value.NumberOf(float64(at))})
						if err != nil {
							t.Errorf("min %d grow %d, how %d at %d: %v", c.min, c.grow, how, at, err)
							return
						}
						if out["clean"].N != -1 {
							t.Errorf("min %d grow %d (chunk %d), call %d: byte %v changed by an earlier call", c.min, c.grow, chunk, i, out["clean"].N)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		idleSameAsSnapshot(t, m, fmt.Sprintf("min %d grow %d", c.min, c.grow))
	}
}

// TestWriteWaysConcurrent: write_ways's writes from 8 goroutines on
// one module (instances shared through the pool, traps and exits among
// them): every call that succeeds finds a clean memory. Run with -race.
func TestWriteWaysConcurrent(t *testing.T) {
	m := load(t, newHost(t, Options{CallTimeout: time.Minute}), wat(t, "write_ways"))
	const chunk = 8192
	ats := []uint32{chunk - 16, chunk - 1, 5*chunk - 8, 5 * chunk, 21*chunk - 3}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 80; i++ {
				how, at := uint32((g*3+i)%21), ats[(g+i)%len(ats)]
				out, err := m.Call(context.Background(), "probe", map[string]value.Value{"how": value.NumberOf(float64(how)), "ad": value.NumberOf(float64(at))})
				fails := how == 13 || how == 14 || how == 15
				if fails != (err != nil) {
					t.Errorf("how %d at %d: %v", how, at, err)
					return
				}
				if err == nil && out["clean"].N != -1 {
					t.Errorf("how %d at %d: byte %v changed by an earlier call", how, at, out["clean"].N)
					return
				}
			}
		}()
	}
	wg.Wait()
	idleSameAsSnapshot(t, m, "after the calls")
}

// TestCompilePanicRecovered: a panic of wazero's while it compiles a
// module (as the typed select made wazero 1.12's compiler panic) is a
// *ModuleError of Load, not the end of the process.
func TestCompilePanicRecovered(t *testing.T) {
	bin := wat(t, "counter")
	saved := wazeroCompile
	defer func() { wazeroCompile = saved }()
	wazeroCompile = func(context.Context, wazero.Runtime, []byte) (wazero.CompiledModule, error) {
		panic("a test's panic")
	}
	refused(t, bin, "wazero failed compiling the module: a test's panic")
}

// TestElementFormsTracked: with a table's initialiser refused, a table
// gets functions from element segments only, and newTracking reads all
// eight forms of them: a segment holding the import random_get (by index
// or by ref.func, after a ref.null) makes the module untracked, one
// holding a function of the module's own does not.
func TestElementFormsTracked(t *testing.T) {
	section := func(id byte, body ...byte) []byte {
		return append([]byte{id, byte(len(body))}, body...)
	}
	imp := append([]byte{1, byte(len(wasiModule))}, wasiModule...)
	imp = append(append(imp, byte(len("random_get"))), "random_get"...)
	imp = append(imp, 0, 0)
	for flags, seg := range [][]byte{
		{0x00, 0x41, 0x00, 0x0B, 0x01, 0xFF},
		{0x01, 0x00, 0x01, 0xFF},
		{0x02, 0x0B, 0x41, 0x00, 0x0B, 0x00, 0x01, 0xFF}, // table 11, 0x0B: read as an end, were it not read as a table
		{0x03, 0x00, 0x01, 0xFF},
		{0x04, 0x41, 0x00, 0x0B, 0x02, 0xD0, 0x70, 0x0B, 0xD2, 0xFF, 0x0B},
		{0x05, 0x70, 0x02, 0xD0, 0x70, 0x0B, 0xD2, 0xFF, 0x0B},
		{0x06, 0x0B, 0x41, 0x00, 0x0B, 0x70, 0x02, 0xD0, 0x70, 0x0B, 0xD2, 0xFF, 0x0B},
		{0x07, 0x70, 0x02, 0xD0, 0x70, 0x0B, 0xD2, 0xFF, 0x0B},
	} {
		for fn, writes := range []bool{true, false} { // function 0 the import, 1 the module's
			s := bytes.Replace(seg, []byte{0xFF}, []byte{byte(fn)}, 1)
			wasm := []byte("\x00asm\x01\x00\x00\x00")
			wasm = append(wasm, section(1, 1, 0x60, 2, 0x7F, 0x7F, 1, 0x7F)...)
			wasm = append(wasm, section(2, imp...)...)
			wasm = append(wasm, section(3, 1, 0)...)
			wasm = append(wasm, section(4, 1, 0x70, 0x00, 0x02)...)
			wasm = append(wasm, section(9, append([]byte{1}, s...)...)...)
			secs, err := manifest.Sections(wasm)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkCounts(wasm); err != nil {
				t.Fatalf("flags %d: %v", flags, err)
			}
			track, err := newTracking(secs)
			if writes != (track == nil) {
				t.Errorf("flags %d, function %d: tracked %v (%v)", flags, fn, track != nil, err)
			}
		}
	}
}

// TestPost2Refused: an instruction of a proposal past WebAssembly 2.0 is
// refused with the spec's words and the proposal's name, so that the
// author knows what to drop: clang emits atomics (0xFE) for C11's
// <stdatomic.h> with -matomics, which was refused as "opcode 0xfe".
func TestPost2Refused(t *testing.T) {
	bin := watText(t, `{"abi":1,"name":"atomics","version":"1","actions":[{"name":"run","outputs":[{"name":"n","type":"number"}]}]}`, `(module
  (memory (export "memory") 1)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64)
    (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
    (i64.const 0)))`)
	refused(t, bin, "opcode 0xfe (atomics, of the threads proposal: build without -matomics and -pthread; a call runs on one thread): only WebAssembly 2.0 is taken")
}

// TestEnvImportHints: an import from "env" is what a toolchain makes of
// a function declared and not defined; the refusal says what to do for
// any toolchain, and for env.log, the host's log imported from the wrong
// module, how to import it from "stagecraft" in C too (the hint spoke of
// AssemblyScript only).
func TestEnvImportHints(t *testing.T) {
	h := newHost(t, Options{})
	envLog := watText(t, `{"abi":1,"name":"envlog","version":"1","actions":[{"name":"run","outputs":[{"name":"n","type":"number"}]}]}`, `(module
  (import "env" "log" (func (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64) (i64.const 0)))`)
	for _, c := range []struct {
		name string
		bin  []byte
		want []string
	}{
		{"env.log", envLog, []string{`the host's log is "stagecraft"."log"`, `C: __attribute__((import_module("stagecraft"), import_name("log")))`, `AssemblyScript: @external("stagecraft", "log")`}},
		{"env.clock", wat(t, "clock"), []string{"define the function in the module", "AssemblyScript's abort build with --use abort=NAME"}},
	} {
		_, err := h.Load(context.Background(), c.bin)
		var ie *ImportError
		if !errors.As(err, &ie) {
			t.Errorf("%s: %v, want an ImportError", c.name, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v\ndoes not say %q", c.name, err, w)
			}
		}
	}
}
