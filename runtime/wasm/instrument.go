package wasm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// A call's time limit, stopped by the module itself. wazero's own way
// (WithCloseOnContextDone) starts a goroutine for every call of an export
// and makes every loop iteration leave the guest for Go to look at the
// module's closed flag: for a small action, several times the action
// itself (spec/wasm.md, Performance). Instead the host adds to every
// module a mutable global, exported as "stagecraft.stop", and a test of
// it at the start of every function and of every loop (and after calls,
// after loops and in long straight-line code: weigh), which compiles to a
// load and a branch, taken together with a countdown, by what the code
// runs until the next test, that makes the module visit Go now and then
// (checkCode). A call's watchdog (callContext) sets the global when the
// call's time is up or its caller gives up, and the module traps at its
// next test, at most maxWeight units of code later: every path that runs
// for long goes through a loop's start or a function's. The test is
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
// know, an export already named so) is refused at load
// (Module.uninstrumentable): wazero's way checks only at loops.

const (
	stopExport  = "stagecraft.stop"
	startExport = "stagecraft.start"
)

// sectionRank is a known section's place in a module's order (custom
// sections, id 0, go anywhere).
var sectionRank = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

// instrumented is what instrument made of a module.
type instrumented struct {
	bin     []byte
	start   bool   // the module had a start section, now exported
	mutates string // the first instruction that changes a table or a segment (the module is then not resettable, scan.go)
	tracks  bool   // the module marks what its calls write (track.go)
}

// instrument returns the module with the stop and budget globals, the
// checks, $yield and the stop global's export, the start section made an
// export, and, when it can be tracked, the marks of what it writes
// (track.go).
func instrument(wasm []byte) (rw instrumented, err error) {
	secs, err := manifest.Sections(wasm)
	if err != nil {
		return instrumented{}, err
	}
	var start bool
	var imported, defined, startFn uint32
	var types, importedFns, definedFns uint32
	voidType := noType
	exports := false
	for _, s := range secs {
		r := &reader{b: s.Body}
		switch s.ID {
		case 1:
			types, voidType = funcTypes(r)
		case 2:
			imported, importedFns = importedCounts(r)
		case 3:
			definedFns = r.leb()
		case 6:
			defined = r.leb()
		case 7:
			exports = true
			if name := reservedExport(r); name != "" {
				return instrumented{}, fmt.Errorf("the module exports %q itself", name)
			}
		case 8:
			startFn, start = r.leb(), true
		}
		if r.err != nil {
			return instrumented{}, fmt.Errorf("section %d: %s", s.ID, r.why)
		}
	}
	if !exports {
		return instrumented{}, errors.New("no export section")
	}
	stop, budget := imported+defined, imported+defined+1
	check := newCheckCode(stop, budget, importedFns+definedFns)
	// What the rewrite adds to four sections, in their order: entries
	// appended to the section, or the section itself when the module has
	// none; the first byte is the number of entries.
	globals := []byte{
		2,
		0x7F, 0x01, 0x41, 0x00, 0x0B, // $stop: (mut i32) (i32.const 0)
	}
	globals = append(appendSLEB(append(globals, 0x7F, 0x01, 0x41), yieldEvery), 0x0B) // $budget: (mut i32) (i32.const yieldEvery)
	track, _ := newTracking(secs)                                                     // nil: not tracked, and reset copies all of memory
	if track != nil {
		track.dirty = budget + 1
		globals[0] += 2
		globals = append(globals,
			0x7E, 0x01, 0x42, 0x00, 0x0B, // $dirty: (mut i64) (i64.const 0)
			0x7E, 0x01, 0x42, 0x00, 0x0B) // $shift: (mut i64) (i64.const 0), set by the host
	}
	typ := []byte{0}
	if voidType == noType {
		typ, voidType = []byte{1, 0x60, 0, 0}, types // () -> ()
	}
	adds := map[byte][]byte{
		1:  typ,
		3:  binary.AppendUvarint([]byte{1}, uint64(voidType)),
		6:  globals,
		10: append([]byte{1}, yieldBody(stop, budget)...),
	}
	pending := []byte{1, 3, 6, 10}
	// addBefore writes the added sections the module has none of that
	// come before a section of this rank.
	addBefore := func(out []byte, rank int) []byte {
		for len(pending) > 0 && sectionRank[pending[0]] < rank {
			if add := adds[pending[0]]; add[0] > 0 {
				out = appendSection(out, pending[0], add)
			}
			pending = pending[1:]
		}
		return out
	}

	// Room for the checks, and the marks: the Go example grows by 15% with
	// the checks and 50% with both (3.48 to 5.22 MB); growing the buffer
	// would copy it (and fault in new memory).
	out := append(make([]byte, 0, len(wasm)+len(wasm)/4+len(wasm)/2), wasm[:8]...)
	for _, s := range secs {
		if s.ID != 0 {
			out = addBefore(out, sectionRank[s.ID])
		}
		// A section given twice (which wazero refuses) is extended once.
		var add []byte
		if len(pending) > 0 && pending[0] == s.ID {
			add, pending = adds[s.ID], pending[1:]
		}
		switch {
		case s.ID == 7:
			r := &reader{b: s.Body}
			n := r.leb()
			more := uint64(1)
			if start {
				more++
			}
			if track != nil {
				more += 2
			}
			body := binary.AppendUvarint(nil, uint64(n)+more)
			body = append(body, r.b...)
			body = appendExport(body, stopExport, 3, stop)
			if start {
				body = appendExport(body, startExport, 0, startFn)
			}
			if track != nil {
				body = appendExport(body, dirtyExport, 3, track.dirty)
				body = appendExport(body, shiftExport, 3, track.dirty+1)
			}
			out = appendSection(out, 7, body)
		case s.ID == 4: // tables: each given a maximum of maxTableElements
			out = appendSection(out, 4, capTables(s.Body))
		case s.ID == 8: // the start section: exported instead
		case s.ID == 10:
			// Written in place, its size patched after: a copy of a few
			// MB into new memory costs page faults, not only the copy.
			out = append(out, 10, 0, 0, 0, 0, 0)
			at := len(out)
			out, rw.mutates, err = instrumentCode(out, s.Body, check, track, stop, add)
			if err != nil {
				return instrumented{}, err
			}
			putPaddedLEB(out[at-5:at], uint32(len(out)-at))
		case add != nil:
			r := &reader{b: s.Body}
			n := r.leb()
			body := binary.AppendUvarint(nil, uint64(n)+uint64(add[0]))
			body = append(append(body, r.b...), add[1:]...)
			out = appendSection(out, s.ID, body)
		default:
			out = append(out, wasm[s.Offset:s.End]...)
		}
	}
	out = addBefore(out, len(sectionRank)+1)
	rw.bin, rw.start, rw.tracks = out, start, track != nil
	return rw, nil
}

