package diag_test

import (
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/token"
)

// A list capped by warnings alone has no errors; a dropped error still counts.
func TestCapKeepsSeverity(t *testing.T) {
	var l diag.List
	for i := 0; i < diag.MaxDiagnostics+10; i++ {
		l.Warnf(1, 1, diag.WUnused, "w")
	}
	if l.HasErrors() || l.Dropped() != 10 {
		t.Fatalf("warnings only: HasErrors %v, dropped %d", l.HasErrors(), l.Dropped())
	}
	l.Errorf(1, 1, diag.ESyntax, "e")
	var all diag.List
	all.Append(&l)
	if !all.HasErrors() {
		t.Fatal("a dropped error must count")
	}
}

func TestRelatedAndFixesInJSONAndText(t *testing.T) {
	fset := token.NewFileSet()
	f := fset.AddFile("a.rules", []byte("x fone\ny\n"))
	var l diag.List
	l.Errorf(f.Pos(2), f.Pos(6), diag.EUnknownField, "unknown field %q", "fone").
		Replace(f.Pos(2), f.Pos(6), "phone").
		Relate(f.Pos(7), f.Pos(8), "declared here")
	var js, txt strings.Builder
	if err := diag.WriteJSON(&js, fset, l.Sorted()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"relatedInformation"`, `"uri": "a.rules"`, `"newText": "phone"`, `"title": "replace with \"phone\""`, `"line": 1`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, js.String())
		}
	}
	diag.WriteText(&txt, fset, l.Sorted(), 0)
	if !strings.Contains(txt.String(), "a.rules:2:1: declared here") {
		t.Errorf("text lacks the related place:\n%s", txt.String())
	}
}

// A very long line is shown around the error's column, with … where it
// is cut, and the caret under the same character.
func TestWriteTextLongLine(t *testing.T) {
	line := strings.Repeat("a", 1000) + "BAD" + strings.Repeat("b", 100000)
	fset := token.NewFileSet()
	f := fset.AddFile("a.rules", []byte(line+"\n"))
	var l diag.List
	l.Errorf(f.Pos(1000), f.Pos(1003), diag.ESyntax, "bad")
	var txt strings.Builder
	diag.WriteText(&txt, fset, l.Sorted(), 0)
	lines := strings.Split(txt.String(), "\n")
	if len(lines) < 3 || len(txt.String()) > 2000 {
		t.Fatalf("%d bytes:\n%.400s", len(txt.String()), txt.String())
	}
	text, caret := []rune(lines[1]), []rune(lines[2])
	at := strings.IndexRune(lines[2], '^')
	if !strings.HasPrefix(lines[1], "    …") || !strings.HasSuffix(lines[1], "…") || at < 0 ||
		string(text[len([]rune(lines[2][:at])):len([]rune(lines[2][:at]))+3]) != "BAD" || strings.Count(string(caret), "^") != 3 {
		t.Errorf("excerpt:\n%s\n%s", lines[1], lines[2])
	}
}
