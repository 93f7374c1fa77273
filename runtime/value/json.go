package value

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A value's JSON is what encoding/json would write for the struct (members
// k, n, s, t, l, each left out when empty), written and read without
// reflection: items are encoded on every input that changes them.

// EncodeJSON appends v's JSON to b. A value outside the domain (Valid) is
// an error, b is then returned unchanged: nothing written can fail to read
// back. It allocates nothing but b's growth.
func (v Value) EncodeJSON(b []byte) ([]byte, error) {
	if err := valid(&v, 0); err != nil {
		return b, err
	}
	return v.AppendJSON(b), nil
}

// MarshalJSON is EncodeJSON for encoding/json: a struct holding values
// cannot be marshalled with one outside the domain.
func (v Value) MarshalJSON() ([]byte, error) { return v.EncodeJSON(nil) }

// AppendJSON appends v's JSON to b and cannot fail: for a value inside the
// domain it writes what EncodeJSON writes. For one outside, it still writes
// valid JSON, which UnmarshalJSON refuses: a NaN or ±Inf number as the
// string "NaN", "+Inf" or "-Inf" (never a bare NaN), invalid UTF-8 as
// U+FFFD (as encoding/json). Use EncodeJSON for what is stored.
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

// appendFloat writes a number as encoding/json does; a NaN or ±Inf, which
// JSON has no number for, as a string.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"+Inf"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Inf"`...)
	}
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
// escapes it (HTML characters included; invalid UTF-8 as U+FFFD).
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

// UnmarshalJSON reads a value's JSON, strictly: anything EncodeJSON would
// not write is an error rather than a value read some other way. A number
// past float64's range, a NaN or ±Inf written as a string, invalid UTF-8
// (raw, or an unpaired surrogate escaped), an unknown kind or member, and
// any value outside the domain (Valid) are refused, saying what and where.
// JSON null reads as the null value.
func (v *Value) UnmarshalJSON(data []byte) error {
	d := decoder{data: data}
	d.space()
	if d.take("null") {
		if err := d.end(); err != nil {
			return err
		}
		*v = Value{}
		return nil
	}
	out, err := d.value(0)
	if err == nil {
		err = d.end()
	}
	if err == nil {
		err = valid(&out, 0)
	}
	if err != nil {
		return fmt.Errorf("value: %w", err)
	}
	*v = out
	return nil
}

// decoder reads the JSON of values.
type decoder struct {
	data []byte
	i    int
}