// capTables is a table section's body with every table's maximum at most
// maxTableElements (checkCounts refused a larger minimum, and a table with
// an initialiser).
func capTables(body []byte) []byte {
	r := &reader{b: body}
	n := r.leb()
	out := binary.AppendUvarint(nil, uint64(n))
	for i := uint32(0); i < n && r.err == nil; i++ {
		out = append(out, r.byte()) // the element type
		least, most, hasMax := tableLimits(r)
		if !hasMax || most > maxTableElements {
			most = max(maxTableElements, least) // never below the minimum: still a valid module
		}
		out = binary.AppendUvarint(binary.AppendUvarint(append(out, 1), uint64(least)), uint64(most))
	}
	return append(out, r.b...)
}

// yieldBody is the function $yield's code (its size, no locals, its
// instructions), called by a check when $stop is set or $budget is spent.
func yieldBody(stop, budget uint32) []byte {
	b := binary.AppendUvarint([]byte{0, 0x23}, uint64(stop))
	b = append(b, 0x04, 0x40, 0x00, 0x0B) // if unreachable end
	b = append(b, 0x41, 0x00, 0x40, 0x00, 0x1A)
	b = appendSLEB(append(b, 0x41), yieldEvery)
	b = binary.AppendUvarint(append(b, 0x24), uint64(budget))
	b = append(b, 0x0B)
	return append(binary.AppendUvarint(nil, uint64(len(b))), b...)
}

