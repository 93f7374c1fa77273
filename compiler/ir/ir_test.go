package ir_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/internal/compile"
)

func TestEncodeDecode(t *testing.T) {
	p, err := compile.Program([]compile.Source{{Name: "w.rules", Src: []byte(`
pipeline deal P {
    stage A
    stage B won
}
mailbox shop "shop@example.com"
on stage A after 2d keep if deal.amount > 10: send email from shop subject "Hi {contact.name}" body "x"
move to stage B when invoice paid
`)}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ir.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("SCIR5\n")) {
		t.Fatalf("no magic and version: %q", b[:10])
	}
	back, err := ir.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("round trip differs:\n%s", diff)
	}
	r := back.Rules[0]
	if r.After != 2*86400 || !r.Keep || r.Pos.Line != 7 || r.Action.ID != "R-EMAIL" {
		t.Errorf("rule: %+v", r)
	}
	for _, bad := range []struct{ in, want string }{
		{"{}", "not a stagecraft program"},
		{"SCIR1\n{}", "format version 1; this build reads versions 2 to 5"},
		{"SCIR6\n{}", "format version 6; this build reads versions 2 to 5"},
		{"SCIR3\n{", "corrupt program"},
		{"SCIR4\n{\"Rules\":[{\"Entity\":\"deal\",\"Cond\":{\"Op\":\"field\",\"Name\":\"deal\",\"Path\":[\"amount\"]}}]}", "field deal has no root"},
		{"SCIR4\n{\"Rules\":[{\"Cond\":{\"Op\":\"lit\",\"Kind\":\"texts\"}}]}", "unknown kind \"texts\""},
	} {
		if _, err := ir.Decode([]byte(bad.in)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Decode(%q): %v, want %q", bad.in, err, bad.want)
		}
	}
}
