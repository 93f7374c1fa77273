package lower_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/lower"
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/lang/ast"
)

// TestIdentity: lowering carries the identities and labels the checker
// gave (compiler/check, ident.go) into the program.
func TestIdentity(t *testing.T) {
	p, err := compile.Program([]compile.Source{{Name: "w.rules", Src: []byte(`
pipeline deal P {
    stage A
    stage B won
}
provider sms "SMS"
on stage A: send sms text "a"
reminder: on stage A after 1d: send sms text "b"
on stage A then: let x = 1
on stage B: send sms text "c"
on stage B after 1d: send sms text "d"
paid: move to stage B when invoice paid
move to stage B when email opened
`)}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range p.Rules {
		got = append(got, r.Label+"|"+r.Ident)
	}
	for _, tr := range p.Triggers {
		got = append(got, tr.Label+"|"+tr.Ident)
	}
	want := []string{
		"|deal/P/A: send sms",
		"reminder|reminder",
		"|reminder then let x",
		"|deal/P/B: send sms",
		"|deal/P/B: send sms #2",
		"paid|paid",
		"|deal/P: move to stage B when email opened",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identities (-want +got):\n%s", diff)
	}
}

// TestUnrecordedName: a name the checker recorded nothing for is an
// internal error naming its position, never lowered by a guess at what it
// might mean.
func TestUnrecordedName(t *testing.T) {
	c, err := compile.Check([]compile.Source{{Name: "w.rules", Src: []byte(`
pipeline deal P {
    stage A
}
provider sms "SMS"
on stage A if contact.city == "Warsaw": send sms text "a"
`)}})
	if err != nil || c.Diags.HasErrors() {
		t.Fatal(err, c.Diags.Sorted())
	}
	if _, err := lower.Program(c.Fset, c.Files, c.Info); err != nil {
		t.Fatal(err)
	}
	for n, obj := range c.Info.Uses {
		if id, ok := n.(*ast.Ident); ok && id.Name == "contact" {
			if _, isRoot := obj.(*types.Root); isRoot {
				delete(c.Info.Uses, n)
			}
		}
	}
	_, err = lower.Program(c.Fset, c.Files, c.Info)
	if want := `w.rules:6:15: internal error: lowering: the checker recorded nothing for the name "contact"`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestAddressTypes: the types an address may have are the same for the
// checker (compiler/types) and for the engine that stores them (ir).
func TestAddressTypes(t *testing.T) {
	if !slices.Equal(types.EmailKinds, ir.EmailTypes) || !slices.Equal(types.PhoneKinds, ir.PhoneTypes) {
		t.Errorf("types %v %v, ir %v %v", types.EmailKinds, types.PhoneKinds, ir.EmailTypes, ir.PhoneTypes)
	}
}