// The checks' weights. A check is charged, besides its own cost, the
// most the code can run after it before it reaches the next check or
// leaves the function (see weigh), each instruction charged 1, or more
// when it can cost much more than an addition (opCost); $budget starts at
// yieldEvery, and the check that takes it to 0 or below visits Go and
// refills it. So a module runs at most yieldEvery + maxWeight + checkCost
// units, plus its dearest instruction's (a bulk one's, bulkCost, with its
// marks), between two visits to Go, whatever the shape of its code, and
// a function at most maxWeight + checkCost and one instruction between
// two tests of $stop (a chain of returns runs nothing but its functions'
// ends: see tailWeight).
// The figures are measured by BenchmarkUnitCost and BenchmarkStop
// (spec/wasm.md, Stopping a call).
const (
	// yieldEvery is how many units a module runs between two visits to
	// Go. Measured (BenchmarkUnitCost, 2 cores of an AMD EPYC VM): 3 ns
	// a unit for loads that miss every cache (a chase through 16 MiB),
	// 0.35 for 64-bit divisions, 0.17 for a loop of nothing, 0.08 for
	// straight-line arithmetic: a visit every 0.8 ms at worst, every
	// 20 µs for arithmetic. A visit costs about 30 ns.
	yieldEvery = 1 << 18
	// maxWeight is the most straight-line code a check may cover: longer
	// code gets a check of its own in its middle, so that a huge function
	// with no loop, or a loop with a huge body, tests $stop and counts
	// down as often as any loop.
	maxWeight = 1 << 13
	// checkCost is a check's own instructions, charged with its weight: a
	// loop of nothing is charged for what its iterations run.
	checkCost = 10
	// tailWeight: the code after a call, or after a block that has a
	// loop in it, gets a check of its own when it runs more than
	// tailWeight units before the next check: when it is more than the
	// function's end. Without it, a deep recursion would unwind, each
	// frame running the code after its call, with no check at all (that
	// code was charged on the way down, but nothing would visit Go or
	// test $stop); and every iteration of a loop would be charged the
	// code that runs once the loop is left. (With 128, checks in the Go
	// example's code: 19,733 instead of 24,390, and no difference in
	// BenchmarkCall that the noise lets see.)
	tailWeight = 1
	// memCost is what an access to memory or a table is charged: a load
	// that misses the caches and the TLB costs a thousand additions.
	memCost = 64
	// divCost: a division, a remainder or a square root.
	divCost = 16
	// bulkCost is what an instruction of bulk memory or tables is
	// charged, whose time grows with a length known only when it runs: a
	// memory.copy of 16 MiB takes ~1.1 ms, a table.fill of a large table
	// more. Charged at 64 units as a load, a loop of them ran 1,700 a
	// visit to Go, seconds past its deadline, holding up the process's
	// collections (found by a hostile module); at an eighth of
	// yieldEvery, at most eight run between two visits (~9 ms of the
	// largest copies). A module that copies little pays a visit every
	// eight copies: the AssemblyScript example's Call 0.2-0.3 µs more.
	bulkCost = yieldEvery / 8
)

// opCost is what the instruction b starts with is charged.
func opCost(b []byte) uint32 {
	switch op := b[0]; {
	case op >= 0x28 && op <= 0x3E, // loads and stores
		op == 0x11, op == 0x13, // call_indirect, return_call_indirect: a table
		op == 0x25, op == 0x26: // table.get, table.set
		return memCost
	case op >= 0x6D && op <= 0x70, op >= 0x7F && op <= 0x82, // integer division and remainder
		op == 0x91, op == 0x95, op == 0x9F, op == 0xA3: // sqrt, div
		return divCost
	case op == 0xFC: // memory.init ... table.fill: bulk memory and tables
		switch (&reader{b: b[1:]}).leb() {
		case 8, 10, 11, 12, 14, 15, 17: // memory.init, .copy, .fill; table.init, .copy, .grow, .fill
			return bulkCost
		case 9, 13, 16: // data.drop, elem.drop, table.size
			return memCost
		}
	case op == 0xFD: // SIMD loads and stores
		if sub := (&reader{b: b[1:]}).leb(); sub <= 11 || sub >= 84 && sub <= 93 {
			return memCost
		}
	}
	return 1
}

