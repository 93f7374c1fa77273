package wasm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// A call's time limit, stopped by the module itself. wazero's own way
// (WithCloseOnContextDone) starts a goroutine for every call of an export
// and makes every loop iteration leave the guest for Go to look at the
// module's closed flag: for a small action, several times the action
// itself (spec/wasm.md, Performance). Instead the host adds to every
// module a mutable global, exported as "stagecraft.stop", and a test of
// it at the start of every function and of every loop:
//
//	global.get $stop
//	if
//	  unreachable
//	end
//
// which compiles to a load and a branch (with a countdown that makes the
// module visit Go now and then: checkCode). A call's watchdog (callContext)
// sets the global when the call's time is up or its caller gives up, and
// the module traps at its next loop iteration or function call: every
// path that runs for long goes through one or the other. The test is
// inserted after the loop's block type, inside the loop, so that it runs
// on every iteration (a branch to a loop goes to its start), and the if
// block takes and leaves nothing on the stack, so the loop's parameters
// and every branch depth stay as they were.
//
// The module's start section, if it has one, would run during
// instantiation, before the host can reach the global: it is removed and
// its function exported as "stagecraft.start", which the host calls
// first, under the initialisation's limit, as wazero would have.
//
// A module this rewrite cannot read (an instruction the decoder does not
// know, an export already named so) keeps wazero's way: it is compiled
// with WithCloseOnContextDone by a runtime of its own.

const (
	stopExport  = "stagecraft.stop"
	startExport = "stagecraft.start"
)

// sectionRank is a known section's place in a module's order (custom
// sections, id 0, go anywhere).
var sectionRank = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

// instrument returns the module with the stop global, its tests and its
// export, and the start section made an export; start reports whether
// there was one, mutates the first instruction that changes a table or a
// segment (the module is then not resettable, scan.go).
func instrument(wasm []byte) (out []byte, start bool, mutates string, err error) {
	secs, err := manifest.Sections(wasm)
	if err != nil {
		return nil, false, "", err
	}
	var imported, defined, startFn uint32
	exports := false
	for _, s := range secs {
		r := &reader{b: s.Body}
		switch s.ID {
		case 2:
			imported = importedGlobals(r)
		case 6:
			defined = r.leb()
		case 7:
			exports = true
		case 8:
			startFn, start = r.leb(), true
		}
		if r.err != nil {
			return nil, false, "", fmt.Errorf("section %d: %s", s.ID, r.why)
		}
	}
	if !exports {
		return nil, false, "", errors.New("no export section")
	}
	stop, budget := imported+defined, imported+defined+1
	check := checkCode(stop, budget)
	newGlobals := []byte{
		2,
		0x7F, 0x01, 0x41, 0x00, 0x0B, // $stop: (mut i32) (i32.const 0)
	}
	newGlobals = append(appendSLEB(append(newGlobals, 0x7F, 0x01, 0x41), yieldEvery), 0x0B) // $budget: (mut i32) (i32.const yieldEvery)

	out = append(make([]byte, 0, len(wasm)+len(wasm)/4), wasm[:8]...)
	globals := false
	for _, s := range secs {
		if !globals && s.ID != 0 && sectionRank[s.ID] > sectionRank[6] {
			out = appendSection(out, 6, newGlobals)
			globals = true
		}
		switch s.ID {
		case 6:
			r := &reader{b: s.Body}
			n := r.leb()
			body := binary.AppendUvarint(nil, uint64(n)+uint64(newGlobals[0]))
			body = append(body, r.b...)
			out = appendSection(out, 6, append(body, newGlobals[1:]...))
			globals = true
		case 7:
			r := &reader{b: s.Body}
			n := r.leb()
			add := uint64(1)
			if start {
				add++
			}
			body := binary.AppendUvarint(nil, uint64(n)+add)
			body = append(body, r.b...)
			body = appendExport(body, stopExport, 3, stop)
			if start {
				body = appendExport(body, startExport, 0, startFn)
			}
			out = appendSection(out, 7, body)
		case 8: // the start section: exported instead
		case 10:
			// Written in place, its size patched after: a copy of a few
			// MB into new memory costs page faults, not only the copy.
			out = append(out, 10, 0, 0, 0, 0, 0)
			at := len(out)
			out, mutates, err = instrumentCode(out, s.Body, check)
			if err != nil {
				return nil, false, "", err
			}
			putPaddedLEB(out[at-5:at], uint32(len(out)-at))
		default:
			out = append(out, wasm[s.Offset:s.End]...)
		}
	}
	if !globals {
		out = appendSection(out, 6, newGlobals)
	}
	return out, start, mutates, nil
}

// yieldEvery is how many loop iterations and function calls a module makes
// between two visits to Go.
const yieldEvery = 16384

