package value

import (
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends v as encoding/json would write it (members k, n, s,
// t, l, each left out when empty), without reflection: items are encoded
// on every input that changes them.
func (v Value) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	sep := func() {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
	}
	if v.K != Null {
		b = strconv.AppendUint(append(b, `"k":`...), uint64(v.K), 10)
	}
	if v.N != 0 {
		sep()
		b = appendFloat(append(b, `"n":`...), v.N)
	}
	if v.S != "" {
		sep()
		b = AppendJSONString(append(b, `"s":`...), v.S)
	}
	if v.Tag != "" {
		sep()
		b = AppendJSONString(append(b, `"t":`...), v.Tag)
	}
	if len(v.L) > 0 {
		sep()
		b = append(b, `"l":[`...)
		for i, e := range v.L {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.AppendJSON(b)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendFloat writes a number as encoding/json does.
func appendFloat(b []byte, f float64) []byte {
	abs := f
	if abs < 0 {
		abs = -abs
	}
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// AppendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it (HTML characters included).
func AppendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&15])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