// checkCode is the check, put at every function's start, every loop's
// and wherever else weigh says, charged its weight:
//
//	global.get $budget
//	i32.const weight
//	i32.sub
//	global.set $budget
//	global.get $budget
//	i32.const 0
//	i32.le_s
//	global.get $stop
//	i32.or
//	if                   ;; the call's time is up, or once every yieldEvery units
//	  call $yield
//	end
//
// and $yield, a function the rewrite adds after the module's own (so that
// no function's index changes), is
//
//	global.get $stop
//	if
//	  unreachable        ;; the call's time is up
//	end
//	i32.const 0
//	memory.grow          ;; grows nothing, but goes to Go and back
//	drop
//	i32.const yieldEvery
//	global.set $budget
//
// The visit to Go is what lets the Go runtime stop the goroutine running
// the module: compiled code cannot be preempted, and a collection waits
// for every goroutine to stop, the timer that sets $stop included. A
// module that never left its code would hold up every collection of the
// process, and then its own deadline. memory.grow is the one instruction
// that leaves the code without an import (an import would renumber every
// function); growing by 0 pages changes nothing and is not the host's
// allocator's business (wazero answers it before). $budget is not part of
// what a call sees: it only says when the visits happen. The check takes
// nothing from the operand stack and leaves nothing on it, so it is valid
// between any two instructions.
//
// The rare work is in $yield, not in each check, because a check is
// repeated 24,396 times in the Go example: with the trap and the
// visit written out in each, its compiled code was 16.5 MB, 3.3 MB more
// than the module's own, which wazero's cache reads and checksums at
// every load; with $yield, 15.8 MB, and the cached load ~5-8 ms faster,
// calls no slower (spec/wasm.md, Performance).
type checkCode struct{ head, tail []byte }

func newCheckCode(stop, budget, yield uint32) checkCode {
	h := binary.AppendUvarint([]byte{0x23}, uint64(budget))
	h = append(h, 0x41) // i32.const weight follows
	t := []byte{0x6B}
	t = binary.AppendUvarint(append(t, 0x24), uint64(budget))
	t = binary.AppendUvarint(append(t, 0x23), uint64(budget))
	t = append(t, 0x41, 0x00, 0x4C)
	t = binary.AppendUvarint(append(t, 0x23), uint64(stop))
	t = append(t, 0x72, 0x04, 0x40)
	t = binary.AppendUvarint(append(t, 0x10), uint64(yield))
	return checkCode{head: h, tail: append(t, 0x0B)}
}

func (c checkCode) append(b []byte, weight uint32) []byte {
	return append(appendSLEB(append(b, c.head...), weight), c.tail...)
}

// importedGlobals counts the globals an import section brings in (the
// host refuses them, after compiling; until then they take indexes).
// reservedExport is the first export of the module named as one the
// rewrite adds, or "": such a module is declined rather than given an
// export section wazero refuses. (newRewrite refuses every name starting
// with reservedPrefix before; this guards instrument called alone.)
func reservedExport(r *reader) string {
	return firstExport(r, func(name string) bool {
		return name == stopExport || name == startExport || name == dirtyExport || name == shiftExport
	})
}

// firstExport reads an export section's entries from r and returns the
// first name that match takes, or "".
func firstExport(r *reader, match func(string) bool) string {
	n := r.leb()
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := int(r.leb())
		if r.err != nil || size > len(r.b) {
			r.fail("truncated")
			return ""
		}
		name := string(r.b[:size])
		r.skip(size)
		r.byte() // kind
		r.leb()  // index
		if match(name) {
			return name
		}
	}
	return ""
}

func importedCounts(r *reader) (globals, funcs uint32) {
	n := r.leb()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.skip(int(r.leb())) // module
		r.skip(int(r.leb())) // name
		switch kind := r.byte(); kind {
		case 0: // a function: its type
			r.leb()
			funcs++
		case 1: // a table: its element type, then limits
			r.refType()
			limits(r)
		case 2: // a memory
			limits(r)
		case 3: // a global: its type and mutability
			r.valType()
			r.byte()
			globals++
		case 4: // a tag
			r.byte()
			r.leb()
		default:
			r.fail(fmt.Sprintf("import kind %d", kind))
		}
	}
	return globals, funcs
}

// noType: no type index.
const noType = ^uint32(0)