// checkCode is the test run at every function's start and every loop's:
//
//	global.get $stop
//	if
//	  unreachable        ;; the call's time is up
//	end
//	global.get $budget
//	i32.const 1
//	i32.sub
//	global.set $budget
//	global.get $budget
//	i32.eqz
//	if                   ;; once every yieldEvery times
//	  i32.const 0
//	  memory.grow        ;; grows nothing, but goes to Go and back
//	  drop
//	  i32.const yieldEvery
//	  global.set $budget
//	end
//
// The visit to Go is what lets the Go runtime stop the goroutine running
// the module: compiled code cannot be preempted, and a collection waits
// for every goroutine to stop, the timer that sets $stop included. A
// module that never left its code would hold up every collection of the
// process, and then its own deadline. memory.grow is the one instruction
// that leaves the code without an import (an import would renumber every
// function); growing by 0 pages changes nothing and is not the host's
// allocator's business (wazero answers it before). $budget is not part of
// what a call sees: it only says when the visits happen.
func checkCode(stop, budget uint32) []byte {
	b := binary.AppendUvarint([]byte{0x23}, uint64(stop))
	b = append(b, 0x04, 0x40, 0x00, 0x0B)
	b = binary.AppendUvarint(append(b, 0x23), uint64(budget))
	b = append(b, 0x41, 0x01, 0x6B)
	b = binary.AppendUvarint(append(b, 0x24), uint64(budget))
	b = binary.AppendUvarint(append(b, 0x23), uint64(budget))
	b = append(b, 0x45, 0x04, 0x40)
	b = append(b, 0x41, 0x00, 0x40, 0x00, 0x1A)
	b = appendSLEB(append(b, 0x41), yieldEvery)
	b = binary.AppendUvarint(append(b, 0x24), uint64(budget))
	return append(b, 0x0B)
}

// importedGlobals counts the globals an import section brings in (the
// host refuses them, after compiling; until then they take indexes).
func importedGlobals(r *reader) uint32 {
	var globals uint32
	n := r.leb()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.skip(int(r.leb())) // module
		r.skip(int(r.leb())) // name
		switch kind := r.byte(); kind {
		case 0: // a function: its type
			r.leb()
		case 1: // a table: its element type, then limits
			r.byte()
			limits(r)
		case 2: // a memory
			limits(r)
		case 3: // a global: its type and mutability
			r.byte()
			r.byte()
			globals++
		case 4: // a tag
			r.byte()
			r.leb()
		default:
			r.fail(fmt.Sprintf("import kind %d", kind))
		}
	}
	return globals
}

func limits(r *reader) {
	if flags := r.byte(); flags&1 != 0 {
		r.leb()
		r.leb()
	} else {
		r.leb()
	}
}

// instrumentCode appends to out the code section's body with check at the
// start of every function body and of every loop, the code between them
// copied as it is.
func instrumentCode(out, code, check []byte) (_ []byte, mutates string, err error) {
	r := &reader{b: code}
	n := r.leb()
	out = binary.AppendUvarint(out, uint64(n))
	var fn []byte
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := r.leb()
		if r.err != nil || int(size) > len(r.b) {
			return nil, "", errors.New("code section truncated")
		}
		raw := r.b[:size]
		r.b = r.b[size:]
		body := &reader{b: raw}
		locals := body.leb()
		for j := uint32(0); j < locals && body.err == nil; j++ {
			body.leb()
			body.leb()
		}
		fn = append(fn[:0], raw[:len(raw)-len(body.b)]...) // the locals
		fn = append(fn, check...)
		from := len(raw) - len(body.b) // code not yet copied
		for body.err == nil && len(body.b) > 0 {
			loop := body.b[0] == 0x03
			body.instr()
			if loop && body.err == nil {
				at := len(raw) - len(body.b)
				fn = append(append(fn, raw[from:at]...), check...)
				from = at
			}
		}
		if body.err != nil {
			return nil, "", fmt.Errorf("function %d: %s", i, body.why)
		}
		fn = append(fn, raw[from:]...)
		if mutates == "" {
			mutates = body.mutates
		}
		out = binary.AppendUvarint(out, uint64(len(fn)))
		out = append(out, fn...)
	}
	if r.err != nil {
		return nil, "", errors.New(r.why)
	}
	return out, mutates, nil
}

// appendSLEB appends a positive i32.const operand (signed LEB128: the
// last byte's bit 6 is the sign).
func appendSLEB(b []byte, v uint32) []byte {
	for v >= 0x40 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// putPaddedLEB writes v as an unsigned LEB128 of exactly 5 bytes, which
// WebAssembly allows for a u32.
func putPaddedLEB(b []byte, v uint32) {
	for i := 0; i < 4; i++ {
		b[i] = byte(v&0x7f) | 0x80
		v >>= 7
	}
	b[4] = byte(v)
}

func appendSection(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = binary.AppendUvarint(out, uint64(len(body)))
	return append(out, body...)
}

func appendExport(body []byte, name string, kind byte, index uint32) []byte {
	body = binary.AppendUvarint(body, uint64(len(name)))
	body = append(body, name...)
	body = append(body, kind)
	return binary.AppendUvarint(body, uint64(index))
}
