package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The shape of a manifest, member by member: what readStrict holds a
// manifest's JSON to before it is decoded, so that every mistake is told
// with where it is (line:col, and the path to the member) in the
// manifest's words, not encoding/json's Go types; and so that a member
// given twice is refused, as in a reply (spec/wasm.md, "Values"): JSON
// parsers differ on which of the two wins, and a reviewer reading the
// first must not see another manifest than the host, which would read the
// last.
type (
	shape  interface{ want() string }
	object struct {
		members  map[string]shape
		required []string
	}
	array     struct{ elem shape }
	scalar    string   // the JSON kind it takes: "string", "bool"
	typeShape struct{} // a string that ParseType reads
	intShape  struct{} // a whole number
)

func (object) want() string    { return "an object" }
func (array) want() string     { return "an array" }
func (s scalar) want() string  { return "a " + string(s) }
func (typeShape) want() string { return "a string" }
func (intShape) want() string  { return "a whole number" }

var (
	paramShape = object{members: map[string]shape{
		"name": scalar("string"), "type": typeShape{}, "optional": scalar("bool"), "doc": scalar("string"),
	}, required: []string{"name", "type"}}
	actionShape = object{members: map[string]shape{
		"name": scalar("string"), "doc": scalar("string"), "inputs": array{paramShape}, "outputs": array{paramShape},
	}, required: []string{"name", "outputs"}}
	manifestShape = object{members: map[string]shape{
		"abi": intShape{}, "name": scalar("string"), "version": scalar("string"), "actions": array{actionShape},
	}, required: []string{"abi", "name", "version", "actions"}}
)

// strictReader walks a manifest's tokens against its shape.
type strictReader struct {
	data []byte
	dec  *json.Decoder
	tok  int            // the offset of the token read last: where an error points
	pos  map[string]int // where each member's value starts, by path: for Validate's errors
}

// readStrict checks that data is one JSON object of the manifest's shape
// and nothing after it, and returns where each member's value starts, by
// its path ("actions[0].inputs[1].name"), so that what Validate finds
// wrong with a value is told where it is too.
func readStrict(data []byte) (map[string]int, error) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		return nil, errors.New("manifest: it starts with a byte order mark (EF BB BF): save it as UTF-8 without one")
	}
	r := &strictReader{data: data, dec: json.NewDecoder(bytes.NewReader(data)), pos: map[string]int{}}
	r.dec.UseNumber()
	if err := r.value(manifestShape, "", false); err != nil {
		return nil, err
	}
	if _, err := r.next(); err != io.EOF {
		return nil, r.errorf("", "data after the manifest's JSON object (one object, nothing after it)")
	}
	return r.pos, nil
}

// at is line:col of the token read last, 1-based.
func (r *strictReader) at() string { return lineCol(r.data, r.tok) }

// lineCol is line:col of a byte offset of data, 1-based, the column in
// characters.
func lineCol(data []byte, off int) string {
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("%d:%d", line, col)
}

func (r *strictReader) errorf(path, format string, args ...any) error {
	where := "manifest:" + r.at()
	if path != "" {
		where += ": " + path
	}
	return fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
}

// next reads the next token, noting where it starts: the decoder's
// offset is past the token before, and the next one starts after the
// blanks and the separator between them.
func (r *strictReader) next() (json.Token, error) {
	r.tok = min(int(r.dec.InputOffset()), len(r.data))
	for r.tok < len(r.data) && strings.IndexByte(" \t\r\n,:", r.data[r.tok]) >= 0 {
		r.tok++
	}
	return r.dec.Token()
}

// token is next, its errors said with where they are.
func (r *strictReader) token(path string) (json.Token, error) {
	tok, err := r.next()
	if err == io.EOF {
		return nil, r.errorf(path, "the JSON ends early")
	}
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			r.tok = min(int(se.Offset), len(r.data)) // the byte it stopped at
			return nil, r.errorf(path, "not JSON: %s", se.Error())
		}
		return nil, r.errorf(path, "not JSON: %v", err)
	}
	return tok, nil
}

