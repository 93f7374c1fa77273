package lower_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/examples"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/internal/golden"
)

// TestDecodeVersion3: a program that a version 3 build encoded (stores and
// input logs keep them) decodes to the program that lowering gives today:
// the roots and builtins that ir's upgrade derives from names, as the
// version 3 runtime did, are those the checker resolves.
//
// testdata/v3/roots.scir is what the last version 3 build (commit 5b1de90)
// encoded from testdata/roots.txtar's in.rules; it is not rewritten by
// -update.
func TestDecodeVersion3(t *testing.T) {
	a, err := txtar.ParseFile("testdata/roots.txtar")
	if err != nil {
		t.Fatal(err)
	}
	want, err := compile.Program([]compile.Source{{Name: "in.rules", Src: []byte(golden.Section(a, "in.rules"))}})
	if err != nil {
		t.Fatal(err)
	}
	v3, err := os.ReadFile("testdata/v3/roots.scir")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ir.Decode(v3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("roots.scir (-lowered +upgraded):\n%s", diff)
	}
}

// TestUpgradeExamples: the examples' program written as version 3 (the
// current encoding without the fields versions 4 and 5 added) decodes to
// the program itself, but for the one thing an old program cannot tell: a
// text equal to a stage or resource name (expect sent notification to
// "marek") is taken for the name, and a pipeline's name (copy deal pipeline
// Serwis) stays a text, as the printer of version 4 took them.
func TestUpgradeExamples(t *testing.T) {
	p, err := compile.ProgramFiles(examples.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ir.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := bytes.Cut(b, []byte("\n"))
	var tree any
	if err := json.Unmarshal(body, &tree); err != nil {
		t.Fatal(err)
	}
	removed := strip(tree)
	if removed == 0 {
		t.Fatal("the examples have no roots or builtins")
	}
	body, err = json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ir.Decode(append([]byte("SCIR3\n"), body...))
	if err != nil {
		t.Fatal(err)
	}
	names := p.BareNames()
	pipelines := map[string]bool{}
	for _, pl := range p.Pipelines {
		pipelines[pl.Name] = true
	}
	textTakenForName := cmp.FilterPath(func(path cmp.Path) bool {
		sf, ok := path.Last().(cmp.StructField)
		if !ok || sf.Name() != "Name" {
			return false
		}
		lowered, upgraded := path.Index(-2).Values()
		if lowered.Type() != reflect.TypeFor[ir.Expr]() {
			return false
		}
		l, u := lowered.Interface().(ir.Expr), upgraded.Interface().(ir.Expr)
		textTaken := l.Name == "" && names[l.Lit] && u.Name == l.Lit          // "marek": version 4 printed it bare
		pipelineQuoted := l.Name == l.Lit && pipelines[l.Lit] && u.Name == "" // pipeline Serwis: version 4 quoted it
		return l.Op == ir.OpLit && l.Kind == ir.KindText && (textTaken || pipelineQuoted)
	}, cmp.Ignore())
	if diff := cmp.Diff(p, got, textTakenForName); diff != "" {
		t.Errorf("examples (-lowered +upgraded):\n%s", diff)
	}
	if upgradedNames(got) == 0 {
		t.Error("the examples write no stage or resource as a name: the upgrade of names is not tested")
	}
}

// strip deletes the members that versions 4 and 5 added (Root, Builtin, a
// literal's Name) from a
// decoded JSON tree, and counts them.
func strip(v any) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		for _, k := range []string{"Root", "Builtin"} {
			if _, ok := v[k]; ok {
				delete(v, k)
				n++
			}
		}
		if name, _ := v["Name"].(string); v["Op"] == "lit" && name != "" { // version 5
			v["Name"] = ""
			n++
		}
		for _, e := range v {
			n += strip(e)
		}
	case []any:
		for _, e := range v {
			n += strip(e)
		}
	}
	return n
}

// TestDecodeVersion2: a program encoded by the build of version 2 (the
// format stores kept before custom actions carried their modules),
// testdata/v2/roots.scir from testdata/v2/roots.rules, decodes to the
// program today's lowering gives for the same source.
func TestDecodeVersion2(t *testing.T) {
	src, err := os.ReadFile("testdata/v2/roots.rules")
	if err != nil {
		t.Fatal(err)
	}
	want, err := compile.Program([]compile.Source{{Name: "in.rules", Src: src}})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := os.ReadFile("testdata/v2/roots.scir")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(v2, []byte("SCIR2\n")) {
		t.Fatal("the fixture is not a version 2 program")
	}
	got, err := ir.Decode(v2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("v2/roots.scir (-lowered +upgraded):\n%s", diff)
	}
}

// upgradedNames counts the literals of p that carry the name they were
// written as.
func upgradedNames(p *ir.Program) int {
	n := 0
	var walk func(x *ir.Expr)
	walk = func(x *ir.Expr) {
		if x == nil {
			return
		}
		if x.Op == ir.OpLit && x.Name != "" {
			n++
		}
		walk(x.X)
		walk(x.Y)
		for _, a := range x.Args {
			walk(a)
		}
	}
	for _, r := range p.Rules {
		walk(r.Cond)
		if r.Action != nil {
			walk(r.Action.Target)
			walk(r.Action.Value)
			for _, s := range r.Action.Settings {
				walk(s.Value)
			}
		}
	}
	return n
}
