package parser

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/stagecraft/stagecraft/lang/token"

	"github.com/stagecraft/stagecraft/lang/diag"
)

// Token types. Keywords are lexed as their own type so that an @Ident capture
// never takes one; contextual words (mailbox, field, test, ...) stay Ident.
const (
	tEOF lexer.TokenType = lexer.EOF - iota
	tComment
	tIdent
	tKeyword
	tString
	tNumber
	tDuration
	tDate
	tDateTime
	tClock
	tPunct
	tError
)

var symbols = map[string]lexer.TokenType{
	"EOF": tEOF, "Comment": tComment, "Ident": tIdent, "Keyword": tKeyword,
	"String": tString, "Number": tNumber, "Duration": tDuration, "Date": tDate,
	"DateTime": tDateTime, "Clock": tClock, "Punct": tPunct, "Error": tError,
}

// Keywords are reserved: they cannot name a variable, resource or item.
var Keywords = map[string]bool{
	"on": true, "stage": true, "move": true, "to": true, "when": true, "as": true,
	"after": true, "at": true, "if": true, "then": true, "and": true, "or": true,
	"not": true, "in": true, "true": true, "false": true, "null": true,
	"let": true, "calc": true, "update": true,
	"given": true, "expect": true, "event": true, "wait": true, "set": true,
}

// definition is the lexer.Definition handed to participle. The parser lexes
// each file once itself (see Parse); participle only sees pre-lexed chunks, so
// Lex is here for participle's Build and for tools that want a token stream.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return symbols }

func (definition) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	toks, _ := scan(filename, src)
	return &sliceLexer{toks: toks[:len(toks)-1], eof: toks[len(toks)-1]}, nil
}

// sliceLexer feeds participle a slice of tokens followed by eof.
type sliceLexer struct {
	toks []lexer.Token
	eof  lexer.Token
	i    int
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	if l.i >= len(l.toks) {
		return l.eof, nil
	}
	t := l.toks[l.i]
	l.i++
	return t, nil
}

// lexError is a problem found while scanning, reported by the parser.
type lexError struct {
	offset, end int
	code        diag.Code
	msg         string
	hint        string
	fix         string // when not empty, what [offset, end) should be replaced with
}

type scanner struct {
	file  string
	src   []byte
	text  string // src as a string, once: token values are its substrings, not one allocation each
	off   int
	line  int
	col   int // 1-based, in runes
	toks  []lexer.Token
	errs  []lexError
	first bool // no token yet on the current line
}

// scan turns source into tokens, comments included, ending with EOF. Bad
// input never stops it: a bad character becomes an Error token and a lexError.
func scan(file string, src []byte) ([]lexer.Token, []lexError) {
	toks, errs, _ := scanInto(make([]lexer.Token, 0, len(src)/4), file, src)
	return toks, errs
}

// scanInto is scan appending to buf, which ParseFile reuses from one file
// to the next: a token is 64 bytes, several times the text it stands for,
// and the tokens are not needed once the declarations are built. text is
// src as a string, of which the tokens' values are substrings.
func scanInto(buf []lexer.Token, file string, src []byte) (toks []lexer.Token, errs []lexError, text string) {
	s := &scanner{file: file, src: src, text: string(src), line: 1, col: 1, first: true, toks: buf[:0]}
	if bytes.HasPrefix(src, token.BOM) {
		s.off = len(token.BOM) // as Go does: a leading byte-order mark is not part of the text
	}
	for {
		s.skipSpace()
		if s.off >= len(s.src) {
			s.toks = append(s.toks, lexer.Token{Type: tEOF, Pos: s.pos()})
			return s.toks, s.errs, s.text
		}
		s.next()
	}
}

func (s *scanner) pos() lexer.Position {
	return lexer.Position{Filename: s.file, Offset: s.off, Line: s.line, Column: s.col}
}

func (s *scanner) skipSpace() {
	for s.off < len(s.src) {
		switch s.src[s.off] {
		case ' ', '\t', '\r':
			s.off++
			s.col++
		case '\n':
			s.off++
			s.line++
			s.col = 1
			s.first = true
		default:
			return
		}
	}
}

// emit appends a token of n bytes starting at the current offset.
func (s *scanner) emit(typ lexer.TokenType, n int) {
	p := s.pos()
	v := s.text[s.off : s.off+n]
	s.toks = append(s.toks, lexer.Token{Type: typ, Value: v, Pos: p})
	s.off += n
	s.col += utf8.RuneCountInString(v)
	s.first = false
}

