package engine_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/engine"
)

var editSeeds = flag.Int("deployedit.seeds", 150, "seeds of TestDeployEditKeepsRuns (the long run: -deployedit.seeds=5000)")

// editRule is one rule of stage A in TestDeployEditKeepsRuns.
type editRule struct {
	label string // "" when unlabelled
	then  bool   // runs after the rule written before it
	after int64  // seconds
	text  string // unique: says which rule sent an SMS
}

func (r editRule) line() string {
	head, then := "", ""
	if r.label != "" {
		head = r.label + ": "
	}
	if r.then {
		then = "then "
	}
	return fmt.Sprintf("%son stage A %safter %ds: send sms to contact.phone[auto] text %q\n", head, then, r.after, r.text)
}

func editSource(rules []editRule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.line())
	}
	return b.String()
}

// editCase is one case: v1, v2 (v1 under one meaning-preserving edit), the
// edit, and when v2 is deployed.
type editCase struct {
	v1, v2   []editRule
	edit     string
	deployAt int64 // seconds after t0
}

func (c editCase) String() string {
	return fmt.Sprintf("edit: %s, deploy at t0+%ds\nv1:\n%sv2:\n%s", c.edit, c.deployAt, editSource(c.v1), editSource(c.v2))
}

// editUnits splits rules into chains: a rule that does not say then and
// the rules after it that do.
func editUnits(rules []editRule) [][]editRule {
	var units [][]editRule
	for _, r := range rules {
		if !r.then || len(units) == 0 {
			units = append(units, nil)
		}
		units[len(units)-1] = append(units[len(units)-1], r)
	}
	return units
}

// editDue is when v1 sends each text to a deal entering stage A at t0
// (seconds after t0): M-PARALLEL / M-SEQUENCE.
func editDue(rules []editRule) map[string]int64 {
	due := map[string]int64{}
	var prev int64
	for _, r := range rules {
		if r.then {
			prev += r.after
		} else {
			prev = r.after
		}
		due[r.text] = prev
	}
	return due
}

func newEditCase(seed uint64) editCase {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	var c editCase
	n := 2 + r.IntN(3)
	for i := range n {
		rule := editRule{then: i > 0 && r.IntN(3) == 0, after: 1 + r.Int64N(100), text: fmt.Sprintf("sms %d", i)}
		if r.IntN(2) == 0 {
			rule.label = fmt.Sprintf("r%d", i)
		}
		c.v1 = append(c.v1, rule)
	}
	c.v2 = slices.Clone(c.v1)
	var labelled, unlabelled []int
	for i, rule := range c.v1 {
		if rule.label != "" {
			labelled = append(labelled, i)
		} else {
			unlabelled = append(unlabelled, i)
		}
	}
	units := editUnits(c.v1)
	var edits []string
	if len(units) > 1 {
		edits = append(edits, "reorder")
	}
	if len(unlabelled) > 0 {
		edits = append(edits, "add label")
	}
	if len(labelled) > 0 {
		// No rule names another's label (then follows the rule written
		// before it), so any label may go.
		edits = append(edits, "remove label", "rename label")
	}
	switch edit := edits[r.IntN(len(edits))]; edit {
	case "reorder":
		perm := r.Perm(len(units))
		for slices.IsSorted(perm) {
			perm = r.Perm(len(units))
		}
		c.v2 = c.v2[:0]
		for _, i := range perm {
			c.v2 = append(c.v2, units[i]...)
		}
		c.edit = fmt.Sprintf("reorder chains %v", perm)
	case "add label":
		i := unlabelled[r.IntN(len(unlabelled))]
		c.v2[i].label = fmt.Sprintf("n%d", i)
		c.edit = fmt.Sprintf("label %q on rule %d", c.v2[i].label, i)
	case "remove label":
		i := labelled[r.IntN(len(labelled))]
		c.v2[i].label = ""
		c.edit = fmt.Sprintf("remove label %q of rule %d", c.v1[i].label, i)
	case "rename label":
		i := labelled[r.IntN(len(labelled))]
		c.v2[i].label = fmt.Sprintf("n%d", i)
		c.edit = fmt.Sprintf("rename label %q of rule %d to %q", c.v1[i].label, i, c.v2[i].label)
	}
	var last int64
	for _, d := range editDue(c.v1) {
		last = max(last, d)
	}
	c.deployAt = r.Int64N(last) // before the last run is due: something is pending
	return c
}

