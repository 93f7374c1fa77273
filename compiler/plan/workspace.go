package plan

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/ir"
)

// Declared is a difference in what the rules are written against: a
// pipeline or one of its stages, a field, a resource's setting, or a
// custom actions' module. A deploy applies these as it applies the rules;
// a reviewer must see them, since they change what items are where (a
// removed stage keeps its items, with no rules), what a field holds, where
// a message comes from, when a worktime rule runs, and what code a custom
// action runs.
type Declared struct {
	Kind Kind   `json:"kind"` // Added, Removed or Changed
	What string `json:"what"` // "pipeline", "stage", "stages" (their order), "field", a resource kind, "module"
	// Name says which of its What, as the source writes it: `Sprzedaż
	// (deal)`, `Sprzedaż.Faktura (deal)`, `deal.tracking`, `biuro`,
	// `actions/vat.wasm`.
	Name string `json:"name"`
	// Setting is the resource setting that changed ("" for its value).
	Setting string `json:"setting,omitempty"`
	Old     string `json:"old,omitempty"`
	New     string `json:"new,omitempty"`
	// Entity, Pipeline and Stage locate a stage or pipeline, for counting
	// the items in it.
	Entity   string `json:"entity,omitempty"`
	Pipeline string `json:"pipeline,omitempty"`
	Stage    string `json:"stage,omitempty"`
	// Items is how many items are in a removed stage or pipeline, when a
	// store was consulted; nil when not known.
	Items *int `json:"items,omitempty"`
}

// compareDeclared lists the differences of the programs' declarations:
// pipelines and stages, fields, resources, modules, in that order, each
// in the new program's order (removed ones where the old had them).
func compareDeclared(old, new *ir.Program) []Declared {
	var out []Declared
	out = append(out, pipelines(old, new)...)
	out = append(out, fields(old, new)...)
	out = append(out, resources(old, new)...)
	out = append(out, modules(old, new)...)
	return out
}

func pipelineName(p *ir.Pipeline) string { return QuoteName(p.Name) + " (" + p.Entity + ")" }

func pipelines(old, new *ir.Program) []Declared {
	var out []Declared
	key := func(p *ir.Pipeline) string { return p.Entity + "/" + p.Name }
	olds := map[string]*ir.Pipeline{}
	for _, p := range old.Pipelines {
		olds[key(p)] = p
	}
	news := map[string]bool{}
	for _, np := range new.Pipelines {
		news[key(np)] = true
		op := olds[key(np)]
		if op == nil {
			out = append(out, Declared{Kind: Added, What: "pipeline", Name: pipelineName(np), New: stageList(np), Entity: np.Entity, Pipeline: np.Name})
			continue
		}
		out = append(out, stages(op, np)...)
	}
	for _, op := range old.Pipelines {
		if !news[key(op)] {
			out = append(out, Declared{Kind: Removed, What: "pipeline", Name: pipelineName(op), Old: stageList(op), Entity: op.Entity, Pipeline: op.Name})
		}
	}
	return out
}

// stages compares the stages of one pipeline: added, removed, a kind
// changed, and the order of those in both (a trigger's allow_back and
// "a stage further on" read it).
func stages(op, np *ir.Pipeline) []Declared {
	var out []Declared
	name := func(s *ir.Stage) string { return QuoteName(op.Name) + "." + QuoteName(s.Name) + " (" + op.Entity + ")" }
	olds := map[string]*ir.Stage{}
	for _, s := range op.Stages {
		olds[s.Name] = s
	}
	news := map[string]bool{}
	var oldOrder, newOrder []string
	for _, s := range np.Stages {
		news[s.Name] = true
		o := olds[s.Name]
		if o == nil {
			out = append(out, Declared{Kind: Added, What: "stage", Name: name(s), New: s.Kind, Entity: np.Entity, Pipeline: np.Name, Stage: s.Name})
			continue
		}
		newOrder = append(newOrder, s.Name)
		if o.Kind != s.Kind {
			out = append(out, Declared{Kind: Changed, What: "stage", Name: name(s), Old: o.Kind, New: s.Kind, Entity: np.Entity, Pipeline: np.Name, Stage: s.Name})
		}
	}
	for _, s := range op.Stages {
		if !news[s.Name] {
			out = append(out, Declared{Kind: Removed, What: "stage", Name: name(s), Old: s.Kind, Entity: op.Entity, Pipeline: op.Name, Stage: s.Name})
			continue
		}
		oldOrder = append(oldOrder, s.Name)
	}
	if !slices.Equal(oldOrder, newOrder) {
		out = append(out, Declared{Kind: Changed, What: "stages", Name: pipelineName(np), Old: names(oldOrder), New: names(newOrder), Entity: np.Entity, Pipeline: np.Name})
	}
	return out
}

