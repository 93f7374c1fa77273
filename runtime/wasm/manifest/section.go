package manifest

import (
	"bytes"
	"errors"
	"fmt"
)

var wasmHeader = []byte{0, 'a', 's', 'm', 1, 0, 0, 0}

// Section is one section of a module's binary.
type Section struct {
	ID     byte
	Name   string // a custom section's name
	Body   []byte // the contents (after a custom section's name)
	Offset int    // where the section, its ID byte, starts
	End    int    // where the section ends
}

// Sections splits a module's binary into its sections, without decoding
// them. It checks only the framing: the header and each section's size.
func Sections(wasm []byte) ([]Section, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:8], wasmHeader) {
		return nil, errors.New("not a WebAssembly module (version 1 binary)")
	}
	var out []Section
	for p := 8; p < len(wasm); {
		start := p
		id := wasm[p]
		size, n, err := Uvarint(wasm[p+1:])
		if err != nil {
			return nil, fmt.Errorf("section at byte %d: %v", start, err)
		}
		p += 1 + n
		if size > uint64(len(wasm)-p) {
			return nil, fmt.Errorf("section at byte %d: size %d runs past the end", start, size)
		}
		s := Section{ID: id, Body: wasm[p : p+int(size)], Offset: start, End: p + int(size)}
		if id == 0 {
			nlen, m, err := Uvarint(s.Body)
			if err != nil || nlen > uint64(len(s.Body)-m) {
				return nil, fmt.Errorf("custom section at byte %d: bad name", start)
			}
			s.Name = string(s.Body[m : m+int(nlen)])
			s.Body = s.Body[m+int(nlen):]
		}
		out = append(out, s)
		p = s.End
	}
	return out, nil
}

// Uvarint decodes an unsigned LEB128 number of at most 32 bits.
func Uvarint(b []byte) (v uint64, n int, err error) {
	var shift uint
	for i, c := range b {
		if i == 5 {
			break
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if v > 1<<32-1 {
				return 0, 0, errors.New("number out of range")
			}
			return v, i + 1, nil
		}
		shift += 7
	}
	return 0, 0, errors.New("bad or truncated number")
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// Raw returns the manifest section's JSON: an error when the module has
// none, or more than one.
func Raw(wasm []byte) ([]byte, error) {
	secs, err := Sections(wasm)
	if err != nil {
		return nil, err
	}
	var found []byte
	n := 0
	for _, s := range secs {
		if s.ID == 0 && s.Name == SectionName {
			found = s.Body
			n++
		}
	}
	switch n {
	case 0:
		return nil, fmt.Errorf("no custom section %q: add the manifest with stagecraft module pack (spec/wasm.md, The manifest)", SectionName)
	case 1:
		return found, nil
	}
	return nil, fmt.Errorf("%d custom sections %q: a module has one manifest", n, SectionName)
}

// Read returns a module's validated manifest.
func Read(wasm []byte) (*Manifest, error) {
	raw, err := Raw(wasm)
	if err != nil {
		return nil, err
	}
	return Parse(raw)
}

// Embed returns the module with its manifest section replaced by (or set
// to) data; every other byte stays in place.
func Embed(wasm, data []byte) ([]byte, error) {
	if _, err := Parse(data); err != nil {
		return nil, err
	}
	secs, err := Sections(wasm)
	if err != nil {
		return nil, err
	}
	var body []byte
	body = appendUvarint(body, uint64(len(SectionName)))
	body = append(body, SectionName...)
	body = append(body, data...)
	section := appendUvarint([]byte{0}, uint64(len(body)))
	section = append(section, body...)
	// The manifest goes where the module had one (else last), and a
	// module packed again with the manifest it has is returned as it is:
	// a rebuild and repack keeps the module's bytes, so its hash.
	out := append([]byte(nil), wasm[:8]...)
	placed := false
	for _, s := range secs {
		if s.ID == 0 && s.Name == SectionName {
			if bytes.Equal(s.Body, data) && !placed {
				return wasm, nil
			}
			if !placed {
				out, placed = append(out, section...), true
			}
			continue
		}
		out = append(out, wasm[s.Offset:s.End]...)
	}
	if !placed {
		out = append(out, section...)
	}
	return out, nil
}
