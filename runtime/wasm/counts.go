package wasm

import (
	"fmt"

	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// Counts. wazero's decoder sizes what it reads by the counts a module
// declares, before it reads the entries (a make of the count): 183 bytes
// that declare 134 million exports had it allocate gigabytes and take 35
// seconds before it found the module invalid (FuzzInstrument). A tenant
// could stop the server so, or have it killed for memory. Before wazero
// sees a module, checkCounts holds every count it would allocate by to the
// bytes left to hold that many entries (each takes a byte at least), and a
// function's locals, which take no bytes each, to maxLocals: what wazero
// allocates is then within a small multiple of the module's size.

// maxLocals bounds a function's locals, as engines do (V8 takes 50,000):
// wazero keeps a byte per local, however they are declared.
const maxLocals = 50000

// checkCounts refuses a module with a count larger than the bytes that
// follow it, or a function with more than maxLocals locals. A module it
// cannot read is refused too: wazero would refuse it as well, and could
// have allocated by a count on the way.
func checkCounts(wasm []byte) error {
	secs, err := manifest.Sections(wasm)
	if err != nil {
		return err
	}
	for _, s := range secs {
		c := &counter{reader: reader{b: s.Body}}
		switch s.ID {
		case 0:
			if s.Name == "name" {
				c.names()
			}
		case 1:
			c.vec(c.funcType)
		case 2:
			c.vec(c.importEntry)
		case 3, 5, 13: // function type indices; memories; tags
			c.count()
		case 4:
			c.vec(c.table)
		case 6:
			c.vec(func() { c.valType(); c.byte(); c.expr() })
		case 7:
			c.vec(func() { c.name(); c.byte(); c.leb() })
		case 9:
			c.vec(c.element)
		case 10:
			c.vec(c.body)
		case 11:
			c.vec(c.data)
		}
		if c.err != nil {
			return fmt.Errorf("section %d: %s", s.ID, c.why)
		}
	}
	return nil
}

// counter reads the parts of a module's sections that hold counts.
type counter struct {
	reader
	funcs int // the function bodies read
}

// count reads a count and checks that the bytes left can hold that many
// entries of a byte each.
func (c *counter) count() uint32 {
	n := c.leb()
	if c.err == nil && uint64(n) > uint64(len(c.b)) {
		c.fail(fmt.Sprintf("%d entries declared in the %d bytes left", n, len(c.b)))
		return 0
	}
	return n
}

func (c *counter) vec(entry func()) {
	n := c.count()
	for i := uint32(0); i < n && c.err == nil; i++ {
		entry()
	}
}

func (c *counter) name() { c.skip(int(c.count())) }

func (c *counter) funcType() {
	if form := c.byte(); form != 0x60 && c.err == nil {
		c.fail(fmt.Sprintf("type form 0x%02x", form))
		return
	}
	c.vec(func() { c.valType() })
	c.vec(func() { c.valType() })
}

func (c *counter) importEntry() {
	c.name()
	c.name()
	switch kind := c.byte(); kind {
	case 0: // a function: its type
		c.leb()
	case 1: // a table
		c.refType()
		limits(&c.reader)
	case 2: // a memory
		limits(&c.reader)
	case 3: // a global
		c.valType()
		c.byte()
	case 4: // a tag
		c.byte()
		c.leb()
	default:
		c.fail(fmt.Sprintf("import kind %d", kind))
	}
}

// table reads a table type. The form 0x40 0x00 with an initialiser
// expression is not WebAssembly 2.0 (it came with typed references), and
// no other reader of the host's knows it: a table so filled with an
// import that writes memory would write it unmarked (track.go).
func (c *counter) table() {
	if len(c.b) > 0 && c.b[0] == 0x40 {
		c.fail("a table with an initialiser (0x40): only WebAssembly 2.0 is taken")
		return
	}
	c.refType()
	if len(c.b) > 0 && c.b[0] > 1 {
		c.fail(fmt.Sprintf("table limits flags 0x%02x: a table's limits are a minimum, or a minimum and a maximum (0x00, 0x01)", c.b[0]))
		return
	}
	if min, _, _ := tableLimits(&c.reader); c.err == nil && min > maxTableElements {
		c.fail(fmt.Sprintf("a table of %d elements: a table has at most %d (spec/wasm.md, Limits)", min, maxTableElements))
	}
}

// maxTableElements is the most elements a table may have, at its start or
// grown: a table of references costs the host 8 bytes an element, out of
// the memory limit's reach, and table.grow by 2^31 would have it allocate
// 16 GiB at once and end the process (found by a hostile module). The
// rewrite gives every table this maximum (instrument), so that a grow past
// it returns -1, as WebAssembly says. The Go example's table has 6,276.
const maxTableElements = 1 << 20

// tableLimits reads a table's limits: its minimum, and its maximum if it
// declares one.
func tableLimits(r *reader) (min, max uint32, hasMax bool) {
	flags := r.byte()
	min = r.leb()
	if flags&1 != 0 {
		max, hasMax = r.leb(), true
	}
	return min, max, hasMax
}

// expr reads a constant expression, up to its end.
func (c *counter) expr() {
	for c.err == nil && !c.instr() {
	}
}

// element reads an element segment, by its flags (the binary format's
// eight forms): bit 0 passive or declarative, bit 1 an explicit table
// (active) or declarative (passive), bit 2 expressions instead of
// function indices.
func (c *counter) element() {
	flags := c.leb()
	if c.err == nil && flags > 7 {
		c.fail(fmt.Sprintf("element segment flags %d", flags))
		return
	}
	active := flags&1 == 0
	if active && flags&2 != 0 {
		c.leb() // the table
	}
	if active {
		c.expr() // the offset
	}
	if flags&3 != 0 { // the element kind (0x00) or reference type
		if flags&4 != 0 {
			c.refType()
		} else if kind := c.byte(); kind != 0 && c.err == nil {
			c.fail(fmt.Sprintf("element kind 0x%02x", kind))
		}
	}
	if flags&4 != 0 {
		c.vec(c.expr)
	} else {
		c.vec(func() { c.leb() })
	}
}

// body reads a function's code: its size, its locals, and its
// instructions, which must be WebAssembly 2.0's (scan.go's instr), so
// that every decoder of the host reads them as wazero does.
func (c *counter) body() {
	i := c.funcs
	c.funcs++
	size := int(c.count())
	if c.err != nil || size > len(c.b) {
		c.fail("a function body runs past its section")
		return
	}
	fn := &counter{reader: reader{b: c.b[:size]}}
	var locals uint64
	fn.vec(func() {
		locals += uint64(fn.leb())
		fn.valType()
	})
	if fn.err == nil && locals > maxLocals {
		fn.fail(fmt.Sprintf("a function with %d locals (at most %d)", locals, maxLocals))
	}
	fn.shape()
	if fn.err != nil {
		c.fail(fmt.Sprintf("function %d: %s", i, fn.why))
		return
	}
	c.skip(size)
}

func (c *counter) data() {
	switch flags := c.leb(); flags {
	case 0: // active, memory 0
		c.expr()
	case 1: // passive
	case 2: // active, an explicit memory
		c.leb()
		c.expr()
	default:
		c.fail(fmt.Sprintf("data segment flags %d", flags))
		return
	}
	c.skip(int(c.count()))
}

// names reads the name section's subsections wazero decodes: the
// module's name, the functions' names, the locals' names (each a map of
// an index to a name, or to such a map); it skips the others.
func (c *counter) names() {
	for len(c.b) > 0 && c.err == nil {
		id := c.byte()
		size := int(c.count())
		if c.err != nil {
			return
		}
		sub := &counter{reader: reader{b: c.b[:size]}}
		nameMap := func() { sub.vec(func() { sub.leb(); sub.name() }) }
		switch id {
		case 0:
			sub.name()
		case 1:
			nameMap()
		case 2:
			sub.vec(func() { sub.leb(); nameMap() })
		}
		if sub.err != nil {
			c.fail("name section: " + sub.why)
			return
		}
		c.skip(size)
	}
}

// shape reads a function's instructions, holding it to the limits of its
// nesting and of its br_tables (shape.go): wazero would take a time
// quadratic in them to compile it.
func (c *counter) shape() {
	var depth, loops int
	var open []bool // the blocks open: loops or not
	for c.err == nil && len(c.b) > 0 {
		switch c.b[0] {
		case 0x02, 0x03, 0x04: // block, loop, if
			loop := c.b[0] == 0x03
			open = append(open, loop)
			if depth++; depth > maxNesting {
				c.fail(fmt.Sprintf("blocks, loops and ifs nested %d deep, at most %d (spec/wasm.md, Limits)", depth, maxNesting))
				return
			}
			if loop {
				if loops++; loops > maxLoopNesting {
					c.fail(fmt.Sprintf("loops nested %d deep, at most %d (spec/wasm.md, Limits)", loops, maxLoopNesting))
					return
				}
			}
		case 0x0B:
			if n := len(open); n > 0 {
				if open[n-1] {
					loops--
				}
				open, depth = open[:n-1], depth-1
			}
		case 0x0E:
			if n := (&reader{b: c.b[1:]}).leb(); uint64(n)+1 > maxBrTable {
				c.fail(fmt.Sprintf("a br_table of %d labels, at most %d (spec/wasm.md, Limits)", uint64(n)+1, maxBrTable))
				return
			}
		}
		c.instr()
	}
}
