// Package token owns source positions: a Pos is a byte offset into a FileSet,
// resolved to a line and column only when a position is displayed.
//
// Keeping positions as offsets makes nodes small and comparisons cheap; the
// two display conventions the CLI needs (runes for humans, UTF-16 code units
// for LSP clients) are both derived from the same offset.
package token

import (
	"bytes"
	"slices"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Pos is a position in a FileSet: the file's base plus a byte offset.
// The zero value, NoPos, means "no position".
type Pos int

// NoPos is the zero Pos.
const NoPos Pos = 0

// BOM is the UTF-8 byte-order mark. At the start of a file it is skipped,
// as Go skips it: it is not part of the text, and columns start after it.
var BOM = []byte("\ufeff")

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p != NoPos }

// File is one source file of a FileSet.
type File struct {
	name  string
	base  int
	src   []byte
	lines []int // byte offset of the first byte of each line
}

// Name returns the file's name as given to AddFile.
func (f *File) Name() string { return f.name }

// Base returns the Pos of the file's first byte.
func (f *File) Base() int { return f.base }

// Size returns the length of the source in bytes.
func (f *File) Size() int { return len(f.src) }

// Source returns the file's text.
func (f *File) Source() []byte { return f.src }

// Pos returns the Pos of a byte offset in the file.
func (f *File) Pos(offset int) Pos { return Pos(f.base + offset) }

// Offset returns the byte offset of p in the file.
func (f *File) Offset(p Pos) int { return int(p) - f.base }

// Position is a display position: 1-based line, 1-based column in runes,
// and 0-based column in UTF-16 code units (the LSP convention).
type Position struct {
	Filename string
	Offset   int // byte offset, 0-based
	Line     int // 1-based
	Column   int // 1-based, counting runes
	UTF16    int // 0-based, counting UTF-16 code units
}

// IsValid reports whether the position has a line.
func (p Position) IsValid() bool { return p.Line > 0 }

// Position resolves a Pos of this file for display.
func (f *File) Position(p Pos) Position {
	off := f.Offset(p)
	if off < 0 {
		off = 0
	}
	if off > len(f.src) {
		off = len(f.src)
	}
	i := sort.Search(len(f.lines), func(i int) bool { return f.lines[i] > off }) - 1
	lineStart := f.lines[i]
	if i == 0 && bytes.HasPrefix(f.src, BOM) && off >= len(BOM) {
		lineStart = len(BOM) // editors do not show the mark, so columns start after it
	}
	col, u16 := 1, 0
	for _, r := range string(f.src[lineStart:off]) {
		col++
		if r >= 0x10000 {
			u16 += 2
		} else {
			u16++
		}
	}
	return Position{Filename: f.name, Offset: off, Line: i + 1, Column: col, UTF16: u16}
}

// Line returns the text of the 1-based line n, without its newline.
func (f *File) Line(n int) string {
	if n < 1 || n > len(f.lines) {
		return ""
	}
	start := f.lines[n-1]
	if n == 1 && bytes.HasPrefix(f.src, BOM) {
		start = len(BOM)
	}
	end := len(f.src)
	if n < len(f.lines) {
		end = f.lines[n] - 1
	}
	if end > start && f.src[end-1] == '\r' {
		end--
	}
	return string(f.src[start:end])
}

// LineStart reports whether the byte at offset is the first non-blank byte of its line.
func (f *File) LineStart(offset int) bool {
	for i := offset - 1; i >= 0; i-- {
		switch f.src[i] {
		case ' ', '\t', '\r':
			continue
		case '\n':
			return true
		default:
			return false
		}
	}
	return true
}

// FileSet holds the files of one check or format run. Bases start at 1 so
// that Pos 0 stays NoPos, and each file leaves one byte of room so that a
// position at end of file still belongs to it.
type FileSet struct {
	base  int
	files []*File
}

// NewFileSet returns an empty FileSet.
func NewFileSet() *FileSet { return &FileSet{base: 1} }

// AddFile adds a file with its source and returns it.
func (s *FileSet) AddFile(name string, src []byte) *File {
	f := &File{name: name, base: s.base, src: src, lines: []int{0}}
	for i, b := range src {
		if b == '\n' {
			f.lines = append(f.lines, i+1)
		}
	}
	s.base += len(src) + 1
	s.files = append(s.files, f)
	return f
}

// File returns the file containing p, or nil.
func (s *FileSet) File(p Pos) *File {
	i := sort.Search(len(s.files), func(i int) bool { return s.files[i].base > int(p) }) - 1
	if i < 0 || !p.IsValid() {
		return nil
	}
	f := s.files[i]
	if int(p) > f.base+len(f.src) {
		return nil
	}
	return f
}

// Files returns the files in the order they were added.
func (s *FileSet) Files() []*File { return s.files }

// RemoveFile takes f out of the set: positions in it resolve to no file
// any more, and the set no longer holds its text. Its positions are not
// given to another file. A language server adds a file's new text after
// each edit and removes the replaced one once nothing refers to its
// positions, so that the set holds the live texts only.
func (s *FileSet) RemoveFile(f *File) {
	i := sort.Search(len(s.files), func(i int) bool { return s.files[i].base >= f.base })
	if i < len(s.files) && s.files[i] == f {
		s.files = slices.Delete(s.files, i, i+1)
	}
}

// Position resolves p for display; the zero Position if p is not in the set.
func (s *FileSet) Position(p Pos) Position {
	if f := s.File(p); f != nil {
		return f.Position(p)
	}
	return Position{}
}

// RuneCount is the number of runes in s; a helper for column arithmetic.
func RuneCount(s string) int { return utf8.RuneCountInString(s) }

// String renders a position as file:line:col.
func (p Position) String() string {
	if !p.IsValid() {
		return p.Filename
	}
	return p.Filename + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column)
}