func (s *scanner) fail(n int, code diag.Code, format string, args ...any) {
	// A run of bad characters is one error, not one per character.
	if k := len(s.errs) - 1; k >= 0 && code == diag.EBadChar && s.errs[k].code == diag.EBadChar && s.errs[k].end == s.off {
		s.errs[k].end += n
		run := s.src[s.errs[k].offset:s.errs[k].end]
		s.errs[k].msg = fmt.Sprintf("unexpected characters %q", run)
		if !utf8.Valid(run) {
			s.errs[k].msg = fmt.Sprintf("unexpected characters %q, with bytes that are not UTF-8: save the file as UTF-8", run)
		}
		s.emit(tError, n)
		return
	}
	s.errs = append(s.errs, lexError{offset: s.off, end: s.off + n, code: code, msg: fmt.Sprintf(format, args...)})
	s.emit(tError, n)
}

func (s *scanner) next() {
	c := s.src[s.off]
	rest := s.src[s.off:]
	switch {
	case c == '#':
		n := bytes.IndexByte(rest, '\n')
		if n < 0 {
			n = len(rest)
		}
		for n > 0 && rest[n-1] == '\r' {
			n--
		}
		s.emit(tComment, n)
	case c == '"':
		s.scanString(rest)
	case c == '\'':
		s.scanSingleQuoted(rest)
	case isDigit(c):
		s.scanNumber(rest)
	case c < utf8.RuneSelf && (isLetter(c) || c == '_'):
		s.scanIdent(rest)
	case c >= utf8.RuneSelf:
		r, size := utf8.DecodeRune(rest)
		if r == utf8.RuneError && size == 1 {
			s.fail(size, diag.EBadChar, "byte 0x%02X is not UTF-8: save the file as UTF-8", c)
			return
		}
		if unicode.IsLetter(r) {
			s.scanIdent(rest)
			return
		}
		if strings.ContainsRune(openingQuotes, r) {
			s.scanTypographic(rest, size)
			return
		}
		s.fail(size, diag.EBadChar, "unexpected character %q", r)
	default:
		if len(rest) >= 2 {
			switch string(rest[:2]) {
			case "==", "!=", "<=", ">=", "..":
				s.emit(tPunct, 2)
				return
			case "&&", "||":
				s.otherOperator(rest[:2])
				return
			}
		}
		if c == '!' && len(rest) > 1 && (isLetter(rest[1]) || rest[1] == '(' || rest[1] == '_') {
			s.otherOperator(rest[:1])
			return
		}
		if strings.IndexByte("<>+-*/%=.,:[](){}", c) >= 0 {
			s.emit(tPunct, 1)
			return
		}
		s.fail(1, diag.EBadChar, "unexpected character %q", rune(c))
	}
}

func (s *scanner) scanIdent(rest []byte) {
	n := 0
	for n < len(rest) {
		r, size := utf8.DecodeRune(rest[n:])
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		n += size
	}
	typ := tIdent
	if Keywords[string(rest[:n])] {
		typ = tKeyword
	}
	s.emit(typ, n)
}

// scanString scans a double-quoted string on one line. Escapes are checked
// here; placeholders are parsed later, with the string's position.
func (s *scanner) scanString(rest []byte) {
	for i := 1; i < len(rest); i++ {
		switch rest[i] {
		case '\\':
			if i+1 < len(rest) && strings.IndexByte(`"\nt{}`, rest[i+1]) < 0 {
				s.errs = append(s.errs, lexError{offset: s.off + i, end: s.off + i + 2, code: diag.EBadEscape,
					msg: fmt.Sprintf(`unknown escape \%c: use \", \\, \n, \t, \{ or \}`, rest[i+1])})
			}
			i++
		case '"':
			if body := rest[1:i]; !utf8.Valid(body) {
				// Its value would reach an item's field, which takes
				// only text: said here, where the file can be mended.
				bad := firstInvalid(body)
				s.errs = append(s.errs, lexError{offset: s.off + 1 + bad, end: s.off + 2 + bad, code: diag.EBadChar,
					msg: fmt.Sprintf("byte 0x%02X in this string is not UTF-8: save the file as UTF-8", body[bad])})
			}
			s.emit(tString, i+1)
			return
		case '\n':
			if rest[i-1] == '\r' { // a CRLF line ends where a LF one does: the range leaves out the \r
				i--
			}
			s.fail(i, diag.EUnterminated, "string not terminated before the end of the line")
			return
		}
	}
	s.fail(len(rest), diag.EUnterminated, "string not terminated before the end of the file")
}

