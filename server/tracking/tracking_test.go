package tracking

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	tr, err := Open(t.TempDir(), "https://crm.example/", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok := tr.token("acme", "12-3", 2)
	for _, s := range []string{tok, tok + ".", tok + ")"} {
		if n, key, i, ok := tr.read(s); !ok || n != "acme" || key != "12-3" || i != 2 {
			t.Errorf("read(%q): %q %q %d %v", s, n, key, i, ok)
		}
	}
	other, _ := Open(t.TempDir(), "https://crm.example", nil, nil)
	forged := []string{"", "x~y", strings.Replace(tok, "~", "~A", 1), other.token("acme", "12-3", 2),
		tr.token("acme", "12-3", 2)[:len(tok)-2] + "zz"}
	for _, s := range forged {
		if _, _, _, ok := tr.read(s); ok {
			t.Errorf("a forged token %q was taken", s)
		}
	}
	if u := tr.OpenURL("acme", "12-3"); !strings.HasPrefix(u, "https://crm.example/t/o/") || !strings.HasSuffix(u, ".gif") {
		t.Errorf("open URL %s", u)
	}
}
