package lower_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagecraft/stagecraft/internal/compile"
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
