package lsp

import (
	"unicode"
	"unicode/utf8"
)

// A small scanner for completion. Completion must work in a line that does
// not parse yet ("on stage Dostawa: send sms te"), where the parser has only
// a BadDecl to offer, so it reads the words before the cursor instead: the
// declaration's text up to the cursor, as tokens.

type tokKind byte

const (
	tWord   tokKind = iota // an identifier or keyword
	tString                // a complete "..." literal
	tLit                   // a number, duration, date or time
	tPunct                 // one character: : . , [ ] ( ) { } = < > + - * /
)

type tok struct {
	kind tokKind
	text string
	off  int // byte offset in the scanned text
}

// scanned is the text before the cursor, as tokens; open is set when the
// text ends inside a string literal, at the offset of its quote, and
// template then holds the placeholder being written, if the string has an
// unclosed {.
type scanned struct {
	toks     []tok
	open     int // offset of an unterminated string's quote; -1 if none
	template string
	tmplOff  int // offset of the template text
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func scan(src []byte) scanned {
	s := scanned{open: -1}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' && src[j] != '\n' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				s.open = i
				s.template, s.tmplOff = openPlaceholder(src[i+1:], i+1)
				return s
			}
			if src[j] == '\n' { // an unterminated string on an earlier line: skip it
				i = j
				continue
			}
			s.toks = append(s.toks, tok{tString, string(src[i : j+1]), i})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			// A time (09:00), a date (2026-12-24) or a decimal (1.5) goes on
			// past : - . only to a digit: after 2h: the rule's colon.
			digitNext := func(j int) bool { return j+1 < len(src) && src[j+1] >= '0' && src[j+1] <= '9' }
			for j < len(src) && (isWordByte(src[j]) || (src[j] == ':' || src[j] == '-' || src[j] == '.') && digitNext(j)) {
				j++
			}
			s.toks = append(s.toks, tok{tLit, string(src[i:j]), i})
			i = j
		default:
			r, size := utf8.DecodeRune(src[i:])
			if isWordRune(r) {
				j := i
				for j < len(src) {
					r, size := utf8.DecodeRune(src[j:])
					if !isWordRune(r) {
						break
					}
					j += size
				}
				s.toks = append(s.toks, tok{tWord, string(src[i:j]), i})
				i = j
				continue
			}
			s.toks = append(s.toks, tok{tPunct, string(src[i : i+size]), i})
			i += size
		}
	}
	return s
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// openPlaceholder returns the text after the last unclosed { of a string's
// content, or "" with off -1. An escaped brace (\{, \}) is text, as the
// lexer reads it.
func openPlaceholder(content []byte, base int) (string, int) {
	depth, start := 0, -1
	for i := 0; i < len(content); i++ {
		switch c := content[i]; c {
		case '\\':
			i++ // the escaped byte is text
		case '{':
			depth++
			if depth == 1 {
				start = i + 1
			}
		case '}':
			if depth > 0 {
				depth--
			}
		}
	}
	if depth == 0 {
		return "", -1
	}
	return string(content[start:]), base + start
}

// lastIs reports whether the last tokens are the given texts.
func lastIs(ts []tok, want ...string) bool {
	if len(ts) < len(want) {
		return false
	}
	for i, w := range want {
		if ts[len(ts)-len(want)+i].text != w {
			return false
		}
	}
	return true
}

// indexOf returns the index of the first token with the text at depth 0
// of brackets, or -1.
func indexOf(ts []tok, text string) int {
	depth := 0
	for i, t := range ts {
		if t.kind == tPunct {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth--
			}
		}
		if depth == 0 && t.text == text && t.kind != tString {
			return i
		}
	}
	return -1
}
