package wasm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// What a call writes. Reset copies back only the parts of memory a call
// may have written (pool.go), so the instrumentation (instrument.go) also
// makes a module say where it writes: memory is split into 64 chunks (of
// 2^$shift bytes, the smallest power of two that makes 64 of them cover
// the snapshot's memory and the address just past its end, chunkShift),
// and a mutable i64 global, $dirty, exported as
// "stagecraft.dirty", gets the bit of every chunk written. After every
// store, of any width:
//
//	global.get $dirty
//	i64.const 1
//	local.get $a         ;; the store's address, kept in a local added to the function
//	i64.extend_i32_u
//	i64.const offset     ;; the store's own offset, when it has one
//	i64.add
//	global.get $shift    ;; exported as "stagecraft.shift", set by the host
//	i64.shr_u
//	i64.shl
//	i64.or
//	global.set $dirty
//
// and after memory.fill, memory.copy and memory.init, the bits of every
// chunk from the destination's to that of its end. A store's bit is its
// first byte's chunk; it may reach into the next chunk by at most 15
// bytes (v128.store), which reset copies with the chunk (chunkSlack).
// Nothing runs between a write and its mark, and a call that traps is
// never reset (its instance is closed), so after a call that succeeded
// every byte written is in a marked chunk.
//
// The host functions a module imports write memory too: before a call of
// one, the same marks, from its arguments (writeEffects); an import not
// known marks every chunk. A call through a table does not say what it
// calls: a module whose element segments or exports name an import that
// writes is not tracked (reset copies all of its memory), nor is one the
// tracking cannot read (a function type the decoder does not know). The
// host's own writes (the inputs) are marked by the host, and a new
// instance's memory (its data segments, written by wazero) is copied back
// whole at its first reset. A memory that grew is never reset.
//
// The marks cost the module 8 to 14 instructions per store (fewer when the
// address is a constant or a local read again), a global read and written; what they save is measured in spec/wasm.md (Performance).

const (
	dirtyExport = "stagecraft.dirty"
	shiftExport = "stagecraft.shift"

	// chunks is how many chunks a memory is tracked in: the bits of $dirty.
	chunks = 64
	// chunkSlack is how far past its chunk's end a write marked in that
	// chunk may reach: a v128 store's 16 bytes from the chunk's last byte.
	chunkSlack = 15
)

// chunkShift is the size of a chunk, 2^chunkShift bytes, for a memory of
// size bytes: the smallest that puts every address of the memory, and
// its end, in one of the chunks.
func chunkShift(size uint64) uint64 {
	if size < chunks {
		return 0
	}
	return uint64(bits.Len64(size / chunks)) // size >> shift < chunks
}

// chunkRange is the mask of the chunks that hold [at, at+n] (the last
// chunk counted, as markRange does). Past the memory chunkShift was
// computed for, it marks the last chunk: a memory that grew is never
// reset anyway.
func chunkRange(at, n uint32, shift uint64) uint64 {
	lo := min(uint64(at)>>shift, chunks-1)
	hi := min((uint64(at)+uint64(n))>>shift, chunks-1)
	return ^uint64(0) << lo & (^uint64(0) >> (chunks - 1 - hi))
}

// What an import does to memory, before it is called.
type writeEffect uint8

const (
	writesAll     writeEffect = iota // may write anywhere: every chunk is marked
	writesNothing                    // reads memory at most
	writesAtTop                      // writes at most 8 bytes at the pointer on top of the stack
	writesRange                      // writes the range whose start and length are the top two values
)

// The modules whose functions a module may import (granted, imports.go).
// They are declared here, with the effects of those functions, because
// the rewrite's code must stand alone (rewriteSources).
const (
	hostModule = "stagecraft"
	wasiModule = "wasi_snapshot_preview1"
)

// writeEffects are the imports whose writes are known (wazero's WASI
// functions, and the host's): what they write, read from their
// arguments. Every other import marks every chunk.
var writeEffects = map[string]map[string]writeEffect{
	hostModule: {"log": writesNothing},
	wasiModule: {
		"sched_yield": writesNothing, "proc_exit": writesNothing,
		"fd_close": writesNothing, "fd_fdstat_set_flags": writesNothing, "fd_seek": writesNothing, // the host's own, which change nothing
		"clock_time_get": writesAtTop, "clock_res_get": writesAtTop, // 8 bytes
		"fd_write":   writesAtTop, // the 4 bytes of nwritten
		"random_get": writesRange,
	},
}

// tracking is what the instrumentation needs to add the marks: each
// function's parameter count (its added locals come after its own), the
// imported functions' effects, the indexes of $dirty and $shift.
type tracking struct {
	imports []writeEffect // by function index
	params  []uint32      // by defined function's index
	dirty   uint32        // $dirty; $shift is the next global
}

