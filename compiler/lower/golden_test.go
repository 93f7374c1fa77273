package lower_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/internal/golden"
)

// TestGolden lowers each testdata/*.txtar's in.rules and prints the
// program's rules, triggers, tests and resources in a compact form (the
// built-in schema's entities are left out): the -- ir -- section. Each
// expression prints as (op:kind attributes... operands...), so that what
// the checker resolved (roots, builtins, overloads, kinds) shows node by
// node. go test ./compiler/lower -update rewrites the sections.
func TestGolden(t *testing.T) {
	golden.Run(t, "testdata/*.txtar", func(t *testing.T, a *txtar.Archive) map[string]string {
		p, err := compile.Program([]compile.Source{{Name: "in.rules", Src: []byte(golden.Section(a, "in.rules"))}})
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"ir": printProgram(p)}
	})
}

func printProgram(p *ir.Program) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	if len(p.Vars) > 0 {
		w("vars %s", strings.Join(p.Vars, " "))
	}
	for _, r := range p.Resources {
		w("resource %s %s %q%s%s", r.Kind, r.Name, r.Value, sortedMap(r.Settings), addresses(r.Addresses))
	}
	for _, r := range p.Rules {
		w("rule %d %s %q %s/%s/%s previous %d after %d worktime %v keep %v", r.Index, r.Pos, r.Ident, r.Entity, r.Pipeline, r.Stage, r.Previous, r.After, r.Worktime, r.Keep)
		field(&b, "at", r.At)
		field(&b, "if", r.Cond)
		a := r.Action
		w("  action %s %s bind %q slot %d", a.Name, a.ID, a.Bind, a.BindSlot)
		field(&b, "target", a.Target)
		field(&b, "field", a.Field)
		field(&b, "value", a.Value)
		settings(&b, a.Settings)
	}
	for _, tr := range p.Triggers {
		w("trigger %d %s %q %s/%s/%s %s %q as %q", tr.Index, tr.Pos, tr.Ident, tr.Entity, tr.Pipeline, tr.Stage, tr.Event, tr.Name, tr.As)
		field(&b, "if", tr.Cond)
		settings(&b, tr.Settings)
	}
	for _, ts := range p.Tests {
		w("test %q", ts.Name)
		for _, s := range ts.Steps {
			line := "  " + s.Op
			for _, kv := range [][2]string{{"entity", s.Entity}, {"item", s.Item}, {"field", s.Field}, {"stage", s.Stage}, {"by", s.By}, {"event", s.Event}, {"verb", s.Verb}, {"kind", s.Kind}, {"bind", s.Bind}} {
				if kv[1] != "" {
					line += fmt.Sprintf(" %s %q", kv[0], kv[1])
				}
			}
			w("%s", line)
			field(&b, "  value", s.Value)
			field(&b, "  target", s.Target)
			field(&b, "  at", s.At)
			for _, st := range s.Settings {
				field(&b, "  "+st.Name, st.Value)
			}
		}
	}
	return b.String()
}

func settings(b *strings.Builder, ss []*ir.Setting) {
	for _, s := range ss {
		if s.Auto {
			fmt.Fprintf(b, "  %s: auto\n", s.Name)
			continue
		}
		field(b, s.Name, s.Value)
	}
}

func field(b *strings.Builder, name string, x *ir.Expr) {
	if x != nil {
		fmt.Fprintf(b, "  %s: %s\n", name, expr(x))
	}
}

func expr(x *ir.Expr) string {
	parts := []string{string(x.Op)}
	if x.Kind != "" {
		parts[0] += ":" + string(x.Kind)
	}
	attr := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if x.Root != "" {
		attr("root", fmt.Sprintf("%q", x.Root))
	}
	attr("builtin", string(x.Builtin))
	attr("name", x.Name)
	if x.Op == ir.OpLit {
		parts = append(parts, fmt.Sprintf("%q", x.Lit))
	}
	attr("path", strings.Join(x.Path, "."))
	if x.Op == ir.OpVar {
		attr("slot", fmt.Sprint(x.Slot))
	}
	attr("sel", x.Sel)
	attr("ov", x.Overload)
	for _, y := range append([]*ir.Expr{x.X, x.Y}, x.Args...) {
		if y != nil {
			parts = append(parts, expr(y))
		}
	}
	return "(" + strings.Join(parts, " ") + ")"
}

func sortedMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out string
	for _, k := range keys {
		out += fmt.Sprintf(" %s=%q", k, m[k])
	}
	return out
}

func addresses(m map[string][]ir.Address) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out string
	for _, k := range keys {
		for _, a := range m[k] {
			out += fmt.Sprintf(" %s=%s(%q)", k, a.Type, a.Text)
		}
	}
	return out
}
