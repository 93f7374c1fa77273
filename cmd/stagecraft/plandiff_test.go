package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
	"github.com/stagecraft/stagecraft/stdlib"
)

const diffSchema = `pipeline deal Sprzedaż {
    stage Nowe
    stage Kontakt
    stage Dostawa
}
provider smsapi "SMSAPI"
employee anna "Anna" { email "anna@example.com" }
`

// TestDiffData: with --data, each change of the plan says how many
// pending runs of the running engine it touches.
func TestDiffData(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, s := range map[string]string{"workspace.rules": diffSchema, "rules.rules": src} {
			if err := os.WriteFile(filepath.Join(p, n), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	old := write("old", `on stage Nowe after 1d: send sms text "a"
on stage Nowe after 2d: assign task to anna title "t"
on stage Nowe after 3d: send notification to anna text "n"
on stage Nowe after 4d: schedule activity description "x" date tomorrow + 14:00
on stage Kontakt after 1d: send sms text "k"
`)
	new := write("new", `on stage Nowe after 12h: send sms text "a"
on stage Nowe after 2d: assign task to anna title "t2"
on stage Dostawa after 3d: send notification to anna text "n"
on stage Kontakt after 1d: send sms text "k"
`)
	// An engine running old, with two deals waiting in Nowe.
	srcs, err := readSources([]string{old})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := compile.Program(srcs)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	st, err := store.Open(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(st, prog, stdlib.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Sofa", "Stół"} {
		if _, err := e.Apply(engine.Input{Time: 1767603600, Kind: "create", Entity: "deal",
			Fields: map[string]value.Value{"title": value.TextOf(title), "responsible": value.RefOf("user", "anna")}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", "--data", data, old, new}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr.String())
	}
	want := `pipeline Sprzedaż (deal)
  stage Nowe:
    ~ send sms: after 1d → 12h (2 pending runs get a new due time)
    ~ assign task: title "t" → "t2" (2 pending runs take the new definition)
    - schedule activity (removed; 2 pending runs are cancelled)
  stage Dostawa:
    > send notification: moved from stage Nowe (2 pending runs are cancelled)
2 changed, 0 added, 1 removed, 1 moved
`
	if got := stdout.String(); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}

	stdout.Reset()
	if code := run([]string{"diff", "--format=json", old, new, "--data", data}, &stdout, &stderr); code != 1 {
		t.Fatalf("json: exit %d, want 1; stderr:\n%s", code, stderr.String())
	}
	for _, s := range []string{`"pending": 2`, `"pending": 0`} {
		if !strings.Contains(stdout.String(), s) {
			t.Errorf("json has no %s:\n%s", s, stdout.String())
		}
	}
}

// TestDiffFolders: OLD and NEW are two folders, and a plan names files and
// modules from each one's root, as a server names them from the rule set's:
// a module rebuilt at the same path is one module changed (its new code
// runs pending runs too), the same module moved is no change, and an added
// rule beside one alike is at a.rules:N, not at OLD/a.rules:N.
func TestDiffFolders(t *testing.T) {
	dir := t.TempDir()
	mod, err := manifest.Embed(module(abiModule), []byte(testManifest))
	if err != nil {
		t.Fatal(err)
	}
	rebuilt := append(append([]byte(nil), mod...), 0x00, 0x02, 0x01, 'x') // a custom section more: other bytes
	write := func(name, modPath string, m []byte, rules string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Join(p, filepath.Dir(modPath)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(p, modPath), m)
		writeFile(t, filepath.Join(p, "workspace.rules"), []byte(diffSchema+"action a \""+modPath+"\"\n"))
		writeFile(t, filepath.Join(p, "a.rules"), []byte(rules))
		return p
	}
	rules := "on stage Nowe: run a as r\non stage Nowe: send sms text \"x\"\n"
	old := write("old", "actions/m.wasm", mod, rules)
	for _, c := range []struct {
		name, want string
		new        string
		code       int
	}{
		{"rebuilt", "~ module actions/m.wasm: m 1.0.0 sha256:", write("rebuilt", "actions/m.wasm", rebuilt, rules), 1},
		{"moved", "no changes", write("moved", "lib/m.wasm", mod, rules), 0},
		{"added", "+ send sms #2 at a.rules:3 (added)", write("added", "actions/m.wasm", mod, rules+"on stage Nowe: send sms text \"y\"\n"), 1},
	} {
		var out, errOut bytes.Buffer
		if code := cmdDiff([]string{old, c.new}, &out, &errOut); code != c.code || !strings.Contains(out.String(), c.want) {
			t.Errorf("%s: exit %d, want %d, and\n%s%s\nwant %q", c.name, code, c.code, out.String(), errOut.String(), c.want)
		}
	}
}