// funcTypes reads the type section: how many types, and the index of the
// first () -> (), or noType.
func funcTypes(r *reader) (n, void uint32) {
	void = noType
	n = r.leb()
	for i := uint32(0); i < n && r.err == nil; i++ {
		if r.byte() != 0x60 {
			r.fail("a type that is not a function's")
			return
		}
		params := r.leb()
		for j := uint32(0); j < params && r.err == nil; j++ {
			r.valType()
		}
		results := r.leb()
		for j := uint32(0); j < results && r.err == nil; j++ {
			r.valType()
		}
		if params == 0 && results == 0 && void == noType {
			void = i
		}
	}
	return n, void
}

func limits(r *reader) {
	if flags := r.byte(); flags&1 != 0 {
		r.leb()
		r.leb()
	} else {
		r.leb()
	}
}

// instrumentCode appends to out the code section's body with a check (its
// weight computed by weigh) at the start of every function body and of
// every loop, and after calls, after loops and in long straight-line code
// where weigh says, the code between them copied as it is; then the
// functions of add (its first byte their number), or none when it is nil.
func instrumentCode(out, code []byte, check checkCode, track *tracking, globals uint32, add []byte) (_ []byte, mutates string, err error) {
	r := &reader{b: code}
	n := r.leb()
	if add == nil {
		add = []byte{0}
	}
	out = binary.AppendUvarint(out, uint64(n)+uint64(add[0]))
	var fn []byte
	var total uint64 // branchWork, over the functions so far
	w := weigher{track: track, globals: globals, locals: math.MaxUint32 + 1}
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := r.leb()
		if r.err != nil || int(size) > len(r.b) {
			return nil, "", errors.New("code section truncated")
		}
		raw := r.b[:size]
		r.b = r.b[size:]
		body := &reader{b: raw}
		locals := body.leb()
		var declared uint64
		for j := uint32(0); j < locals && body.err == nil; j++ {
			declared += uint64(body.leb())
			body.valType()
		}
		if body.err != nil {
			return nil, "", fmt.Errorf("function %d: %s", i, body.why)
		}
		prefix := len(raw) - len(body.b)
		var k marker
		if track != nil {
			if int(i) >= len(track.params) {
				return nil, "", fmt.Errorf("function %d: not in the function section", i)
			}
			w.locals = declared + uint64(track.params[i])
			if w.locals+uint64(len(localTypes)) > math.MaxUint32 {
				return nil, "", fmt.Errorf("function %d: %d locals", i, w.locals)
			}
			k = marker{dirty: track.dirty, shift: track.dirty + 1, base: uint32(w.locals)}
		}
		if why := w.decode(body, prefix); why != "" {
			return nil, "", fmt.Errorf("function %d: %s", i, why)
		}
		w.weigh()
		work := w.branchWork()
		if work > maxBranchWork {
			return nil, "", &shapeError{fn: i, why: fmt.Sprintf("its branches would cost the compiler %d steps (its branchWork), at most %d: split it, or nest fewer blocks and loops", work, maxBranchWork)}
		}
		if total += work; total > maxModuleBranchWork {
			return nil, "", &shapeError{fn: i, why: fmt.Sprintf("the module's branches, up to this function, would cost the compiler %d steps (branchWork), at most %d a module", total, maxModuleBranchWork)}
		}
		fn = fn[:0]
		from := prefix // code not yet copied
		for j := range w.ops {
			op := &w.ops[j]
			if op.weight == 0 && op.track == trackNone {
				continue
			}
			fn = append(fn, raw[from:op.at]...)
			if op.weight != 0 {
				fn = check.append(fn, op.weight)
			}
			fn = k.before(fn, op)
			from = int(op.at)
			if op.track != trackNone {
				end := len(raw)
				if j+1 < len(w.ops) {
					end = int(w.ops[j+1].at)
				}
				fn = k.after(append(fn, raw[from:end]...), op)
				from = end
			}
		}
		fn = append(fn, raw[from:]...)
		decl := k.locals(raw[:prefix]) // known once the marks are written
		if shapeHook != nil {
			shapeHook(i, work, len(decl)+len(fn))
		}
		if size := len(decl) + len(fn); size > maxFuncCode {
			return nil, "", &shapeError{fn: i, why: fmt.Sprintf("%d bytes of code once rewritten (%d as written), at most %d", size, len(raw), maxFuncCode)}
		}
		if mutates == "" {
			mutates = body.mutates
		}
		out = binary.AppendUvarint(out, uint64(len(decl)+len(fn)))
		out = append(append(out, decl...), fn...)
	}
	if r.err != nil {
		return nil, "", errors.New(r.why)
	}
	return append(out, add[1:]...), mutates, nil
}