// scanSingleQuoted reports a string in single quotes, as other languages
// write them, once, with the double-quoted string as its fix. When the text
// needs no escaping the token is a string, so that the declaration is
// still parsed and checked: the one mistake gets one error.
func (s *scanner) scanSingleQuoted(rest []byte) {
	end := bytes.IndexAny(rest[1:], "'\n")
	if end < 0 || rest[1+end] != '\'' {
		s.errs = append(s.errs, lexError{offset: s.off, end: s.off + 1, code: diag.EBadChar,
			msg: `unexpected character '\''`, hint: `strings are written in double quotes: "text"`})
		s.emit(tError, 1)
		return
	}
	n := end + 2
	fixed := quoteText(rest[1 : n-1])
	s.errs = append(s.errs, lexError{offset: s.off, end: s.off + n, code: diag.EBadChar,
		msg: "strings are written in double quotes, not single", hint: "write " + fixed, fix: fixed})
	if len(fixed) != n {
		s.emit(tError, n)
		return
	}
	// The same length as the source: the token's value is the fixed string,
	// and positions computed from it stay right.
	p := s.pos()
	s.toks = append(s.toks, lexer.Token{Type: tString, Value: fixed, Pos: p})
	s.off += n
	s.col += utf8.RuneCount(rest[:n])
	s.first = false
}

// openingQuotes and closingOf are the typographic quotes a text
// copied from a document or a help article comes with: „Polish”, “English”,
// «Italian», ‘single’.
const openingQuotes = "„“”«»‘’‚"

// closingOf are the quotes that close each opening one, as languages pair
// them („Polish”, “English”, «Italian», »German«, ‚single‘).
var closingOf = map[rune]string{'„': "”“", '“': "”", '”': "”", '«': "»", '»': "«", '‘': "’", '’': "’", '‚': "‘’"}

// quoteText writes a text as a string of the language: in double quotes,
// with " and \ escaped and every other character as it is (the language
// has no \u escapes).
func quoteText(text []byte) string {
	var q strings.Builder
	q.WriteByte('"')
	for _, b := range text {
		if b == '"' || b == '\\' {
			q.WriteByte('\\')
		}
		q.WriteByte(b)
	}
	q.WriteByte('"')
	return q.String()
}

// scanTypographic reports a string in typographic quotes once, with the
// string in straight double quotes as its fix; the token is an error
// covering it (its fix is shorter than its source in bytes).
func (s *scanner) scanTypographic(rest []byte, open int) {
	line := rest
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	opening, _ := utf8.DecodeRune(rest)
	end := bytes.IndexAny(line[open:], closingOf[opening])
	if end < 0 {
		r, _ := utf8.DecodeRune(rest)
		s.errs = append(s.errs, lexError{offset: s.off, end: s.off + open, code: diag.EBadChar,
			msg: fmt.Sprintf("unexpected character %q", r), hint: `strings are written in straight double quotes: "text"`})
		s.emit(tError, open)
		return
	}
	_, closeSize := utf8.DecodeRune(line[open+end:])
	n := open + end + closeSize
	fixed := quoteText(line[open : open+end])
	s.errs = append(s.errs, lexError{offset: s.off, end: s.off + n, code: diag.EBadChar,
		msg: "strings are written in straight double quotes, not typographic ones", hint: "write " + fixed, fix: fixed})
	s.emit(tError, n)
}

// wordOperators are the words for other languages' logical operators.
var wordOperators = map[string]string{"&&": "and", "||": "or", "!": "not"}

