package parser

import (
	"reflect"
	"testing"

	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
)

// TestPlainPath holds the placeholder's shortcut for plain paths to the
// tree that scanning the placeholder gives, and checks that it leaves
// everything else to the scanner.
func TestPlainPath(t *testing.T) {
	c := converter{p: &parser{diags: &diag.List{}}}
	for _, src := range []string{"contact", "contact.name", "deal.owner.email", "a_1.b2", "x.in", "x.not.y", "_"} {
		got, want := plainPath(100, src), c.scannedPlaceholder(100, src)
		if got == nil || !reflect.DeepEqual(got, want) {
			t.Errorf("{%s}: the shortcut gives %#v, scanning %#v", src, got, want)
		}
	}
	for _, src := range []string{"", ".", "a.", ".a", "a..b", "in", "true.x", "1a", "a b", " a", "a.b ", "pln(deal.amount)",
		"contact.phone[mobile]", "imię", "a.ó", "a-b", "a.1"} {
		if got := plainPath(100, src); got != nil {
			t.Errorf("{%s}: the shortcut took it: %#v", src, got)
		}
	}
}

// TestPlainStr holds the shortcut for strings without escapes to the
// general reading of strings: the same tree and the same diagnostics.
func TestPlainStr(t *testing.T) {
	for _, body := range []string{"", "Hello", "Hello {contact.name}!", "{a}{b}", "{a} and {pln(deal.amount)} {x[y]}",
		"open { brace", "{a} then {", "{}", "{ a }", "{a{b}c}", "}", "ü {kontakt.imię} ó"} {
		var ds1, ds2 diag.List
		got := &ast.BasicLit{ValuePos: 10, Kind: ast.String, Raw: `"` + body + `"`}
		want := &ast.BasicLit{ValuePos: 10, Kind: ast.String, Raw: `"` + body + `"`}
		converter{p: &parser{diags: &ds1}}.plainStr(got, body)
		converter{p: &parser{diags: &ds2}}.escapedStr(want, body)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(ds1.Sorted(), ds2.Sorted()) {
			t.Errorf("%q: the shortcut gives %#v (%d diagnostics), the general reading %#v (%d)", body, got, ds1.Len(), want, ds2.Len())
		}
	}
}