// TestDeployEditKeepsRuns: a deploy of a meaning-preserving edit of v1
// (chains reordered, a label added, taken away or renamed: spec/plan.md,
// "Identity") while a deal waits on stage A leaves every pending run with
// its own definition, at its own time: each rule sends its text once, at
// the time v1 alone sends it (a second engine, with no deploy, says when).
// A run done before the deploy is not done again.
func TestDeployEditKeepsRuns(t *testing.T) {
	for seed := uint64(1); seed <= uint64(*editSeeds); seed++ {
		c := newEditCase(seed)
		if !t.Run(fmt.Sprint(seed), func(t *testing.T) { deployEditKeepsRuns(t, c) }) {
			t.Logf("seed %d fails (go test ./runtime/engine -run 'TestDeployEditKeepsRuns/^%d$'):\n%s", seed, seed, c)
		}
	}
}

func deployEditKeepsRuns(t *testing.T, c editCase) {
	far := t0 + day
	at := t0 + c.deployAt
	v1 := program(t, editSource(c.v1))
	v2 := program(t, editSource(c.v2))

	// v1 alone.
	ref, refContact := newDeployEngine(t, v1, engine.Options{})
	refDeal := dealIn(t, ref, refContact, t0)
	for _, to := range []int64{at, far} {
		if err := ref.Advance(to, nil); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int64{} // text -> time
	for _, s := range sentSMS(t, ref) {
		if _, twice := want[s.text]; twice || s.item != refDeal {
			t.Fatalf("without a deploy v1 sent %v:\n%s", sentSMS(t, ref), c)
		}
		want[s.text] = s.time
	}
	for text, d := range editDue(c.v1) {
		if got, ok := want[text]; !ok || got != t0+d {
			t.Fatalf("without a deploy v1 sent %q at %d (sent: %v), M-SEQUENCE says t0+%d:\n%s", text, got-t0, ok, d, c)
		}
	}

	// v1, then v2 at the deploy time.
	e, contact := newDeployEngine(t, v1, engine.Options{})
	deal := dealIn(t, e, contact, t0)
	if err := e.Advance(at, nil); err != nil {
		t.Fatal(err)
	}
	res, err := e.Deploy(v2, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(far, nil); err != nil {
		t.Fatal(err)
	}
	got := map[string][]int64{}
	for _, s := range sentSMS(t, e) {
		if s.item != deal {
			t.Errorf("sent %v to another item", s)
			continue
		}
		got[s.text] = append(got[s.text], s.time)
	}

	var bad []string
	for _, rule := range c.v1 {
		w, g := want[rule.text], got[rule.text]
		when := "pending at the deploy"
		if w <= at {
			when = "ran before the deploy"
		}
		if len(g) != 1 || g[0] != w {
			var gs []string
			for _, x := range g {
				gs = append(gs, fmt.Sprintf("t0+%d", x-t0))
			}
			bad = append(bad, fmt.Sprintf("%q (%s): want once at t0+%d, got [%s]", rule.text, when, w-t0, strings.Join(gs, " ")))
		}
	}
	for text, g := range got {
		if _, ok := want[text]; !ok {
			bad = append(bad, fmt.Sprintf("%q: not a text of v1, sent %d times", text, len(g)))
		}
	}
	if len(bad) == 0 {
		return
	}
	var plan []string
	for _, ch := range res.Plan.Changes {
		s := fmt.Sprintf("  %s %q", ch.Kind, ch.Ident)
		if ch.OldIdent != "" {
			s += fmt.Sprintf(" (was %q)", ch.OldIdent)
		}
		for _, st := range ch.Settings {
			s += fmt.Sprintf(" %s: %s → %s;", st.Name, st.Old, st.New)
		}
		plan = append(plan, s)
	}
	var tl []string
	for _, line := range strings.Split(timelineText(t, e, deal), "\n") {
		if strings.Contains(line, "pending run") {
			tl = append(tl, "  "+line)
		}
	}
	t.Errorf("%s\n%s\nplan:\n%s\ntimeline:\n%s", strings.Join(bad, "\n"), c, strings.Join(plan, "\n"), strings.Join(tl, "\n"))
}
