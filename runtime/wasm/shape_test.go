package wasm

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// Modules of a pathological shape (shape.go), written in binary: a module
// with stagecraft_alloc (function 0) and action_act (function 1), whose
// code is body, and the others of extra.

func uleb(n int) []byte {
	var out []byte
	for {
		b := byte(n & 0x7f)
		if n >>= 7; n == 0 {
			return append(out, b)
		}
		out = append(out, b|0x80)
	}
}

func section(id byte, items ...[]byte) []byte {
	body := uleb(len(items))
	for _, it := range items {
		body = append(body, it...)
	}
	return append(append([]byte{id}, uleb(len(body))...), body...)
}

func funcBody(code []byte) []byte {
	b := append(append([]byte{0}, code...), 0x0B) // no locals, code, end
	return append(uleb(len(b)), b...)
}

func repeat(b []byte, n int) []byte { return []byte(strings.Repeat(string(b), n)) }

const shapeManifest = `{"abi":1,"name":"shape","version":"1","actions":[{"name":"act","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}`

// shapeModule is a module whose action's code is body (ending in an i64
// on the stack), with extra functions of type () -> () (functions 2...).
func shapeModule(t testing.TB, body []byte, extra ...[]byte) []byte {
	t.Helper()
	funcs := [][]byte{{0}, {1}}
	codes := [][]byte{funcBody([]byte{0x41, 0x80, 0x20}), funcBody(body)}
	for _, e := range extra {
		funcs, codes = append(funcs, []byte{2}), append(codes, funcBody(e))
	}
	str := func(s string) []byte { return append(uleb(len(s)), s...) }
	b := []byte("\x00asm\x01\x00\x00\x00")
	b = append(b, section(1, []byte{0x60, 1, 0x7F, 1, 0x7F}, []byte{0x60, 2, 0x7F, 0x7F, 1, 0x7E}, []byte{0x60, 0, 0})...)
	b = append(b, section(3, funcs...)...)
	b = append(b, section(5, []byte{0, 2})...)
	b = append(b, section(7, append(str("memory"), 2, 0), append(str("stagecraft_alloc"), 0, 0), append(str("action_act"), 0, 1))...)
	b = append(b, section(10, codes...)...)
	mod, err := Embed(b, []byte(shapeManifest))
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

var (
	i64Zero = []byte{0x42, 0}
	// nested is n blocks of the opcode op (0x02 block, 0x03 loop) nested.
	nested = func(op byte, n int) []byte {
		return append(append(repeat([]byte{op, 0x40}, n), repeat([]byte{0x0B}, n)...), i64Zero...)
	}
)

// TestShapeLimits: the reporter's modules (spec/wasm.md, Limits), each a
// few KB that held wazero's compiler for seconds to minutes, are refused
// at Load within milliseconds, naming the function and the limit, and
// wazero never sees them.
func TestShapeLimits(t *testing.T) {
	saved := wazeroCompile
	t.Cleanup(func() { wazeroCompile = saved })
	compiled := false
	wazeroCompile = func(ctx context.Context, rt wazero.Runtime, bin []byte) (wazero.CompiledModule, error) {
		compiled = true
		return saved(ctx, rt, bin)
	}
	brTable := func(n int) []byte { // a br_table of n labels, all to one block
		b := append([]byte{0x02, 0x40, 0x41, 0, 0x0E}, uleb(n-1)...)
		return append(append(append(b, repeat([]byte{0}, n)...), 0x0B), i64Zero...)
	}
	const under = 2400 // blocks in a row, each with a br_if to its end: a branchWork of 14.4M, under a function's limit
	flat := append(repeat([]byte{0x02, 0x40, 0x41, 0, 0x0D, 0, 0x0B}, under), i64Zero...)
	for _, c := range []struct {
		name  string
		mod   []byte
		want  string
		wazer string // what it cost wazero before (the reporter's figures, or measured here)
	}{
		{"nested loops x4000", shapeModule(t, nested(0x03, 4000)), "function 1: loops nested 501 deep, at most 500", "7.3 s"},
		{"nested loops x10000", shapeModule(t, nested(0x03, 10000)), "function 1: loops nested 501 deep", "> 90 s"},
		{"nested blocks x10000", shapeModule(t, nested(0x02, 10000)), "function 1: its branches would cost the compiler", "~1 s"},
		{"nested blocks x200000", shapeModule(t, nested(0x02, 200000)), "function 1: blocks, loops and ifs nested 10001 deep, at most 10000", "> 10 min"},
		{"sequential blocks x20000", shapeModule(t, append(repeat([]byte{0x02, 0x40, 0x41, 0, 0x0D, 0, 0x0B}, 20000), i64Zero...)), "function 1: its branches would cost the compiler", "6 s"},
		{"sequential loops x4000", shapeModule(t, append(repeat([]byte{0x03, 0x40, 0x0B}, 4000), i64Zero...)), "function 1: its branches would cost the compiler", "3.2 s"},
		{"br_table of 300000 labels", shapeModule(t, brTable(300000)), "function 1: a br_table of 300000 labels, at most 32768", "31.7 s, 743 MB"},
		{"br_table of 30000 labels to one block", shapeModule(t, brTable(30000)), "function 1: its branches would cost the compiler", "0.4 s"},
		{"nine functions, each under the limit", shapeModule(t, i64Zero, flat, flat, flat, flat, flat, flat, flat, flat, flat), "function 10: the module's branches, up to this function, would cost", "~2 s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			compiled = false
			start := time.Now()
			_, err := newHost(t, Options{}).Load(context.Background(), c.mod)
			took := time.Since(start)
			var me *ModuleError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "(spec/wasm.md, Limits)") {
				t.Fatalf("Load: %v; want a *ModuleError saying %q", err, c.want)
			}
			if compiled {
				t.Error("wazero compiled it: the limit must refuse it before")
			}
			if took > time.Second { // ~1-60 ms: decoded once, nothing compiled
				t.Errorf("refused after %v", took)
			}
			t.Logf("%d bytes, refused in %v (wazero took %s): %v", len(c.mod), took.Round(time.Millisecond), c.wazer, err)
		})
	}
}