// What an instruction does to the flow of control, for weigh.
const (
	opPlain   = iota // goes on to the next instruction
	opCall           // call, call_indirect: the callee's checks count the callee, and it comes back
	opLoop           // loop: its body starts with a check
	opBlock          // block: goes on
	opIf             // if: to the next instruction, or past its else (or its end)
	opElse           // else: the then branch done, past the if's end
	opEnd            // end: goes on past it
	opBr             // br: to its label
	opBrIf           // br_if: to its label or the next instruction
	opBrTable        // br_table: to one of its labels
	opLeave          // unreachable, return, return_call, return_call_indirect: out of the function
)

type wop struct {
	at     int32  // the instruction's offset in the function's body
	kind   uint8  // opPlain...
	label  int32  // block, loop, if, else, end: its block; br, br_if: the block it goes to; br_table: where its labels start in weigher.labels
	n      int32  // br_table: how many labels, the default one included
	cost   uint32 // what the instruction is charged (opCost), with its marks (track.go)
	weight uint32 // a check goes before this instruction, charged weight; 0: none
	track  uint8  // trackNone...: the marks of what it writes
	vt     byte   // a store: its value's type; a call of an import: its writeEffect
	offset uint32 // a store: its offset
	addr   byte   // a store whose address the mark reads where the store did (storeAddress): local.get, global.get or i32.const; 0: kept in a local
	addrX  uint32 // the local's or global's index, or the constant
}

type wblock struct {
	loop     bool
	hasLoop  bool  // it is a loop or has one inside
	els, end int32 // the indexes of its else (-1: none) and end instructions
}

// A weigher decodes a function's body into its instructions and blocks,
// and says where checks go and what each is charged. Its slices are used
// again from one function to the next.
type weigher struct {
	ops    []wop
	blocks []wblock
	stack  []int32 // the blocks open, innermost last
	labels []int32 // br_table's blocks
	long   []uint32
	track  *tracking // nil: no marks
	follow []uint32  // branchWork's
	arm    []uint32
	preds  []uint32

	// The module's globals, and the function's locals (its parameters
	// included): the globals and locals the rewrite adds come after
	// them, and code that names one of those is declined, as wazero
	// would refuse it without them (a module must not reach $stop or
	// $dirty).
	globals uint32
	locals  uint64
}