func (d *decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// take consumes s if the input goes on with it.
func (d *decoder) take(s string) bool {
	if len(d.data)-d.i >= len(s) && string(d.data[d.i:d.i+len(s)]) == s {
		d.i += len(s)
		return true
	}
	return false
}

func (d *decoder) expect(c byte) error {
	d.space()
	if d.i < len(d.data) && d.data[d.i] == c {
		d.i++
		return nil
	}
	return d.errorf("want %q", c)
}

func (d *decoder) end() error {
	d.space()
	if d.i != len(d.data) {
		return d.errorf("want the end of the value")
	}
	return nil
}

func (d *decoder) errorf(format string, args ...any) error {
	found := "the end"
	if d.i < len(d.data) {
		found = strconv.QuoteRune(rune(d.data[d.i]))
	}
	return fmt.Errorf("offset %d: %s, found %s", d.i, fmt.Sprintf(format, args...), found)
}

// value reads {"k":..,"n":..,"s":..,"t":..,"l":[..]}.
func (d *decoder) value(depth int) (Value, error) {
	var v Value
	if depth > MaxDepth {
		return v, d.errorf("lists and records nested more than %d deep", MaxDepth)
	}
	if err := d.expect('{'); err != nil {
		return v, err
	}
	d.space()
	if d.take("}") {
		return v, nil
	}
	for {
		d.space()
		at := d.i
		name, err := d.string()
		if err != nil {
			return v, err
		}
		if err := d.expect(':'); err != nil {
			return v, err
		}
		d.space()
		switch name {
		case "k":
			n, err := d.number("k")
			if err != nil {
				return v, err
			}
			if n < 0 || n > float64(Record) || n != math.Trunc(n) {
				return v, fmt.Errorf("offset %d: unknown kind %v", at, n)
			}
			v.K = Kind(n)
		case "n":
			if v.N, err = d.number("n"); err != nil {
				return v, err
			}
		case "s":
			if v.S, err = d.string(); err != nil {
				return v, err
			}
		case "t":
			if v.Tag, err = d.string(); err != nil {
				return v, err
			}
		case "l":
			if v.L, err = d.list(depth); err != nil {
				return v, err
			}
		default:
			return v, fmt.Errorf("offset %d: unknown member %q: a value has k, n, s, t and l", at, name)
		}
		d.space()
		if d.take("}") {
			return v, nil
		}
		if err := d.expect(','); err != nil {
			return v, err
		}
	}
}

func (d *decoder) list(depth int) ([]Value, error) {
	if err := d.expect('['); err != nil {
		return nil, err
	}
	var out []Value
	d.space()
	if d.take("]") {
		return out, nil
	}
	for {
		e, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		d.space()
		if d.take("]") {
			return out, nil
		}
		if err := d.expect(','); err != nil {
			return nil, err
		}
	}
}

// number reads a JSON number into a finite float64.
func (d *decoder) number(member string) (float64, error) {
	start := d.i
	if d.i < len(d.data) && d.data[d.i] == '"' { // AppendJSON's "NaN", "+Inf", "-Inf"
		s, err := d.string()
		if err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("offset %d: %s is %q: NaN and ±Inf are not numbers", start, member, s)
	}
	digits := func() int {
		n := 0
		for d.i < len(d.data) && d.data[d.i] >= '0' && d.data[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	d.take("-")
	if d.take("0") {
		if d.i < len(d.data) && d.data[d.i] >= '0' && d.data[d.i] <= '9' {
			return 0, d.errorf("%s: a number does not start with 0", member)
		}
	} else if digits() == 0 {
		return 0, d.errorf("%s: want a number", member)
	}
	if d.take(".") && digits() == 0 {
		return 0, d.errorf("%s: want digits after the decimal point", member)
	}
	if d.take("e") || d.take("E") {
		if !d.take("+") {
			d.take("-")
		}
		if digits() == 0 {
			return 0, d.errorf("%s: want the exponent's digits", member)
		}
	}
	text := string(d.data[start:d.i])
	n, err := strconv.ParseFloat(text, 64)
	if math.IsInf(n, 0) || err != nil {
		return 0, fmt.Errorf("offset %d: %s: number %s is beyond the largest number (±1.8e308)", start, member, abbreviate(text))
	}
	return n, nil
}

// string reads a JSON string, which must be valid UTF-8 once unescaped.
func (d *decoder) string() (string, error) {
	if d.i >= len(d.data) || d.data[d.i] != '"' {
		return "", d.errorf("want a string")
	}
	d.i++
	start := d.i
	// The common case, no escapes: one allocation, for the result.
	for d.i < len(d.data) {
		c := d.data[d.i]
		if c == '"' {
			s := d.data[start:d.i]
			d.i++
			if !utf8.Valid(s) {
				return "", d.invalidUTF8(start, s)
			}
			return string(s), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		d.i++
	}
	buf := append([]byte(nil), d.data[start:d.i]...)
	for d.i < len(d.data) {
		c := d.data[d.i]
		switch {
		case c == '"':
			d.i++
			if !utf8.Valid(buf) {
				return "", d.invalidUTF8(start, buf)
			}
			return string(buf), nil
		case c < 0x20:
			return "", d.errorf("a control character in a string")
		case c != '\\':
			buf = append(buf, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.data) {
			return "", d.errorf("an unfinished escape")
		}
		esc := d.data[d.i+1]
		d.i += 2
		switch esc {
		case '"', '\\', '/':
			buf = append(buf, esc)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := d.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if d.take(`\u`) {
					if r2, err = d.hex4(); err != nil {
						return "", err
					}
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return "", fmt.Errorf("offset %d: text is not valid UTF-8: an unpaired surrogate escaped", d.i)
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			d.i--
			return "", d.errorf("an unknown escape")
		}
	}
	return "", d.errorf("an unfinished string")
}

func (d *decoder) hex4() (rune, error) {
	if d.i+4 > len(d.data) {
		return 0, d.errorf("want 4 hex digits")
	}
	n, err := strconv.ParseUint(string(d.data[d.i:d.i+4]), 16, 16)
	if err != nil {
		return 0, d.errorf("want 4 hex digits")
	}
	d.i += 4
	return rune(n), nil
}

func (d *decoder) invalidUTF8(start int, s []byte) error {
	if err := validText(string(s)); err != nil {
		return fmt.Errorf("the string at offset %d: %w", start-1, err)
	}
	return nil
}
