package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/lang/literal"
)

// Compare returns the plan that takes a running old program to new: every
// rule and trigger of either, matched by identity (spec/plan.md).
//
// A rule or trigger of the same identity on both sides is unchanged,
// changed, or, labelled and on another stage, moved. Of those left, an
// unlabelled one removed and an unlabelled one added in the same entity
// and pipeline that do the same with an otherwise equal definition, on
// different stages, are one moved. The rest are added or removed.
// Positions, files, comments, layout and the order of declarations never
// count, nor the order of settings, nor how a duration is spelled.
func Compare(old, new *ir.Program) *Plan {
	if old == nil {
		old = &ir.Program{}
	}
	if new == nil {
		new = &ir.Program{}
	}
	c := &comparer{pr: &printer{}}
	olds := c.rules(old)
	news := c.rules(new)
	oldT := c.triggers(old)
	newT := c.triggers(new)
	rs := append(c.diff(olds, news), c.diff(oldT, newT)...)
	sortChanges(rs, old, new)
	pl := &Plan{Changes: make([]Change, len(rs)), Declared: compareDeclared(old, new)}
	for i, r := range rs {
		pl.Changes[i] = r.Change
	}
	pl.reindex()
	return pl
}

// ranked is a change with where it stands in its program, for ordering.
type ranked struct {
	Change
	index int  // in its program's rules or triggers
	old   bool // removed: index is in the old program
}

type comparer struct{ pr *printer }

// entry is one rule or trigger, made comparable.
type entry struct {
	what     string
	ident    string
	label    string
	entity   string
	pipeline string
	stage    string
	title    string  // Change.Title
	name     string  // the title without its leader's: what a then names
	defs     []field // its settings in source order, stage and then left out
	sig      string  // defs as one comparable string
	prev     int     // rules: the index of the rule it follows (then), or -1
	pos      string  // FILE:LINE, to tell it from a rule alike
	index    int     // its index in its program
}

// field is one setting of a rule or trigger: its name, its value as
// written and the value to compare.
type field struct {
	name, show, key string
	timing          bool // when it runs depends on it
}

func (e *entry) add(name, show, key string, timing bool) {
	e.defs = append(e.defs, field{name, show, key, timing})
}

// ordinal returns the " #N" that tells apart alike rules of one place.
func ordinal(ident string) string {
	i := strings.LastIndex(ident, " #")
	if i < 0 {
		return ""
	}
	for _, r := range ident[i+2:] {
		if r < '0' || r > '9' {
			return ""
		}
	}
	if i+2 == len(ident) {
		return ""
	}
	return ident[i:]
}

func (c *comparer) rules(p *ir.Program) []*entry {
	out := make([]*entry, len(p.Rules))
	for i, r := range p.Rules {
		a := r.Action
		if a == nil {
			a = &ir.Action{}
		}
		e := &entry{what: "rule", ident: r.Ident, label: r.Label, entity: r.Entity, pipeline: r.Pipeline,
			stage: r.Stage, prev: -1, index: i, pos: fmt.Sprintf("%s:%d", r.Pos.File, r.Pos.Line)}
		if r.Previous >= 0 && r.Previous < len(p.Rules) {
			e.prev = r.Previous
		}
		head := a.Name
		switch {
		case a.Custom != "":
			head += " " + a.Custom
		case a.Name == "update" && a.Field != nil:
			head += " " + c.pr.expr(a.Field)
		case (a.Name == "let" || a.Name == "calc") && a.Bind != "":
			head += " " + a.Bind
		}
		e.title = head
		if a.Bind != "" && a.Name != "let" && a.Name != "calc" {
			e.title += " as " + a.Bind
		}
		if r.Label != "" {
			e.title = r.Label + " (" + e.title + ")"
		} else {
			e.title += ordinal(r.Ident)
		}
		e.name = e.title
		if e.prev >= 0 && e.prev < i && r.Label == "" {
			// A follower is named with its leader (create document as
			// doc then send email): alike rules of a chain, or one that
			// joined a chain, read apart.
			e.title = out[e.prev].name + " then " + e.title
		}
		if r.At == nil && r.After != 0 {
			d := literal.FormatDuration(r.After)
			e.add("after", d, d, true)
		}
		if r.At != nil {
			e.add("at", c.pr.expr(r.At), key(r.At), true)
		}
		e.add("worktime", flag(r.Worktime), flag(r.Worktime), true)
		e.add("keep", flag(r.Keep), flag(r.Keep), true)
		if r.Cond != nil {
			e.add("if", c.pr.expr(r.Cond), key(r.Cond), false)
		}
		e.add("action", head, head, false)
		if a.Name == "update" && a.Field != nil {
			e.add("field", c.pr.expr(a.Field), key(a.Field), false)
		}
		if a.Target != nil {
			e.add("to", c.pr.expr(a.Target), key(a.Target), false)
		}
		if a.Value != nil {
			e.add("value", c.pr.expr(a.Value), key(a.Value), false)
		}
		c.settings(e, a.Settings)
		if a.Bind != "" && a.Name != "let" && a.Name != "calc" {
			e.add("as", a.Bind, a.Bind, false)
		}
		e.seal()
		out[i] = e
	}
	return out
}