func stageList(p *ir.Pipeline) string {
	var ns []string
	for _, s := range p.Stages {
		ns = append(ns, s.Name)
	}
	return names(ns)
}

func names(ns []string) string {
	q := make([]string, len(ns))
	for i, n := range ns {
		q[i] = QuoteName(n)
	}
	return strings.Join(q, ", ")
}

func fields(old, new *ir.Program) []Declared {
	var out []Declared
	olds := map[string]*ir.Field{}
	for _, e := range old.Entities {
		for _, f := range e.Fields {
			olds[e.Name+"."+f.Name] = f
		}
	}
	news := map[string]bool{}
	for _, e := range new.Entities {
		for _, f := range e.Fields {
			k := e.Name + "." + f.Name
			news[k] = true
			switch o := olds[k]; {
			case o == nil:
				out = append(out, Declared{Kind: Added, What: "field", Name: k, New: fieldType(f)})
			case fieldType(o) != fieldType(f):
				out = append(out, Declared{Kind: Changed, What: "field", Name: k, Old: fieldType(o), New: fieldType(f)})
			}
		}
	}
	for _, e := range old.Entities {
		for _, f := range e.Fields {
			if k := e.Name + "." + f.Name; !news[k] {
				out = append(out, Declared{Kind: Removed, What: "field", Name: k, Old: fieldType(f)})
			}
		}
	}
	return out
}

// fieldType writes a field's type as a declaration does: text(40),
// enum(a, b), contact, list(contact).
func fieldType(f *ir.Field) string {
	t := string(f.Kind)
	switch {
	case f.Ref != "":
		t = f.Ref
		if f.Kind == ir.KindList {
			t = "list(" + f.Ref + ")"
		}
	case f.MaxLen > 0:
		t += "(" + strconv.Itoa(f.MaxLen) + ")"
	case len(f.Values) > 0:
		t += "(" + strings.Join(f.Values, ", ") + ")"
	}
	return t
}

func resources(old, new *ir.Program) []Declared {
	var out []Declared
	key := func(r *ir.Resource) string { return r.Kind + "\x00" + r.Name }
	olds := map[string]*ir.Resource{}
	for _, r := range old.Resources {
		olds[key(r)] = r
	}
	news := map[string]bool{}
	for _, r := range new.Resources {
		k := key(r)
		news[k] = true
		o := olds[k]
		if o == nil {
			out = append(out, Declared{Kind: Added, What: r.Kind, Name: QuoteName(r.Name), New: quoted(r.Value)})
			continue
		}
		old, new := resourceSettings(o), resourceSettings(r)
		for _, s := range slices.Sorted(maps.Keys(joinKeys(old, new))) {
			if old[s] != new[s] {
				out = append(out, Declared{Kind: Changed, What: r.Kind, Name: QuoteName(r.Name), Setting: s, Old: old[s], New: new[s]})
			}
		}
	}
	for _, r := range old.Resources {
		if k := key(r); !news[k] {
			out = append(out, Declared{Kind: Removed, What: r.Kind, Name: QuoteName(r.Name), Old: quoted(r.Value)})
		}
	}
	return out
}