// otherOperator reports a logical operator of other languages (&&, ||, !)
// with the word as its fix. The token is the word, so that the
// declaration is still parsed and checked: the one mistake gets one
// error. (Its value is longer than its source; nothing ends at an
// operator.)
func (s *scanner) otherOperator(op []byte) {
	word := wordOperators[string(op)]
	fix := word
	if word == "not" {
		fix += " " // !x is not x
	}
	s.errs = append(s.errs, lexError{offset: s.off, end: s.off + len(op), code: diag.EBadChar,
		msg: fmt.Sprintf("unexpected %q: the language writes %s", op, word), hint: "write " + word, fix: fix})
	s.toks = append(s.toks, lexer.Token{Type: tKeyword, Value: word, Pos: s.pos()})
	s.off += len(op)
	s.col += len(op)
	s.first = false
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func digits(b []byte) int {
	n := 0
	for n < len(b) && isDigit(b[n]) {
		n++
	}
	return n
}

// scanNumber scans a number, duration (1h30m), date (2026-12-24), date-time
// (2026-12-24T14:00) or time of day (14:00).
func (s *scanner) scanNumber(rest []byte) {
	n := digits(rest)
	// Date and date-time.
	if n == 4 && len(rest) >= 10 && rest[4] == '-' && digits(rest[5:]) == 2 && rest[7] == '-' && digits(rest[8:]) == 2 {
		if len(rest) >= 16 && rest[10] == 'T' && digits(rest[11:]) == 2 && rest[13] == ':' && digits(rest[14:]) == 2 {
			if !validClock(rest[11:16]) || !validDate(rest[:10]) {
				s.fail(16, diag.EBadLiteral, "invalid date-time %s", rest[:16])
				return
			}
			s.emit(tDateTime, 16)
			return
		}
		if !validDate(rest[:10]) {
			s.fail(10, diag.EBadLiteral, "invalid date %s", rest[:10])
			return
		}
		s.emit(tDate, 10)
		return
	}
	// Time of day.
	if n <= 2 && len(rest) >= n+3 && rest[n] == ':' && digits(rest[n+1:]) == 2 {
		if !validClock(rest[:n+3]) {
			s.fail(n+3, diag.EBadLiteral, "invalid time of day %s: hours run 0-23, minutes 0-59", rest[:n+3])
			return
		}
		s.emit(tClock, n+3)
		return
	}
	// Number with a fraction.
	if len(rest) > n+1 && rest[n] == '.' && isDigit(rest[n+1]) {
		n += 1 + digits(rest[n+1:])
	}
	end := n
	for end < len(rest) {
		if c := rest[end]; isLetter(c) || isDigit(c) || c == '_' {
			end++
			continue
		}
		// A letter past ASCII belongs to the literal too (3dzień), so
		// that what is glued to the number is said whole.
		r, size := utf8.DecodeRune(rest[end:])
		if r == utf8.RuneError || !unicode.IsLetter(r) {
			break
		}
		end += size
	}
	if end == n {
		s.emit(tNumber, n)
		return
	}
	if validDuration(rest[:end]) {
		s.emit(tDuration, end)
		return
	}
	if unit := unitWords[strings.ToLower(string(rest[n:end]))]; unit != "" && !bytes.ContainsAny(rest[:n], ".") {
		// 6months, 3dni: a unit written as a word, glued to the number.
		fix := string(rest[:n]) + unit
		s.errs = append(s.errs, lexError{offset: s.off, end: s.off + end, code: diag.EBadLiteral,
			msg: fmt.Sprintf("a duration is written %s, not %s", fix, rest[:end]), hint: "units: s, m, h, d, w, mo (30 days)", fix: fix})
		s.emit(tError, end)
		return
	}
	if end-n >= 2 && (rest[n] == 'e' || rest[n] == 'E') && digits(rest[n+1:]) == end-n-1 {
		s.fail(end, diag.EBadLiteral, "invalid number %q: numbers are written without exponents (1500000, 0.25)", rest[:end])
		return
	}
	s.fail(end, diag.EBadLiteral, "invalid number or duration %q: a duration is whole numbers with units s, m, h, d, w, mo (1h30m, 180d, 6mo)", rest[:end])
}

// validDuration reports whether b is one or more groups of digits and a unit.
func validDuration(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for len(b) > 0 {
		n := digits(b)
		if n == 0 {
			return false
		}
		b = b[n:]
		switch {
		case len(b) >= 2 && string(b[:2]) == "mo":
			b = b[2:]
		case len(b) >= 1 && strings.IndexByte("smhdw", b[0]) >= 0:
			b = b[1:]
		default:
			return false
		}
	}
	return true
}

func validClock(b []byte) bool {
	i := bytes.IndexByte(b, ':')
	h, m := atoi(b[:i]), atoi(b[i+1:])
	return h < 24 && m < 60
}

func validDate(b []byte) bool {
	y, m, d := atoi(b[:4]), atoi(b[5:7]), atoi(b[8:10])
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

// firstInvalid is the offset of b's first byte that is not UTF-8, or -1.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}
