package wasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// checkWeights verifies, for every function of the instrumented module,
// that the rewrite only inserted checks and marks (with them taken out,
// the body is the original's byte for byte), that a check opens every
// function and every loop's body, that every store, bulk memory write and
// call of an import that writes memory has its marks around it (track.go;
// nothing between a write and its mark), and that every check is charged
// at least its own cost and the most instructions the function can run
// after it before the next check or its return (and the code after a call
// at most tailWeight: the function's end), every instruction counting what
// opCost says (1 at least) and its marks one a piece, and no more than
// maxWeight and one instruction. The longest path is computed here on its
// own, from the instrumented code.
func checkWeights(t *testing.T, name string, orig, ibin []byte) {
	t.Helper()
	code := func(bin []byte) []byte {
		secs, err := manifest.Sections(bin)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secs {
			if s.ID == 10 {
				return s.Body
			}
		}
		return nil
	}
	stop, budget, yield := hostIndexes(t, ibin)
	cc := newCheckCode(stop, budget, yield)
	var track *tracking
	if dirty := exportIndex(t, ibin, dirtyExport); dirty >= 0 {
		secs, _ := manifest.Sections(orig)
		tr, err := newTracking(secs)
		if err != nil {
			t.Fatalf("%s: tracked, but: %v", name, err)
		}
		if exportIndex(t, ibin, shiftExport) != dirty+1 || dirty != int64(budget)+1 {
			t.Fatalf("%s: $dirty is global %d and $shift %d, want %d and %d", name, dirty, exportIndex(t, ibin, shiftExport), budget+1, budget+2)
		}
		track, tr.dirty = tr, uint32(dirty)
	}
	or, ir := &reader{b: code(orig)}, &reader{b: code(ibin)}
	n := or.leb()
	if ir.leb() != n+1 {
		t.Fatalf("%s: not one function more", name)
	}
	for f := uint32(0); f < n; f++ {
		osz, isz := or.leb(), ir.leb()
		obody, ibody := or.b[:osz], ir.b[:isz]
		or.b, ir.b = or.b[osz:], ir.b[isz:]
		if err := verifyFunction(obody, ibody, cc, track, f); err != nil {
			t.Fatalf("%s: function %d: %v", name, f, err)
		}
	}
	if !bytes.Equal(ir.b, yieldBody(stop, budget)) {
		t.Fatalf("%s: the last function is not $yield", name)
	}
}

// hostIndexes are the indexes of what the rewrite added: the stop
// global, the budget global, and the function $yield, the module's last.
func hostIndexes(t testing.TB, ibin []byte) (stop, budget, yield uint32) {
	t.Helper()
	secs, _ := manifest.Sections(ibin)
	var funcs uint32
	for _, s := range secs {
		r := &reader{b: s.Body}
		switch s.ID {
		case 2:
			_, funcs = importedCounts(r)
		case 3:
			funcs += r.leb()
		}
	}
	stop = uint32(exportIndex(t, ibin, stopExport))
	return stop, stop + 1, funcs - 1
}

// exportIndex is the index of the global exported as name, or -1.
func exportIndex(t testing.TB, bin []byte, name string) int64 {
	secs, _ := manifest.Sections(bin)
	for _, s := range secs {
		if s.ID != 7 {
			continue
		}
		r := &reader{b: s.Body}
		for i := r.leb(); i > 0; i-- {
			n := string(r.b[:r.leb()])
			r.skip(len(n))
			kind, idx := r.byte(), r.leb()
			if n == name && kind == 3 {
				return int64(idx)
			}
		}
	}
	if name == stopExport {
		t.Fatal("no stop export")
	}
	return -1
}

type vinstr struct {
	op    byte
	cost  int64 // opCost, and the marks'
	check int64 // the weight of the check before it, -1: none
	depth []uint32
}