// value reads one value of shape s at path; null where the member may
// be left out (optional) is as if it were (json.Marshal of a Manifest
// writes an action without inputs as "inputs": null).
func (r *strictReader) value(s shape, path string, optional bool) error {
	tok, err := r.token(path)
	if err != nil {
		return err
	}
	r.pos[path] = r.tok
	if tok == nil && optional {
		return nil
	}
	switch s := s.(type) {
	case object:
		if tok != json.Delim('{') {
			return r.errorf(path, "want %s, not %s", s.want(), kindOf(tok))
		}
		return r.object(s, path)
	case array:
		if tok != json.Delim('[') {
			return r.errorf(path, "want %s, not %s", s.want(), kindOf(tok))
		}
		for i := 0; r.dec.More(); i++ {
			if err := r.value(s.elem, fmt.Sprintf("%s[%d]", path, i), false); err != nil {
				return err
			}
		}
		_, err := r.token(path) // ]
		return err
	case scalar:
		if k := kindOf(tok); k != s.want() {
			return r.errorf(path, "want %s, not %s", s.want(), k)
		}
	case intShape:
		n, ok := tok.(json.Number)
		if !ok {
			return r.errorf(path, "want %s, not %s", s.want(), kindOf(tok))
		}
		if _, err := strconv.ParseInt(string(n), 10, 32); err != nil {
			return r.errorf(path, "want %s, not %s", s.want(), n)
		}
	case typeShape:
		name, ok := tok.(string)
		if !ok {
			return r.errorf(path, `want a type such as "money" or "list(date)", not %s`, kindOf(tok))
		}
		if _, err := ParseType(name); err != nil {
			return r.errorf(path, "%v", err)
		}
	}
	return nil
}

func (r *strictReader) object(s object, path string) error {
	seen := map[string]bool{}
	for r.dec.More() {
		tok, err := r.token(path)
		if err != nil {
			return err
		}
		name := tok.(string) // an object's keys are strings, or Token fails
		at := join(path, name)
		m, ok := s.members[name]
		switch {
		case seen[name]:
			return r.errorf(at, "given twice: JSON readers differ on which one counts, so give each member once")
		case !ok:
			return r.errorf(at, "no such member%s; %s takes %s", suggest(name, s), describe(path), strings.Join(slices.Sorted(maps.Keys(s.members)), ", "))
		}
		seen[name] = true
		if err := r.value(m, at, !slices.Contains(s.required, name)); err != nil {
			return err
		}
	}
	if _, err := r.token(path); err != nil { // }
		return err
	}
	for _, req := range s.required {
		if !seen[req] {
			return r.errorf(path, "no %q: %s needs one", req, describe(path))
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// describe names what is at path: the manifest, an action, an input or
// an output.
func describe(path string) string {
	switch {
	case path == "":
		return "the manifest"
	case strings.Contains(path, ".inputs["):
		return "an input"
	case strings.Contains(path, ".outputs["):
		return "an output"
	}
	return "an action"
}

func suggest(name string, s object) string {
	for m := range s.members {
		if strings.EqualFold(name, m) || closeTo(name, m) {
			return fmt.Sprintf(" (did you mean %q?)", m)
		}
	}
	return ""
}

// closeTo says whether a and b differ by one edit or one swap of
// neighbours: "optinal" and "optional", "tpye" and "type".
func closeTo(a, b string) bool {
	if a == b || len(a)-len(b) > 1 || len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	switch {
	case len(a) == len(b):
		return a[i+1:] == b[i+1:] || i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case len(a) < len(b):
		return a[i:] == b[i+1:]
	}
	return a[i+1:] == b[i:]
}

func kindOf(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return "an object"
		}
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a bool"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", tok)
}