// newTracking reads what the marks need from a module's sections, or says
// why the module cannot be tracked.
func newTracking(secs []manifest.Section) (*tracking, error) {
	var types []uint32 // parameter counts
	t := &tracking{}
	for _, s := range secs {
		r := &reader{b: s.Body}
		switch s.ID {
		case 1:
			for n := r.leb(); n > 0 && r.err == nil; n-- {
				if form := r.byte(); form != 0x60 {
					return nil, fmt.Errorf("type form 0x%02x", form)
				}
				p := r.leb()
				for i := uint32(0); i < p && r.err == nil; i++ {
					r.valType()
				}
				for res := r.leb(); res > 0 && r.err == nil; res-- {
					r.valType()
				}
				types = append(types, p)
			}
		case 2:
			for n := r.leb(); n > 0 && r.err == nil; n-- {
				mod := r.name()
				name := r.name()
				switch kind := r.byte(); kind {
				case 0:
					r.leb()
					t.imports = append(t.imports, writeEffects[mod][name]) // writesAll when not known
				case 1:
					r.refType()
					limits(r)
				case 2:
					limits(r)
				case 3:
					r.valType()
					r.byte()
				default:
					return nil, fmt.Errorf("import kind %d", kind)
				}
			}
		case 3:
			for n := r.leb(); n > 0 && r.err == nil; n-- {
				ti := r.leb()
				if int(ti) >= len(types) {
					return nil, errors.New("a function of no type")
				}
				t.params = append(t.params, types[ti])
			}
		case 7:
			for n := r.leb(); n > 0 && r.err == nil; n-- {
				r.name()
				if kind, idx := r.byte(), r.leb(); kind == 0 && t.writes(idx) {
					return nil, fmt.Errorf("export of the import %d, which writes memory", idx)
				}
			}
		case 9:
			if idx, ok := t.elementWrites(r); ok {
				return nil, fmt.Errorf("a table holds the import %d, which writes memory", idx)
			}
		}
		if r.err != nil {
			return nil, fmt.Errorf("section %d: %s", s.ID, r.why)
		}
	}
	return t, nil
}