func (c *comparer) triggers(p *ir.Program) []*entry {
	out := make([]*entry, len(p.Triggers))
	for i, t := range p.Triggers {
		e := &entry{what: "trigger", ident: t.Ident, label: t.Label, entity: t.Entity, pipeline: t.Pipeline,
			stage: t.Stage, prev: -1, index: i}
		e.title = "move to stage " + QuoteName(t.Stage) + " when " + t.Event
		if t.Label != "" {
			e.title = t.Label + " (" + e.title + ")"
		} else {
			e.title += ordinal(t.Ident)
		}
		e.add("when", t.Event, t.Event, false)
		e.add("name", literal.Quote(t.Name), t.Name, false)
		c.settings(e, t.Settings)
		e.add("allow_back", flag(t.AllowBack), flag(t.AllowBack), false)
		if t.Cond != nil {
			e.add("if", c.pr.expr(t.Cond), key(t.Cond), false)
		}
		if t.As != "" {
			e.add("as", t.As, t.As, false)
		}
		e.seal()
		out[i] = e
	}
	return out
}

// settings adds an action's or trigger's `key value` settings. A trigger's
// timeout (chat unanswered) decides when its deadline falls.
func (c *comparer) settings(e *entry, ss []*ir.Setting) {
	for _, s := range ss {
		show, k := "auto", "auto"
		if !s.Auto {
			show, k = c.pr.expr(s.Value), key(s.Value)
		}
		if s.Value != nil && s.Value.Op == ir.OpLit && s.Value.Kind == "duration" {
			if secs, err := literal.Duration(s.Value.Lit); err == nil {
				k = literal.FormatDuration(secs)
			}
		}
		e.add(s.Name, show, k, e.what == "trigger" && s.Name == "timeout")
	}
}