// TestShapeWithinLimits: the same shapes, within the limits, load, and
// fast: the limits leave nothing that holds wazero for long.
func TestShapeWithinLimits(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  []byte
	}{
		{"nested loops x500", shapeModule(t, nested(0x03, 500))},
		{"nested blocks x2000", shapeModule(t, nested(0x02, 2000))},
		{"sequential blocks x2400 (a branchWork of 14.4M)", shapeModule(t, append(repeat([]byte{0x02, 0x40, 0x41, 0, 0x0D, 0, 0x0B}, 2400), i64Zero...))},
		{"sequential blocks x4800 (a branchWork of 57.6M, near the limit)", shapeModule(t, append(repeat([]byte{0x02, 0x40, 0x41, 0, 0x0D, 0, 0x0B}, 4800), i64Zero...))},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			m, err := newHost(t, Options{}).Load(context.Background(), c.mod)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Call(context.Background(), "act", nil); err == nil || !strings.Contains(err.Error(), "bad reply") {
				t.Fatalf("call: %v, want a bad reply (the action returns 0)", err)
			}
			if took > 3*time.Second { // 0.1-0.3 s on 2 cores
				t.Errorf("loaded in %v", took)
			}
			t.Logf("loaded in %v", took.Round(time.Millisecond))
		})
	}
}

// shapeMaxima walks a module's functions as checkCounts does: the deepest
// nesting of blocks, of loops, and the largest br_table.
func shapeMaxima(t *testing.T, wasm []byte) (nesting, loops, brTable int) {
	secs, err := manifest.Sections(wasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		if s.ID != 10 {
			continue
		}
		r := &reader{b: s.Body}
		for n := r.leb(); n > 0; n-- {
			size := int(r.leb())
			fn := &reader{b: r.b[:size]}
			r.skip(size)
			for l := fn.leb(); l > 0; l-- {
				fn.leb()
				fn.valType()
			}
			var open []bool
			inLoops := 0
			for fn.err == nil && len(fn.b) > 0 {
				switch fn.b[0] {
				case 0x02, 0x03, 0x04:
					open = append(open, fn.b[0] == 0x03)
					if fn.b[0] == 0x03 {
						inLoops++
					}
					nesting, loops = max(nesting, len(open)), max(loops, inLoops)
				case 0x0B:
					if k := len(open); k > 0 {
						if open[k-1] {
							inLoops--
						}
						open = open[:k-1]
					}
				case 0x0E:
					brTable = max(brTable, int((&reader{b: fn.b[1:]}).leb())+1)
				}
				fn.instr()
			}
		}
	}
	return
}

// TestShapeOfExamples: the examples' modules, as committed, are far
// inside every limit of their shape (the figures of spec/wasm.md,
// Limits).
func TestShapeOfExamples(t *testing.T) {
	for _, f := range []string{"go/crm-go.wasm", "assemblyscript/lead-score.wasm", "wat/rabat.wasm"} {
		bin, err := os.ReadFile("../../examples/actions/" + f)
		if err != nil {
			t.Fatal(err)
		}
		var work, total uint64
		var size int
		shapeHook = func(_ uint32, w uint64, s int) { work, total, size = max(work, w), total+w, max(size, s) }
		rw := newRewrite(bin)
		shapeHook = nil
		if rw.bin == nil {
			t.Fatalf("%s: %s", f, rw.scan.why)
		}
		nesting, loops, brTable := shapeMaxima(t, bin)
		t.Logf("%s: nesting %d, loops %d, br_table %d, rewritten function %d bytes, branchWork %d (module %d)", f, nesting, loops, brTable, size, work, total)
		for _, c := range []struct {
			what     string
			has, max uint64
		}{
			{"nesting", uint64(nesting), maxNesting},
			{"loop nesting", uint64(loops), maxLoopNesting},
			{"br_table", uint64(brTable), maxBrTable},
			{"function size", uint64(size), maxFuncCode},
			{"branchWork", work, maxBranchWork},
			{"module branchWork", total, maxModuleBranchWork},
		} {
			if c.has*10 > c.max {
				t.Errorf("%s: %s %d, within a tenth of the limit %d", f, c.what, c.has, c.max)
			}
		}
	}
}
