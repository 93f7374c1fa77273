package rpc

import (
	"slices"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/ir"
	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/server/tenant"
)

// checkItemFilter refuses a ListItems filter that no item of the running
// program can match: an entity, pipeline or stage the deployed rules do
// not declare (a typo would otherwise answer an empty page, as if there
// were no such items), or a stage not of the pipeline named. ListItems
// asks only when no item matched the filter at all: items keep a stage
// or pipeline a later deploy removed, and a filter naming it lists them.
// Before any deploy there are no items, and nothing to check against:
// any filter answers the empty page.
func checkItemFilter(t *tenant.Tenant, m *v1.ListItemsRequest) error {
	p := t.Engine.Program()
	if p == nil || t.Engine.Version() == 0 {
		return nil
	}
	if e := m.GetEntity(); e != "" && !slices.ContainsFunc(p.Entities, func(x *ir.Entity) bool { return x.Name == e }) {
		return invalid("entity %q: the deployed rules have %s", e, names(p.Entities, func(x *ir.Entity) string { return x.Name }))
	}
	// The pipelines the filter leaves: those of its entity, or the one named.
	pipes := slices.DeleteFunc(slices.Clone(p.Pipelines), func(x *ir.Pipeline) bool {
		return m.GetEntity() != "" && x.Entity != m.GetEntity()
	})
	if name := m.GetPipeline(); name != "" {
		i := slices.IndexFunc(pipes, func(x *ir.Pipeline) bool { return x.Name == name })
		if i < 0 {
			of := ""
			if m.GetEntity() != "" {
				of = " of entity " + m.GetEntity()
			}
			return invalid("pipeline %q: the deployed rules have no such pipeline%s (%s)", name, of,
				names(pipes, func(x *ir.Pipeline) string { return x.Name }))
		}
		pipes = pipes[i : i+1]
	}
	if st := m.GetStage(); st != "" {
		var all []string
		for _, x := range pipes {
			for _, s := range x.Stages {
				if s.Name == st {
					return nil
				}
				all = append(all, s.Name)
			}
		}
		where := "of any pipeline"
		if m.GetPipeline() != "" {
			where = "of pipeline " + m.GetPipeline()
		} else if m.GetEntity() != "" {
			where = "of entity " + m.GetEntity() + "'s pipelines"
		}
		return invalid("stage %q: no stage %s has that name (%s)", st, where, strings.Join(all, ", "))
	}
	return nil
}

// names lists xs by name, or says there are none.
func names[T any](xs []T, name func(T) string) string {
	if len(xs) == 0 {
		return "none"
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return strings.Join(out, ", ")
}
