package plan

import "strings"

// pairing pairs the rules (or the triggers) of the old program with the
// new program's, step by step, each step pairing what the ones before
// left: the pairs decide where pending work goes (spec/plan.md, Identity).
type pairing struct {
	olds, news []*entry
	match      []int  // old index -> new index, or -1
	taken      []bool // new index -> paired
	byIdent    map[string]int
	// oldLabels and newLabels are the labels each program has: a label
	// both have pins its rule.
	oldLabels, newLabels map[string]bool
}

// pair runs the steps in order.
func pair(olds, news []*entry) *pairing {
	m := &pairing{olds: olds, news: news, match: make([]int, len(olds)), taken: make([]bool, len(news)),
		byIdent: map[string]int{}, oldLabels: map[string]bool{}, newLabels: map[string]bool{}}
	for i := range m.match {
		m.match[i] = -1
	}
	for i, n := range news {
		m.byIdent[n.ident] = i
		m.newLabels[n.label] = n.label != ""
	}
	for _, e := range olds {
		m.oldLabels[e.label] = e.label != ""
	}
	m.sameIdentAndDefinition()
	m.sameDefinitionRenamed()
	m.followers()
	m.sameIdent()
	m.alikeLeftOver()
	m.moved()
	m.relabelled()
	return m
}

func (m *pairing) pair(o, n int) { m.match[o], m.taken[n] = n, true }

// sameIdentAndDefinition (0): the same identity and the same definition.
func (m *pairing) sameIdentAndDefinition() {
	for o, e := range m.olds {
		if n, ok := m.byIdent[e.ident]; ok && !m.taken[n] && m.news[n].sig == e.sig && m.news[n].stage == e.stage {
			m.pair(o, n)
		}
	}
}

// sameDefinitionRenamed (0b): the same definition on the same stage under
// another identity is the same rule, renamed, before its identity goes to
// another. Naming the first of two alike rules (as W005 advises) gives the
// second the first's unlabelled identity; paired by identity, the first's
// pending runs took the second's definition and the second's were
// cancelled. Alike rules reordered keep their runs with their definitions
// the same way. Only rules that follow none (a follower's identity is made
// of its leader's: followers), and a label both programs have pins its
// rule, whatever its definition became.
func (m *pairing) sameDefinitionRenamed() {
	same := map[string][]int{}
	for n, e := range m.news {
		if !m.taken[n] && e.prev < 0 && !m.oldLabels[e.label] {
			same[e.stage+"\x00"+e.sig] = append(same[e.stage+"\x00"+e.sig], n)
		}
	}
	for o, e := range m.olds {
		if m.match[o] >= 0 || e.prev >= 0 || m.newLabels[e.label] {
			continue
		}
		k := e.stage + "\x00" + e.sig
		if ns := same[k]; len(ns) > 0 {
			m.pair(o, ns[0])
			same[k] = ns[1:]
		}
	}
}

// followers (0c): the rule after a rule paired so (then), by definition or
// by action: a follower's identity is made of its leader's, so a leader
// renamed or reordered renames it too, and its runs go with it (paired by
// identity, the followers of two reordered leaders crossed over: one's
// runs lost, the other's run twice). Labels both programs have pin.
func (m *pairing) followers() {
	for again := true; again; {
		again = false
		for o, e := range m.olds {
			if m.match[o] >= 0 || e.prev < 0 || m.match[e.prev] < 0 || m.newLabels[e.label] {
				continue
			}
			if n := m.follower(m.match[e.prev], e); n >= 0 {
				m.pair(o, n)
				again = true
			}
		}
	}
}

// follower is the rule after news[lead] (then), not yet taken, when it
// has e's definition or action and no label the old program has; -1 if
// none. (A rule has at most one follower: the next rule of its stage.)
func (m *pairing) follower(lead int, e *entry) int {
	for n, ne := range m.news {
		if !m.taken[n] && ne.prev == lead && !m.oldLabels[ne.label] && (ne.sig == e.sig || ne.title == e.title) {
			return n
		}
	}
	return -1
}

// sameIdent (1): the same identity.
func (m *pairing) sameIdent() {
	for o, e := range m.olds {
		if m.match[o] >= 0 {
			continue
		}
		if n, ok := m.byIdent[e.ident]; ok && !m.taken[n] {
			m.pair(o, n)
		}
	}
}

// alikeLeftOver (1b): alike unlabelled rules of one stage left over (one's
// definition changed as they were reordered): paired in their order, each
// changed, its runs carried to its new identity.
func (m *pairing) alikeLeftOver() {
	for o, e := range m.olds {
		if m.match[o] >= 0 || e.label != "" || e.prev >= 0 {
			continue
		}
		base := strings.TrimSuffix(e.ident, ordinal(e.ident))
		for n, ne := range m.news {
			if !m.taken[n] && ne.label == "" && ne.prev < 0 && ne.stage == e.stage && strings.TrimSuffix(ne.ident, ordinal(ne.ident)) == base {
				m.pair(o, n)
				break
			}
		}
	}
}

// moved (2): unlabelled, the same definition on another stage of the
// pipeline.
func (m *pairing) moved() {
	cands := map[string][]int{}
	for n, e := range m.news {
		if !m.taken[n] && e.label == "" {
			cands[e.sig] = append(cands[e.sig], n)
		}
	}
	for o, e := range m.olds {
		if m.match[o] >= 0 || e.label != "" {
			continue
		}
		for i, n := range cands[e.sig] {
			if m.news[n].stage != e.stage {
				m.pair(o, n)
				cands[e.sig] = append(cands[e.sig][:i:i], cands[e.sig][i+1:]...)
				break
			}
		}
	}
}

// relabelled (3): a label added, removed or changed: the same definition
// on the same stage under another identity is the same rule, renamed, so
// that its pending work follows it rather than being cancelled.
func (m *pairing) relabelled() {
	renamed := map[string][]int{}
	for n, e := range m.news {
		if !m.taken[n] {
			renamed[e.stage+"\x00"+e.sig] = append(renamed[e.stage+"\x00"+e.sig], n)
		}
	}
	for o, e := range m.olds {
		if m.match[o] >= 0 {
			continue
		}
		k := e.stage + "\x00" + e.sig
		for i, n := range renamed[k] {
			if m.news[n].label != e.label {
				m.pair(o, n)
				renamed[k] = append(renamed[k][:i:i], renamed[k][i+1:]...)
				break
			}
		}
	}
}
