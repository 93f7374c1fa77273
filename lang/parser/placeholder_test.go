package parser

import (
	"reflect"
	"testing"

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