// name reads a name: its length, then its bytes.
func (r *reader) name() string {
	n := int(r.leb())
	if n > len(r.b) {
		r.fail("truncated")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// writes says whether function idx is an import that may write memory.
func (t *tracking) writes(idx uint32) bool {
	return idx < uint32(len(t.imports)) && t.imports[idx] != writesNothing
}

// elementWrites finds, in an element section, a function that may write
// memory and that a table would hold.
func (t *tracking) elementWrites(r *reader) (uint32, bool) {
	exprs := func() (uint32, bool) { // a vector of constant expressions
		for n := r.leb(); n > 0 && r.err == nil; n-- {
			for r.err == nil && len(r.b) > 0 {
				if r.b[0] == 0xD2 { // ref.func
					r.byte()
					if idx := r.leb(); t.writes(idx) {
						return idx, true
					}
					continue
				}
				if r.instr() {
					break
				}
			}
		}
		return 0, false
	}
	offset := func() {
		for r.err == nil && !r.instr() {
		}
	}
	for n := r.leb(); n > 0 && r.err == nil; n-- {
		flags := r.leb()
		if flags > 7 {
			r.fail(fmt.Sprintf("element segment kind %d", flags))
			break
		}
		if flags&3 == 2 {
			r.leb() // a table index
		}
		if flags&1 == 0 {
			offset()
		}
		switch {
		case flags&3 == 0: // funcref, implied
		case flags&4 != 0:
			r.refType()
		default:
			if kind := r.byte(); kind != 0 {
				r.fail(fmt.Sprintf("element kind 0x%02x", kind))
			}
		}
		if flags&4 != 0 {
			if idx, ok := exprs(); ok {
				return idx, true
			}
			continue
		}
		for m := r.leb(); m > 0 && r.err == nil; m-- {
			if idx := r.leb(); t.writes(idx) {
				return idx, true
			}
		}
	}
	return 0, false
}

// mark says what marks the instruction b starts with needs, and charges
// them (one unit an instruction) to it; before holds the two instructions
// before it in the function, or nil.
func (t *tracking) mark(op *wop, b []byte, before [2][]byte) {
	r := &reader{b: b[1:]}
	switch b[0] {
	case 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E:
		op.track, op.vt = trackStore, storeType(b[0], 0)
		op.addr, op.addrX = storeAddress(before)
	case 0xFC:
		if sub := r.leb(); sub == 8 || sub == 10 || sub == 11 {
			op.track = trackBulk
		}
	case 0xFD:
		if vt := storeType(0xFD, r.leb()); vt != 0 {
			op.track, op.vt = trackStore, vt
			op.addr, op.addrX = storeAddress(before)
		}
	case 0x10, 0x12: // call, return_call
		if idx := r.leb(); t.writes(idx) {
			op.track, op.vt = trackImport, byte(t.imports[idx])
		}
	}
	switch op.track {
	case trackStore:
		if align := r.leb(); align&0x40 != 0 {
			r.leb()
		}
		op.offset = r.leb()
		switch {
		case op.addr == 0x41: // the address is known: one i64.const
			op.cost += markAtCost - 1
		case op.addr != 0:
			op.cost += markAtCost
		default:
			op.cost += 3 + markAtCost // and the locals that keep the operands
		}
		if op.offset != 0 && op.addr != 0x41 {
			op.cost += 2
		}
	case trackBulk:
		op.cost += 5 + markRangeCost
	case trackImport:
		op.cost += [...]uint32{writesAll: 2, writesAtTop: 1 + markAtCost, writesRange: 3 + markRangeCost}[op.vt]
	}
}

// storeAddress says where a store's address comes from when the two
// instructions before the store push its address, from a local, a global
// or a constant (the opcode, and the index or the constant), and its
// value, with an instruction that takes nothing from the stack and changes
// no local nor global (local.get, global.get, a constant). The mark after
// the store then reads the address where the store did: no local need
// keep it, which saves the mark three instructions, and the module some of
// its size (half the stores of the Go example). A branch cannot land
// between the three (only blocks and loops are targets), and a check,
// which may come before any of them, changes no local nor the global.
func storeAddress(before [2][]byte) (byte, uint32) {
	addr, val := before[0], before[1]
	if addr == nil || val == nil {
		return 0, 0
	}
	switch val[0] {
	case 0x20, 0x23, 0x41, 0x42, 0x43, 0x44:
	case 0xFD: // v128.const
		if (&reader{b: val[1:]}).leb() != 12 {
			return 0, 0
		}
	default:
		return 0, 0
	}
	switch addr[0] {
	case 0x20, 0x23:
		return addr[0], (&reader{b: addr[1:]}).leb()
	case 0x41:
		return addr[0], sleb32(addr[1:])
	}
	return 0, 0
}

// sleb32 reads an i32.const operand, a signed LEB128, as the address it
// is: -256, two bytes, is 0xFFFFFF00.
func sleb32(b []byte) uint32 {
	var v uint32
	for i := 0; i < 5 && i < len(b); i++ {
		v |= uint32(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if shift := 7 * (i + 1); shift < 32 && b[i]&0x40 != 0 {
				v |= ^uint32(0) << shift // the sign, extended
			}
			break
		}
	}
	return v
}

// The instructions of markAt (without an offset) and of markRange.
const (
	markAtCost    = 9
	markRangeCost = 21
)

// What the marks do around an instruction (wop.track).
const (
	trackNone   = iota
	trackStore  // a store: [address, value]
	trackBulk   // memory.fill, memory.copy, memory.init: [destination, x, length]
	trackImport // a call of an import: by its writeEffect
)

// The locals a function's marks use, added after its own: three i32 (an
// address, a second operand, a length) and one of each other type a
// store writes. localTypes is their value types, in that order.
var localTypes = [...]byte{0x7F, 0x7F, 0x7F, 0x7E, 0x7D, 0x7C, 0x7B}

const (
	localAddr = iota
	localX
	localLen
)

// storeLocal is the local that holds the value of a store of type vt
// while its address is kept.
func storeLocal(vt byte) int {
	switch vt {
	case 0x7F:
		return localX
	case 0x7E:
		return 3
	case 0x7D:
		return 4
	case 0x7C:
		return 5
	}
	return 6
}

// storeType is the type of the value a store writes (op the store's
// opcode, sub its 0xFD sub-opcode), 0 when op is not a store.
func storeType(op byte, sub uint32) byte {
	switch {
	case op == 0x36, op == 0x3A, op == 0x3B:
		return 0x7F
	case op == 0x37, op >= 0x3C && op <= 0x3E:
		return 0x7E
	case op == 0x38:
		return 0x7D
	case op == 0x39:
		return 0x7C
	case op == 0xFD && (sub == 11 || sub >= 88 && sub <= 91):
		return 0x7B
	}
	return 0
}

// marker writes the marks of one function.
type marker struct {
	dirty, shift uint32 // global indexes
	base         uint32 // the first added local
	used         [len(localTypes)]bool
}

func (k *marker) local(b []byte, op byte, l int) []byte {
	k.used[l] = true
	return binary.AppendUvarint(append(b, op), uint64(k.base)+uint64(l))
}

// before is the code that goes before a tracked instruction: it keeps the
// address (and the length) in the added locals, leaving the operands as
// they were; before an import's call, it marks what the call writes.
func (k *marker) before(b []byte, op *wop) []byte {
	switch op.track {
	case trackStore:
		if op.addr != 0 {
			return b
		}
		v := storeLocal(op.vt)
		b = k.local(b, 0x21, v) // local.set
		b = k.local(b, 0x22, localAddr)
		return k.local(b, 0x20, v)
	case trackBulk:
		b = k.local(b, 0x21, localLen)
		b = k.local(b, 0x21, localX)
		b = k.local(b, 0x22, localAddr)
		b = k.local(b, 0x20, localX)
		return k.local(b, 0x20, localLen)
	case trackImport:
		switch writeEffect(op.vt) {
		case writesAll:
			b = append(b, 0x42, 0x7F) // i64.const -1
			return binary.AppendUvarint(append(b, 0x24), uint64(k.dirty))
		case writesAtTop:
			b = k.local(b, 0x22, localAddr)
			return k.markStore(b, &wop{})
		case writesRange:
			b = k.local(b, 0x21, localLen)
			b = k.local(b, 0x22, localAddr)
			b = k.local(b, 0x20, localLen)
			return k.markRange(b)
		}
	}
	return b
}

// after is the code that goes after a tracked instruction: its marks.
func (k *marker) after(b []byte, op *wop) []byte {
	switch op.track {
	case trackStore:
		return k.markStore(b, op)
	case trackBulk:
		return k.markRange(b)
	}
	return b
}

// markStore marks the chunk of a store's address, kept in localAddr or
// read again where the store read it (wop.addr), plus its offset.
func (k *marker) markStore(b []byte, op *wop) []byte {
	b = binary.AppendUvarint(append(b, 0x23), uint64(k.dirty))
	b = append(b, 0x42, 0x01)
	switch op.addr {
	case 0:
		b = k.local(b, 0x20, localAddr)
	case 0x41:
		b = appendSLEB64(append(b, 0x42), uint64(op.addrX)+uint64(op.offset))
	default:
		b = binary.AppendUvarint(append(b, op.addr), uint64(op.addrX))
	}
	if op.addr != 0x41 {
		b = append(b, 0xAD) // i64.extend_i32_u
		if op.offset != 0 {
			b = append(appendSLEB64(append(b, 0x42), uint64(op.offset)), 0x7C) // i64.add
		}
	}
	b = binary.AppendUvarint(append(b, 0x23), uint64(k.shift))
	b = append(b, 0x88, 0x86, 0x84) // i64.shr_u, i64.shl, i64.or
	return binary.AppendUvarint(append(b, 0x24), uint64(k.dirty))
}

// appendSLEB64 appends a positive i64.const operand, below 2^63.
func appendSLEB64(b []byte, v uint64) []byte {
	for v >= 0x40 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// markRange marks the chunks from that of localAddr to that of localAddr
// plus localLen, as chunkRange does.
func (k *marker) markRange(b []byte) []byte {
	shr := func(b []byte) []byte {
		return append(binary.AppendUvarint(append(b, 0x23), uint64(k.shift)), 0x88)
	}
	b = binary.AppendUvarint(append(b, 0x23), uint64(k.dirty))
	b = append(b, 0x42, 0x7F)
	b = shr(append(k.local(b, 0x20, localAddr), 0xAD))
	b = append(b, 0x86, 0x42, 0x7F, 0x42, 0x3F) // i64.shl, i64.const -1, i64.const 63
	b = append(k.local(b, 0x20, localAddr), 0xAD)
	b = append(k.local(b, 0x20, localLen), 0xAD, 0x7C)
	b = shr(b)
	b = append(b, 0x7D, 0x88, 0x83, 0x84) // i64.sub, i64.shr_u, i64.and, i64.or
	return binary.AppendUvarint(append(b, 0x24), uint64(k.dirty))
}

// locals returns the function's local declarations (decl, as the body
// has them) with the added locals, as far as the last one the marks used
// (those before it keep their indexes even when unused).
func (k *marker) locals(decl []byte) []byte {
	last := -1
	for i, u := range k.used {
		if u {
			last = i
		}
	}
	if last < 0 {
		return decl
	}
	r := &reader{b: decl}
	n := r.leb()
	out := binary.AppendUvarint(nil, uint64(n)+uint64(last)+1)
	out = append(out, r.b...)
	for _, vt := range localTypes[:last+1] {
		out = append(out, 1, vt)
	}
	return out
}