// verifyFunction walks the original body and the instrumented one
// together: before each original instruction, the instrumented one may
// have a check; then it must have the instruction with exactly the marks
// that track says it needs (none when track is nil), and its declarations
// must be the original's and the marks' locals.
func verifyFunction(obody, ibody []byte, cc checkCode, track *tracking, f uint32) error {
	r, o := &reader{b: ibody}, &reader{b: obody}
	for j := r.leb(); j > 0; j-- {
		r.leb()
		r.leb()
	}
	idecl := ibody[:len(ibody)-len(r.b)]
	var declared uint64
	for j := o.leb(); j > 0; j-- {
		declared += uint64(o.leb())
		o.leb()
	}
	odecl := obody[:len(obody)-len(o.b)]
	var k marker
	if track != nil {
		k = marker{dirty: track.dirty, shift: track.dirty + 1, base: uint32(declared) + track.params[f]}
	}
	var ins []vinstr
	var before [2][]byte // the two original instructions before
	pending := int64(-1)
	for len(o.b) > 0 {
		if bytes.HasPrefix(r.b, cc.head) {
			w := &reader{b: r.b[len(cc.head):]}
			weight := w.leb()
			if !bytes.HasPrefix(w.b, cc.tail) {
				return errors.New("a broken check")
			}
			if pending >= 0 {
				return errors.New("two checks in a row")
			}
			pending = int64(weight)
			r.b = w.b[len(cc.tail):]
			continue
		}
		op := wop{cost: opCost(o.b)}
		if track != nil {
			track.mark(&op, o.b, before)
		}
		in := vinstr{op: o.b[0], cost: int64(op.cost), check: pending}
		pending = -1
		imm := &reader{b: o.b[1:]}
		switch in.op {
		case 0x0C, 0x0D:
			in.depth = []uint32{imm.leb()}
		case 0x0E:
			for k := imm.leb() + 1; k > 0; k-- {
				in.depth = append(in.depth, imm.leb())
			}
		}
		at := len(o.b)
		o.instr()
		if o.err != nil {
			return errors.New(o.why)
		}
		want := k.after(append(k.before(nil, &op), obody[len(obody)-at:len(obody)-len(o.b)]...), &op)
		if !bytes.HasPrefix(r.b, want) {
			return fmt.Errorf("instruction %d (opcode 0x%02x) is not the original with its marks", len(ins), in.op)
		}
		r.b = r.b[len(want):]
		ins = append(ins, in)
		before = [2][]byte{before[1], obody[len(obody)-at:]}
	}
	if len(r.b) != 0 {
		return errors.New("code after the original's end")
	}
	if !bytes.Equal(idecl, k.locals(odecl)) {
		return errors.New("the declarations are not the original's and the marks' locals")
	}
	// The blocks: for each instruction, the innermost block it is in (an
	// else or an end: its own block; the function's block is -1), and
	// each block's start, else and end.
	type block struct{ start, els, end, parent int }
	var blocks []block
	in, started := make([]int, len(ins)), make([]int, len(ins))
	cur := -1
	for i, x := range ins {
		in[i] = cur
		switch x.op {
		case 0x02, 0x03, 0x04:
			blocks = append(blocks, block{start: i, els: -1, end: -1, parent: cur})
			cur = len(blocks) - 1
			started[i] = cur
			if x.op == 0x03 && (i+1 >= len(ins) || ins[i+1].check < 0) {
				return fmt.Errorf("the loop at instruction %d has no check", i)
			}
		case 0x05:
			blocks[cur].els = i
		case 0x0B:
			if cur >= 0 {
				blocks[cur].end = i
				cur = blocks[cur].parent
			}
		}
	}
	if len(ins) == 0 || ins[0].check < 0 {
		return errors.New("no check at the start")
	}
	// dist(i) is the most instructions the function runs from its i-th
	// on, before it runs a check or returns; reach(i) the same when the
	// control comes to i from elsewhere (a check before i then runs).
	memo := make([]int64, len(ins))
	for i := range memo {
		memo[i] = -1
	}
	var dist func(i int) int64
	reach := func(i int) int64 {
		if i >= len(ins) || ins[i].check >= 0 {
			return 0
		}
		return dist(i)
	}
	branch := func(i int, depth uint32) int64 {
		b := in[i]
		for ; depth > 0 && b >= 0; depth-- {
			b = blocks[b].parent
		}
		switch {
		case b < 0: // returns
			return 0
		case ins[blocks[b].start].op == 0x03: // the loop's check (above)
			return 0
		}
		return reach(blocks[b].end + 1)
	}
	dist = func(i int) int64 {
		if memo[i] >= 0 {
			return memo[i]
		}
		var d int64
		switch x := ins[i]; x.op {
		case 0x0C:
			d = branch(i, x.depth[0])
		case 0x0D:
			d = max(branch(i, x.depth[0]), reach(i+1))
		case 0x0E:
			for _, dp := range x.depth {
				d = max(d, branch(i, dp))
			}
		case 0x04:
			b := blocks[started[i]]
			if b.els >= 0 {
				d = max(reach(i+1), reach(b.els+1))
			} else {
				d = max(reach(i+1), reach(b.end+1))
			}
		case 0x05:
			d = reach(blocks[in[i]].end + 1)
		case 0x00, 0x0F, 0x12, 0x13: // out of the function
		default:
			d = reach(i + 1)
		}
		memo[i] = d + ins[i].cost
		return memo[i]
	}
	for i, x := range ins {
		if (x.op == 0x10 || x.op == 0x11) && reach(i+1) > tailWeight {
			return fmt.Errorf("the call at instruction %d is followed by %d units and no check", i, reach(i+1))
		}
		if x.check < 0 {
			continue
		}
		if need := checkCost + dist(i); x.check < need {
			return fmt.Errorf("the check before instruction %d (opcode 0x%02x) is charged %d, the code it covers needs %d", i, x.op, x.check, need)
		}
		// One instruction past maxWeight: the dearest, a bulk memory
		// write with its marks.
		if x.check > maxWeight+checkCost+bulkCost+5+markRangeCost {
			return fmt.Errorf("the check before instruction %d is charged %d, more than maxWeight", i, x.check)
		}
	}
	return nil
}

