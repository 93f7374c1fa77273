package stdlib_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/internal/golden"
	"github.com/stagecraft/stagecraft/stdlib"
)

// TestReferenceSpec keeps spec/stdlib.md, the reference of every action and
// trigger with every setting and default, equal to the declarations.
func TestReferenceSpec(t *testing.T) {
	lib := stdlib.Load()
	var b strings.Builder
	b.WriteString("# Standard library reference\n\nGenerated from stdlib/*.go by `go test ./stdlib -update`; the catalogue ID of each entry is in its heading.\n\n" +
		"Each entry is one value in the file of its family (`stdlib/communication.go`, `repeat.go`, `employee.go`, `auxiliary.go`, " +
		"`functions.go`, `triggers.go`, `resources.go`): an action (`stdlib.Action`) or a function (`stdlib.Func`) holds its declaration " +
		"(documentation, settings, defaults, result) and its implementation together; triggers and resource kinds are declarations, " +
		"which the engine serves generically. An action's implementation sees a rule's run through `runtime/action.Call`, which the engine " +
		"implements over the input's batch, so the checker imports these declarations without linking the engine or its store " +
		"(`deps_test.go` holds that).\n\n## Actions\n\n")
	for _, a := range lib.Actions {
		fmt.Fprintf(&b, "### %s — `%s`\n\n%s\n\n", a.ID, a.Name(), a.Doc)
		if a.Target != types.NoTarget {
			to := map[types.TargetKind]string{types.EmailTarget: "an e-mail address", types.PhoneTarget: "a phone number", types.UserTarget: "an employee"}[a.Target]
			def := a.TargetDefault
			if a.TargetRequired {
				def = "required"
			}
			fmt.Fprintf(&b, "`to`: %s (default: %s).\n\n", to, def)
		}
		if len(a.Entities) > 0 {
			fmt.Fprintf(&b, "Only on stages of: %s.\n\n", strings.Join(a.Entities, ", "))
		}
		settings(&b, a.Settings)
		for _, g := range a.OneOf {
			fmt.Fprintf(&b, "Exactly one of: %s.\n\n", strings.Join(g, ", "))
		}
		if a.Result != nil {
			var fs []string
			for _, f := range a.Result.Fields {
				fs = append(fs, f.Name+" ("+f.Type.String()+")")
			}
			fmt.Fprintf(&b, "`as NAME` binds: %s.\n\n", strings.Join(fs, ", "))
		}
	}
	b.WriteString("## Triggers\n\nEvery trigger also takes:\n\n")
	settings(&b, lib.TriggerSettings)
	b.WriteString("and `as EMPLOYEE`: the user the stage change is recorded under (default: the item's responsible).\n\n")
	for _, tr := range lib.Triggers {
		fmt.Fprintf(&b, "### %s — `when %s`\n\n%s Default name: %q.", tr.ID, tr.Name(), tr.Doc, tr.DefaultName)
		if tr.Raised != "" {
			fmt.Fprintf(&b, " Not an input: %s.", tr.Raised)
		} else if len(tr.EventSettings) > 0 {
			fmt.Fprintf(&b, " The event carries: %s.", strings.Join(types.Names(tr.EventSettings), ", "))
		}
		b.WriteString("\n\n")
		settings(&b, tr.Settings)
	}
	b.WriteString("## Functions\n\n")
	for _, f := range lib.Funcs {
		fmt.Fprintf(&b, "- `%s`: %s\n", f.Name, f.Doc)
	}
	b.WriteString("\n## Resource kinds\n\n")
	for _, r := range lib.Resources {
		fmt.Fprintf(&b, "### `%s`\n\n%s.", r.Name, r.Doc)
		if r.Value != "" {
			fmt.Fprintf(&b, " Quoted value: %s.", r.Value)
		}
		b.WriteString("\n\n")
		settings(&b, r.Settings)
	}
	builtinFields(t, &b, lib.SchemaSource)
	golden.File(t, "../spec/stdlib.md", b.String())
}

// fieldLine is a field declaration of the built-in schema, one a line.
var fieldLine = regexp.MustCompile(`^field (\w+)\.(\w+): (.+) "([^"]*)"$`)

// builtinFields lists the fields of stdlib/crm.rules, the schema every
// workspace has, by entity: a user finds them here, not only by an error
// that says a name is taken.
func builtinFields(t *testing.T, b *strings.Builder, src []byte) {
	b.WriteString("## Built-in fields\n\nEvery workspace has these fields (`stdlib/crm.rules`); custom fields are declared beside them.\n")
	entity := ""
	for _, line := range strings.Split(string(src), "\n") {
		if !strings.HasPrefix(line, "field ") {
			continue
		}
		m := fieldLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("crm.rules: a field line the reference cannot read: %q", line)
		}
		if m[1] != entity {
			entity = m[1]
			fmt.Fprintf(b, "\n### `%s`\n\n| field | type | label |\n|---|---|---|\n", entity)
		}
		fmt.Fprintf(b, "| `%s.%s` | %s | %s |\n", m[1], m[2], m[3], m[4])
	}
}

func settings(b *strings.Builder, ss []*types.Setting) {
	if len(ss) == 0 {
		return
	}
	b.WriteString("| setting | type | default | meaning |\n| --- | --- | --- | --- |\n")
	for _, s := range ss {
		typ, def := "", s.Default
		if s.Type != nil && s.Type.Kind != types.Invalid {
			typ = s.Type.String()
		}
		if s.Auto {
			typ += " or auto"
		}
		if s.Required {
			def = "required"
		}
		doc := s.Doc
		if s.MaxLen > 0 {
			doc += fmt.Sprintf(" (a warning past %d characters)", s.MaxLen)
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", s.Name, typ, def, doc)
	}
	b.WriteString("\n")
}