func flag(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// seal writes the definition as one string, settings in name order, so
// that the order of settings in the source does not count.
func (e *entry) seal() {
	keys := make([]string, len(e.defs))
	for i, f := range e.defs {
		keys[i] = f.name + "\x00" + f.key
	}
	sort.Strings(keys)
	e.sig = e.entity + "\x01" + e.pipeline + "\x01" + strings.Join(keys, "\x01")
}

// diff matches old entries with new ones (pairing.go) and says what
// became of each.
func (c *comparer) diff(olds, news []*entry) []ranked {
	m := pair(olds, news)
	var out []ranked
	for o, e := range olds {
		if m.match[o] < 0 {
			out = append(out, ranked{Change{Kind: Removed, What: e.what, Ident: e.ident, Entity: e.entity,
				Pipeline: e.pipeline, Stage: e.stage, Title: e.where(olds)}, e.index, true})
			continue
		}
		n := news[m.match[o]]
		out = append(out, ranked{c.change(e, n, olds, news, m.match), n.index, false})
	}
	for n, e := range news {
		if !m.taken[n] {
			out = append(out, ranked{Change{Kind: Added, What: e.what, Ident: e.ident, Entity: e.entity,
				Pipeline: e.pipeline, Stage: e.stage, Title: e.where(news)}, e.index, false})
		}
	}
	return out
}

// where is the title of a rule added or removed, with its place when a
// rule alike is in its stage (two send sms: which one went).
func (e *entry) where(all []*entry) string {
	head := func(x *entry) string { return strings.TrimSuffix(x.title, ordinal(x.ident)) }
	for _, o := range all {
		if o != e && o.what == e.what && o.stage == e.stage && o.pipeline == e.pipeline && o.entity == e.entity && head(o) == head(e) {
			return e.title + " at " + e.pos
		}
	}
	return e.title
}

// change describes a matched pair.
func (c *comparer) change(o, n *entry, olds, news []*entry, match []int) Change {
	ch := Change{Kind: Unchanged, What: n.what, Ident: n.ident, Entity: n.entity, Pipeline: n.pipeline,
		Stage: n.stage, Title: n.title}
	if o.ident != n.ident { // moved without a label, or renamed
		ch.OldIdent = o.ident
	}
	if o.label != n.label {
		ch.Settings = append(ch.Settings, Setting{Name: "label", Old: o.label, New: n.label})
	}
	// then: the rule followed, compared by the matching (its identity may
	// have changed with it).
	if o.prev >= 0 || n.prev >= 0 {
		same := o.prev >= 0 && n.prev >= 0 && match[o.prev] == n.prev
		if !same {
			var s Setting
			s.Name = "then"
			if o.prev >= 0 {
				s.Old = olds[o.prev].name
			}
			if n.prev >= 0 {
				s.New = news[n.prev].name
			}
			if s.Old != "" && s.Old == s.New {
				// Two rules alike (send email → send email): say which.
				s.Old += " (" + fate(match[o.prev] < 0, "removed", olds[o.prev].pos) + ")"
				s.New += " (" + fate(!slices.Contains(match, n.prev), "added", news[n.prev].pos) + ")"
			}
			ch.Settings = append(ch.Settings, s)
			ch.Timing = true
		}
	}
	ch.Settings = append(ch.Settings, diffFields(o.defs, n.defs, &ch.Timing)...)
	switch {
	case o.stage != n.stage:
		ch.Kind, ch.FromStage = Moved, o.stage
	case len(ch.Settings) > 0:
		ch.Kind = Changed
	}
	return ch
}

// fate is what tells a rule from one alike: what the plan does to it when
// it does something, else where it is.
func fate(done bool, what, pos string) string {
	if done {
		return what
	}
	return pos
}

// diffFields lists the settings whose values differ: in the new order,
// then those only the old one has. A setting named twice is matched by
// its occurrence.
func diffFields(old, new []field, timing *bool) []Setting {
	type slot struct {
		name string
		n    int
	}
	olds := map[slot]field{}
	count := map[string]int{}
	for _, f := range old {
		count[f.name]++
		olds[slot{f.name, count[f.name]}] = f
	}
	var out []Setting
	seen := map[slot]bool{}
	count = map[string]int{}
	for _, f := range new {
		count[f.name]++
		s := slot{f.name, count[f.name]}
		seen[s] = true
		of, ok := olds[s]
		if ok && of.key == f.key {
			continue
		}
		out = append(out, Setting{Name: f.name, Old: of.show, New: f.show})
		*timing = *timing || f.timing || of.timing
	}
	count = map[string]int{}
	for _, f := range old {
		count[f.name]++
		if s := (slot{f.name, count[f.name]}); !seen[s] {
			out = append(out, Setting{Name: f.name, Old: f.show})
			*timing = *timing || f.timing
		}
	}
	return out
}

// sortChanges puts changes in the order of the new program's pipelines
// and stages (removed ones where the old program had them, after), rules
// before triggers, each kind in source order, removed ones last.
func sortChanges(cs []ranked, old, new *ir.Program) {
	pipes := map[string]int{}
	stages := map[string]int{}
	for i, prog := range []*ir.Program{new, old} {
		for _, pl := range prog.Pipelines {
			pk := pl.Entity + "\x00" + pl.Name
			if _, ok := pipes[pk]; !ok {
				pipes[pk] = i*1_000_000 + len(pipes)
			}
			for j, s := range pl.Stages {
				sk := pk + "\x00" + s.Name
				if _, ok := stages[sk]; !ok {
					stages[sk] = i*1_000_000 + j
				}
			}
		}
	}
	rank := func(c *ranked) [5]int {
		pk := c.Entity + "\x00" + c.Pipeline
		what := 0
		if c.What == "trigger" {
			what = 1
		}
		side := 0
		if c.old {
			side = 1
		}
		p, ok := pipes[pk]
		if !ok {
			p = 2_000_000
		}
		s, ok := stages[pk+"\x00"+c.Stage]
		if !ok {
			s = 2_000_000
		}
		return [5]int{p, what, s, side, c.index}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := rank(&cs[i]), rank(&cs[j])
		for k := range a {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		if cs[i].Entity+cs[i].Pipeline != cs[j].Entity+cs[j].Pipeline {
			return cs[i].Entity+"\x00"+cs[i].Pipeline < cs[j].Entity+"\x00"+cs[j].Pipeline
		}
		return cs[i].Stage < cs[j].Stage
	})
}
