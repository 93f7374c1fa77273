package wasm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// A module's instance can be reset to the state it had right after its
// initialisation, and so serve call after call without one call seeing
// another's, when all that a call can change is its memory and its
// mutable globals: the host restores both (pool.go). Tables change only
// through table.set, table.grow, table.fill, table.copy and table.init;
// segments only through data.drop and elem.drop. instrument decodes every
// function body and reports whether any of those (or an instruction this
// decoder does not know) appears; such a module gets a fresh instance for
// every call instead. It also lists the mutable globals, which the
// host exports under the names "stagecraft.global.N" so that it can read
// and restore them.

type scanResult struct {
	resettable bool
	why        string   // why not
	globals    []uint32 // indexes of the mutable globals
}

var errStop = errors.New("not resettable")

type reader struct {
	b       []byte
	err     error
	why     string
	mutates string // the first instruction read that changes a table or a segment
}

func (r *reader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) fail(why string) {
	if r.err == nil {
		r.err, r.why = errStop, why
	}
	r.b = nil
}

// leb skips a LEB128 number (signed or not) of at most 10 bytes, and
// returns its low 32 bits as unsigned.
func (r *reader) leb() uint32 {
	if len(r.b) > 0 && r.b[0] < 0x80 { // one byte: most of them
		c := r.b[0]
		r.b = r.b[1:]
		return uint32(c)
	}
	var v uint64
	for i := 0; i < 10; i++ {
		c := r.byte()
		v |= uint64(c&0x7f) << (7 * uint(i))
		if c&0x80 == 0 {
			return uint32(v)
		}
	}
	r.fail("bad number")
	return 0
}

// mutate records an instruction that changes a table or a segment: the
// decoding goes on (instrument needs every instruction), scan reports it.
func (r *reader) mutate(what string) {
	if r.mutates == "" {
		r.mutates = what
	}
}

func (r *reader) skip(n int) {
	if r.err != nil || n > len(r.b) {
		r.fail("truncated")
		return
	}
	r.b = r.b[n:]
}

func (r *reader) memarg() {
	if align := r.leb(); align&0x40 != 0 { // multi-memory: a memory index follows
		r.leb()
	}
	r.leb()
}

// WebAssembly 2.0 is the only language taken (spec/wasm.md, "A module"):
// wazero decodes the typed references of the function-references
// proposal (0x63 and 0x64 followed by a heap type, and a block type that
// is such a reference) even with that feature off, and its compiler then
// reads some of them differently from its validator. A decoder that
// reads one byte where wazero reads two is out of step with it from
// there on: it no longer sees the instructions wazero runs. Every value,
// reference and block type the host reads goes through valType, refType
// or blockType, which take the 2.0 grammar and fail on anything else;
// checkCounts refuses, before wazero sees it, a module they fail on.

// valType reads a value type of WebAssembly 2.0, or fails.
func (r *reader) valType() byte {
	vt := r.byte()
	if r.err == nil && !isValType(vt) {
		r.failType(vt, "value type")
	}
	return vt
}

// refType reads a reference type of WebAssembly 2.0 (funcref or
// externref), or fails.
func (r *reader) refType() byte {
	rt := r.byte()
	if r.err == nil && rt != 0x70 && rt != 0x6F {
		r.failType(rt, "reference type")
	}
	return rt
}

// blockType reads a block type: empty (0x40), a value type of 2.0, or a
// type index, an s33 that is not negative; or fails.
func (r *reader) blockType() {
	if len(r.b) > 0 && (r.b[0] == 0x40 || isValType(r.b[0])) {
		r.b = r.b[1:]
		return
	}
	for i := 0; i < 5; i++ {
		c := r.byte()
		if r.err != nil {
			return
		}
		if c&0x80 == 0 {
			if c&0x40 != 0 { // negative: a type of one byte that is not 2.0's
				if i == 0 {
					r.failType(c, "block type")
				} else {
					r.fail("a negative block type")
				}
			}
			return
		}
	}
	r.fail("bad block type")
}

func isValType(b byte) bool {
	switch b {
	case 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F:
		return true
	}
	return false
}

func (r *reader) failType(b byte, what string) {
	if b == 0x63 || b == 0x64 {
		r.fail(fmt.Sprintf("a typed reference (0x%02x): only WebAssembly 2.0 is taken", b))
		return
	}
	r.fail(fmt.Sprintf("%s 0x%02x: only WebAssembly 2.0 is taken", what, b))
}