// decode reads the function's instructions from body, prefix its offset
// in the function's body; it returns why it could not ("" when it could).
func (w *weigher) decode(body *reader, prefix int) string {
	w.ops, w.blocks, w.labels = w.ops[:0], append(w.blocks[:0], wblock{els: -1, end: -1}), w.labels[:0]
	w.stack = append(w.stack[:0], 0) // the function's block: a branch to it returns
	size := prefix + len(body.b)
	code := body.b // the instructions, from offset prefix on
	label := func(r *reader) int32 {
		d := r.leb()
		if int64(d) >= int64(len(w.stack)) {
			r.fail("a branch to no block")
			return 0
		}
		return w.stack[len(w.stack)-1-int(d)]
	}
	for body.err == nil && len(body.b) > 0 {
		if len(w.stack) == 0 {
			return "code after the function's end"
		}
		op := wop{at: int32(size - len(body.b)), kind: opPlain}
		imm := &reader{b: body.b[1:]}
		top := w.stack[len(w.stack)-1]
		switch body.b[0] {
		case 0x02, 0x03, 0x04: // block, loop, if
			op.kind = [...]uint8{opBlock, opLoop, opIf}[body.b[0]-2]
			op.label = int32(len(w.blocks))
			w.blocks = append(w.blocks, wblock{loop: body.b[0] == 0x03, hasLoop: body.b[0] == 0x03, els: -1, end: -1})
			w.stack = append(w.stack, op.label)
		case 0x05:
			op.kind, op.label = opElse, top
			w.blocks[top].els = int32(len(w.ops))
		case 0x0B:
			op.kind, op.label = opEnd, top
			w.blocks[top].end = int32(len(w.ops))
			w.stack = w.stack[:len(w.stack)-1]
			if len(w.stack) > 0 && w.blocks[top].hasLoop {
				w.blocks[w.stack[len(w.stack)-1]].hasLoop = true
			}
		case 0x0C:
			op.kind, op.label = opBr, label(imm)
		case 0x0D:
			op.kind, op.label = opBrIf, label(imm)
		case 0x0E:
			op.kind, op.label = opBrTable, int32(len(w.labels))
			n := imm.leb()
			for j := uint32(0); j <= n && imm.err == nil; j++ {
				w.labels = append(w.labels, label(imm))
			}
			op.n = int32(len(w.labels)) - op.label
		case 0x10, 0x11:
			op.kind = opCall
		case 0x00, 0x0F, 0x12, 0x13:
			op.kind = opLeave
		case 0x20, 0x21, 0x22: // local.get, local.set, local.tee
			if x := imm.leb(); uint64(x) >= w.locals {
				return fmt.Sprintf("local %d does not exist", x)
			}
		case 0x23, 0x24: // global.get, global.set
			if x := imm.leb(); x >= w.globals {
				return fmt.Sprintf("global %d does not exist", x)
			}
		}
		if imm.err != nil {
			return imm.why
		}
		op.cost = opCost(body.b)
		if w.track != nil {
			var before [2][]byte // the two instructions before it, or nil
			for j := 1; j <= 2 && j <= len(w.ops); j++ {
				before[2-j] = code[int(w.ops[len(w.ops)-j].at)-prefix:]
			}
			w.track.mark(&op, body.b, before)
		}
		body.instr()
		w.ops = append(w.ops, op)
	}
	if body.err != nil {
		return body.why
	}
	if len(w.stack) != 0 {
		return "a function without its end"
	}
	return ""
}

// weigh says where the checks go and what each is charged. long[i] is the
// most units (opCost) the function can run from its i-th instruction on
// before it reaches a check or leaves: computed from the last instruction
// back, since every branch goes forward but one to a loop, which goes to
// its body's check, and a call comes back (the callee's own checks count
// the callee). A check goes before the first instruction; before every
// loop's body; after a call, and after a block that has a loop in it,
// when the code after it runs more than tailWeight units; and before any
// instruction from which the code runs more than maxWeight units. It is
// charged checkCost and long of the instruction it precedes, and the code
// that reaches that instruction then runs 0 units unchecked from it. Every
// instruction counts, block, end and the others that compile to nothing
// included: an upper bound, which a long straight line, not a loop, can
// only make higher.
func (w *weigher) weigh() {
	n := len(w.ops)
	w.long = append(w.long[:0], make([]uint32, n+1)...) // long[n] = 0: the function has returned
	long := w.long
	past := func(b int32) uint32 { // where a branch to block b goes
		if w.blocks[b].loop {
			return 0 // its body's check
		}
		return long[w.blocks[b].end+1] // past its end (the function's: returned)
	}
	for i := n - 1; i >= 0; i-- {
		op := &w.ops[i]
		var l uint32
		switch op.kind {
		case opBr:
			l = past(op.label)
		case opBrIf:
			l = max(long[i+1], past(op.label))
		case opBrTable:
			for _, b := range w.labels[op.label : op.label+op.n] {
				l = max(l, past(b))
			}
		case opIf:
			b := w.blocks[op.label]
			if b.els >= 0 {
				l = max(long[i+1], long[b.els+1])
			} else {
				l = max(long[i+1], long[b.end+1])
			}
		case opElse:
			l = long[w.blocks[op.label].end+1]
		case opLeave:
		default:
			l = long[i+1]
		}
		l += op.cost
		var prev wop
		if i > 0 {
			prev = w.ops[i-1]
		}
		tail := prev.kind == opCall || prev.kind == opEnd && w.blocks[prev.label].hasLoop
		if i == 0 || prev.kind == opLoop || tail && l > tailWeight || l > maxWeight {
			op.weight, l = l+checkCost, 0
		} else {
			op.weight = 0
		}
		long[i] = l
	}
}

// appendSLEB appends a positive i32.const operand (signed LEB128: the
// last byte's bit 6 is the sign).
func appendSLEB(b []byte, v uint32) []byte { return appendSLEB64(b, uint64(v)) }

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
