package lsp

import (
	"bytes"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/lang/token"
)

// Positions: LSP counts lines from 0 and characters in UTF-16 code units;
// the front end counts bytes from a FileSet base. These convert.

// offsetAt returns the byte offset in text of an LSP position. A character
// past the end of its line is the line's end (before the \r of a \r\n),
// a line past the last is the end of the text, as LSP asks of servers,
// and a character in the middle of a surrogate pair is after the pair:
// an offset is never inside a rune's bytes. A leading byte-order mark is
// not counted, as token.File.Position does not count it for the ranges
// the server sends.
func offsetAt(text []byte, p protocol.Position) int {
	off := 0
	if p.Line == 0 && bytes.HasPrefix(text, token.BOM) {
		off = len(token.BOM)
	}
	for line := uint32(0); line < p.Line; line++ {
		i := bytes.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	for u16 := uint32(0); u16 < p.Character && off < len(text) && text[off] != '\n' && !crlf(text, off); {
		r, size := utf8.DecodeRune(text[off:])
		if r >= 0x10000 {
			u16 += 2
		} else {
			u16++
		}
		off += size
	}
	return off
}

// crlf reports whether a \r\n line end starts at off.
func crlf(text []byte, off int) bool {
	return text[off] == '\r' && off+1 < len(text) && text[off+1] == '\n'
}

// posOf returns an LSP position of a FileSet position.
func posOf(fset *token.FileSet, p token.Pos) protocol.Position {
	pp := fset.Position(p)
	return protocol.Position{Line: uint32(max(pp.Line-1, 0)), Character: uint32(pp.UTF16)}
}

// rangeOf returns the LSP range of [pos, end).
func rangeOf(fset *token.FileSet, pos, end token.Pos) protocol.Range {
	return protocol.Range{Start: posOf(fset, pos), End: posOf(fset, end)}
}

// location returns where [pos, end) is, as a client can open it: the
// built-in schema is written out first (Server.stdlibPath). ok is false
// for a position in no file the client can open.
func (s *Server) location(fset *token.FileSet, pos, end token.Pos) (protocol.Location, bool) {
	f := fset.File(pos)
	if f == nil {
		return protocol.Location{}, false
	}
	path := f.Name()
	if path == s.u.Lib.SchemaName {
		if path = s.stdlibPath(); path == "" {
			return protocol.Location{}, false
		}
	}
	return protocol.Location{URI: uriOf(path), Range: rangeOf(fset, pos, end)}, true
}