// resourceSettings writes each of a resource's settings as the language
// does, its value under "".
func resourceSettings(r *ir.Resource) map[string]string {
	m := map[string]string{}
	// A custom action's value is its module's path, which modules()
	// compares by the bytes there: the same module moved is no change.
	if r.Value != "" && r.Kind != "action" {
		m[""] = quoted(r.Value)
	}
	for k, v := range r.Settings {
		m[k] = v
	}
	for k, l := range r.Lists {
		m[k] = "[" + strings.Join(l, ", ") + "]"
	}
	for k, as := range r.Addresses {
		var b []string
		for _, a := range as {
			b = append(b, a.Type+"("+quoted(a.Text)+")")
		}
		m[k] = "[" + strings.Join(b, ", ") + "]"
	}
	return m
}

func joinKeys(a, b map[string]string) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

func quoted(s string) string {
	if s == "" {
		return ""
	}
	return strconv.Quote(s)
}

// modules compares custom actions' modules by path: a module whose bytes
// changed runs other code under the same rules. A module found at another
// path with the same bytes (the rules moved to another folder) is the same
// code, and no difference.
func modules(old, new *ir.Program) []Declared {
	var out []Declared
	olds, oldHashes, newHashes := map[string]*ir.Module{}, map[string]bool{}, map[string]bool{}
	for _, m := range old.Modules {
		olds[m.Path], oldHashes[m.Hash] = m, true
	}
	news := map[string]bool{}
	for _, m := range new.Modules {
		news[m.Path], newHashes[m.Hash] = true, true
		switch o := olds[m.Path]; {
		case o == nil && !oldHashes[m.Hash]:
			out = append(out, Declared{Kind: Added, What: "module", Name: m.Path, New: moduleText(m)})
		case o != nil && o.Hash != m.Hash:
			out = append(out, Declared{Kind: Changed, What: "module", Name: m.Path, Old: moduleText(o), New: moduleText(m)})
		}
	}
	for _, m := range old.Modules {
		if !news[m.Path] && !newHashes[m.Hash] {
			out = append(out, Declared{Kind: Removed, What: "module", Name: m.Path, Old: moduleText(m)})
		}
	}
	return out
}

// moduleText is a module's name, version and hash, shortened to what a
// reviewer compares: `vat 1.0.1 sha256:7a59c1d2e3f4`.
func moduleText(m *ir.Module) string {
	h := m.Hash
	if len(h) > len("sha256:")+12 {
		h = h[:len("sha256:")+12]
	}
	return strings.TrimSpace(fmt.Sprintf("%s %s %s", m.Name, m.Version, h))
}

// Strands reports whether the plan removes a stage or pipeline, whose
// items a store should be asked for (SetItems).
func (p *Plan) Strands() bool {
	for _, d := range p.Declared {
		if d.Kind == Removed && (d.What == "stage" || d.What == "pipeline") {
			return true
		}
	}
	return false
}

// SetItems sets the count of items in each removed stage and pipeline,
// from counts keyed by ItemsKey.
func (p *Plan) SetItems(counts map[string]int) {
	for i := range p.Declared {
		d := &p.Declared[i]
		if d.Kind != Removed || d.What != "stage" && d.What != "pipeline" {
			continue
		}
		n := 0
		for k, c := range counts {
			if d.What == "stage" && k == ItemsKey(d.Entity, d.Pipeline, d.Stage) ||
				d.What == "pipeline" && strings.HasPrefix(k, ItemsKey(d.Entity, d.Pipeline, "")) {
				n += c
			}
		}
		d.Items = &n
	}
}

// ItemsKey is the key of SetItems' counts: names may hold any character
// but NUL ("Serwis/VIP" is a pipeline of its own).
func ItemsKey(entity, pipeline, stage string) string {
	return entity + "\x00" + pipeline + "\x00" + stage
}