// instr decodes one instruction and reports whether it was end (0x0B).
func (r *reader) instr() (end bool) {
	op := r.byte()
	switch {
	case op == 0x0B:
		return true
	case op <= 0x01, op == 0x05, op == 0x0F, op == 0x1A, op == 0x1B, op >= 0x45 && op <= 0xC4, op == 0xD1:
	case op >= 0x02 && op <= 0x04: // block, loop, if: a block type
		r.blockType()
	case op == 0x0C, op == 0x0D, op == 0x10, op == 0x12, op >= 0x20 && op <= 0x25, op == 0x3F, op == 0x40, op == 0xD2:
		r.leb()
	case op == 0x0E: // br_table
		n := r.leb()
		for i := uint32(0); i <= n && r.err == nil; i++ {
			r.leb()
		}
	case op == 0x11, op == 0x13: // call_indirect, return_call_indirect
		r.leb()
		r.leb()
	case op == 0x1C: // select t*
		n := r.leb()
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.valType()
		}
	case op == 0x26:
		r.leb()
		r.mutate("table.set")
	case op >= 0x28 && op <= 0x3E:
		r.memarg()
	case op == 0x41, op == 0x42:
		r.leb()
	case op == 0x43:
		r.skip(4)
	case op == 0x44:
		r.skip(8)
	case op == 0xD0: // ref.null
		r.refType()
	case op == 0xFC:
		switch sub := r.leb(); {
		case sub <= 7:
		case sub == 8, sub == 10, sub == 16:
			r.leb()
			if sub != 16 {
				r.leb()
			}
		case sub == 11:
			r.leb()
		case sub == 9, sub == 13, sub == 15, sub == 17: // data.drop, elem.drop, table.grow, table.fill
			r.leb()
			r.mutate(fmt.Sprintf("0xfc %d (a table or segment changing instruction)", sub))
		case sub == 12, sub == 14: // table.init, table.copy
			r.leb()
			r.leb()
			r.mutate(fmt.Sprintf("0xfc %d (a table or segment changing instruction)", sub))
		default:
			r.fail(fmt.Sprintf("0xfc %d: only WebAssembly 2.0 is taken", sub))
		}
	case op == 0xFD:
		switch sub := r.leb(); {
		case sub <= 11, sub == 92, sub == 93:
			r.memarg()
		case sub == 12, sub == 13:
			r.skip(16)
		case sub >= 21 && sub <= 34:
			r.skip(1)
		case sub >= 84 && sub <= 91:
			r.memarg()
			r.skip(1)
		case sub <= 0x113:
		default:
			r.fail(fmt.Sprintf("0xfd %d: only WebAssembly 2.0 is taken", sub))
		}
	default:
		r.fail(fmt.Sprintf("opcode 0x%02x%s: only WebAssembly 2.0 is taken", op, proposal(op)))
	}
	return false
}

// proposal names the proposal past WebAssembly 2.0 an opcode belongs to,
// for the opcodes a toolchain emits when asked for one, so that an author
// knows which flag to drop: clang emits 0xFE for C11 atomics and
// -pthread with -matomics, wasm-opt and Emscripten the others.
func proposal(op byte) string {
	switch {
	case op == 0xFE:
		return " (atomics, of the threads proposal: build without -matomics and -pthread; a call runs on one thread)"
	case op >= 0x06 && op <= 0x0A, op == 0x18, op == 0x19, op == 0x1F:
		return " (exception handling: build without -fwasm-exceptions)"
	case op == 0x14, op == 0x15, op >= 0xD3 && op <= 0xD6:
		return " (typed function references)"
	case op == 0xFB:
		return " (garbage collection)"
	}
	return ""
}

// scan reads the global section (see above); the code section is read by
// instrument, which decodes every function body anyway, and reports what
// makes a module not resettable (Module.compile).
func scan(wasm []byte) scanResult {
	secs, err := manifest.Sections(wasm)
	if err != nil {
		return scanResult{why: err.Error()}
	}
	res := scanResult{resettable: true}
	for _, s := range secs {
		r := &reader{b: s.Body}
		switch s.ID {
		case 6: // globals
			n := r.leb()
			for i := uint32(0); i < n && r.err == nil; i++ {
				vt := r.valType()
				if r.byte() == 1 {
					if vt == 0x7B {
						r.fail("a mutable v128 global")
					}
					res.globals = append(res.globals, i)
				}
				for r.err == nil && !r.instr() {
				}
			}
		}
		if r.err != nil {
			return scanResult{why: r.why}
		}
	}
	return res
}

// exportGlobals returns the module with every mutable global exported as
// "stagecraft.global.N", the export section rewritten in place.
func exportGlobals(wasm []byte, globals []uint32) ([]byte, error) {
	if len(globals) == 0 {
		return wasm, nil
	}
	secs, err := manifest.Sections(wasm)
	if err != nil {
		return nil, err
	}
	for _, s := range secs {
		if s.ID != 7 {
			continue
		}
		n, k, err := manifest.Uvarint(s.Body)
		if err != nil {
			return nil, err
		}
		body := binary.AppendUvarint(nil, n+uint64(len(globals)))
		body = append(body, s.Body[k:]...)
		for _, g := range globals {
			name := globalExport(g)
			body = binary.AppendUvarint(body, uint64(len(name)))
			body = append(body, name...)
			body = append(body, 3) // a global
			body = binary.AppendUvarint(body, uint64(g))
		}
		out := append([]byte(nil), wasm[:s.Offset]...)
		out = append(out, 7)
		out = binary.AppendUvarint(out, uint64(len(body)))
		out = append(out, body...)
		return append(out, wasm[s.End:]...), nil
	}
	return nil, errors.New("no export section")
}

func globalExport(i uint32) string { return fmt.Sprintf("stagecraft.global.%d", i) }