// Every check is charged at least the code it covers, in every module of
// the tests and the examples and in modules made of long straight-line
// code, and the rewrite only inserts checks.
func TestCheckWeights(t *testing.T) {
	mods := map[string][]byte{}
	files, err := filepath.Glob("testdata/*.wat")
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/*.wat: %d files, %v", len(files), err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".wat")
		mods[name] = wat(t, name)
	}
	for _, dir := range []string{"wat", "assemblyscript", "go"} {
		mods["example "+dir] = example(t, dir)
	}
	mods["big loop"], _ = bigLoopModule(t, 15000, 3)
	mods["big function"], _ = bigStraightModule(t, 50000, 3)
	for name, bin := range mods {
		rw, err := instrument(bin)
		if err != nil {
			if name != "ownstop" {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		checkWeights(t, name, bin, rw.bin)
	}
}

// A loop whose body is 60,000 instructions of straight-line code, and a
// function of 200,000 with no loop, compute what they computed before
// the rewrite; run for ever, the first is stopped at the call's deadline.
func TestLongStraightLineCode(t *testing.T) {
	h := newHost(t, Options{CallTimeout: 100 * time.Millisecond})
	for _, c := range []struct {
		name string
		make func(testing.TB, int, int) ([]byte, int)
		n    int
	}{{"big loop", bigLoopModule, 15000}, {"big function", bigStraightModule, 50000}} {
		bin, want := c.make(t, c.n, 5)
		m := load(t, h, bin)
		if !m.stops {
			t.Fatalf("%s: not instrumented", c.name)
		}
		out, err := m.Call(context.Background(), "run", nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := out["n"]; !value.Equal(got, value.NumberOf(float64(want))) {
			t.Errorf("%s: n = %v, want %d", c.name, got, want)
		}
	}
	bin, _ := bigLoopModule(t, 15000, 0)
	var le *LimitError
	if _, err := load(t, h, bin).Call(context.Background(), "run", nil); !errors.As(err, &le) || le.Limit != LimitTime {
		t.Fatalf("err = %v, want a time limit", err)
	}
}

// checksOf returns the weights of the checks of each function of an
// instrumented module, in order.
func checksOf(t testing.TB, ibin []byte) [][]uint32 {
	secs, _ := manifest.Sections(ibin)
	var code []byte
	for _, s := range secs {
		if s.ID == 10 {
			code = s.Body
		}
	}
	cc := newCheckCode(hostIndexes(t, ibin))
	r := &reader{b: code}
	var out [][]uint32
	for n := r.leb() - 1; n > 0; n-- { // not $yield, the last
		size := r.leb()
		body := &reader{b: r.b[:size]}
		r.b = r.b[size:]
		for j := body.leb(); j > 0; j-- {
			body.leb()
			body.leb()
		}
		var ws []uint32
		for len(body.b) > 0 && body.err == nil {
			if bytes.HasPrefix(body.b, cc.head) {
				w := &reader{b: body.b[len(cc.head):]}
				ws = append(ws, w.leb())
				body.b = w.b[len(cc.tail):]
				continue
			}
			body.instr()
		}
		if body.err != nil {
			t.Fatal(body.why)
		}
		out = append(out, ws)
	}
	return out
}

// BenchmarkUnitCost is what one unit of a check's weight costs (ns-per-unit)
// in loops made of what is cheap for the weights and dear for the machine:
// loads that miss the caches (a chase through 16 MiB of memory), 64-bit
// divisions, a loop of nothing, a loop of calls. $budget gives Go a visit
// every yieldEvery units: yieldEvery × ns-per-unit is the longest a module
// of that kind keeps Go waiting. Run with:
//
//	go test ./runtime/wasm -run '^$' -bench BenchmarkUnitCost -benchtime 20x
func BenchmarkUnitCost(b *testing.B) {
	rep := func(s string, n int) string { return strings.Repeat(s+"\n", n) }
	for _, c := range []struct {
		name, body string
		iterations int
	}{
		{"chase", rep("(local.set $p (i32.load (local.get $p)))", 64), 5000},
		{"div", rep("(local.set $a (i64.div_u (local.get $a) (local.get $b)))", 64), 20000},
		{"nothing", "", 1000000},
		{"calls", "(call $e)", 1000000},
	} {
		b.Run(c.name, func(b *testing.B) {
			text := fmt.Sprintf(`(module
  (memory (export "memory") 257)
  (data (i32.const 0x1000000) "{\"outputs\":{\"n\":1}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func $e)
  (func (export "_initialize")
    (local $i i32)
    ;; mem[4i] = 4 next(i), next a full-period LCG on 2^22 words
    (loop $l
      (i32.store (i32.shl (local.get $i) (i32.const 2))
        (i32.shl (i32.and (i32.add (i32.mul (local.get $i) (i32.const 1664525)) (i32.const 1013904223)) (i32.const 0x3fffff)) (i32.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 0x400000)))))
  (func (export "action_run") (param i32 i32) (result i64)
    (local $i i32) (local $p i32) (local $a i64) (local $b i64)
    (local.set $a (i64.const 0x7fffffffffffffff))
    (local.set $b (i64.const 1))
    (loop $l
      %s
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const %d))))
    (i32.store (i32.const 0x1000100) (i32.add (local.get $p) (i32.wrap_i64 (local.get $a))))
    (i64.const 0x0100000000000013)))
`, c.body, c.iterations)
			bin := watText(b, bigManifest, text)
			rw, err := instrument(bin)
			if err != nil {
				b.Fatal(err)
			}
			ws := checksOf(b, rw.bin)
			run := ws[len(ws)-1]
			units := 0
			for _, w := range run[1 : len(run)-1] { // the loop's checks, not the function's, nor the one after the loop
				units += int(w)
			}
			if c.name == "calls" {
				units += int(ws[1][0]) // $e's
			}
			m := load(b, newHost(b, Options{MemoryPages: 257, CallTimeout: time.Minute}), bin)
			for b.Loop() {
				if _, err := m.Call(context.Background(), "run", nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.iterations)/float64(units), "ns-per-unit")
			b.ReportMetric(float64(units), "units-per-iteration")
		})
	}
}

// TestBulkCost: an instruction of bulk memory or tables, whose time grows
// with a length known only when it runs, is charged an eighth of a visit's
// budget, so that at most eight run between two visits to Go (a loop of
// 16 MiB copies, charged as a load, ran seconds past its deadline).
func TestBulkCost(t *testing.T) {
	for sub, want := range map[byte]uint32{
		8: bulkCost, 10: bulkCost, 11: bulkCost, 12: bulkCost, 14: bulkCost, 15: bulkCost, 17: bulkCost, // init, copy, fill, grow
		9: memCost, 13: memCost, 16: memCost, // drops, table.size
		0: 1, 7: 1, // saturating truncations
	} {
		if got := opCost([]byte{0xFC, sub, 0, 0}); got != want {
			t.Errorf("0xFC %d: charged %d, want %d", sub, got, want)
		}
	}
	if 8*bulkCost < yieldEvery {
		t.Errorf("bulkCost %d: more than eight bulk instructions could run between two visits", bulkCost)
	}
}
