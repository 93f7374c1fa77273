package engine_test

import (
	"flag"
	"fmt"
	"maps"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

var deploySeeds = flag.Int("deploy.seeds", 16, "seeds of TestDeployProperty (the long run: -deploy.seeds=1000)")

const deployHead = `
pipeline deal P {
    stage A
    stage B
}
provider sms "SMS"
employee anna "Anna"
`

// program compiles rules written after deployHead, each source a file.
func program(t testing.TB, files ...string) *ir.Program {
	t.Helper()
	srcs := []compile.Source{{Name: "head.rules", Src: []byte(deployHead)}}
	for i, f := range files {
		srcs = append(srcs, compile.Source{Name: fmt.Sprintf("f%d.rules", i), Src: []byte(f)})
	}
	p, err := compile.Program(srcs)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sms(label, stage, after, text string) string {
	return fmt.Sprintf("%s: on stage %s after %s: send sms to contact.phone[auto] text %q\n", label, stage, after, text)
}

// newDeployEngine opens an engine with p deployed and one deal, with a
// contact, in stage A at t0.
func newDeployEngine(t testing.TB, p *ir.Program, opts engine.Options) (*engine.Engine, string) {
	t.Helper()
	e, err := engine.Open(openMem(t), stdlib.Runtime(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deploy(p, t0); err != nil {
		t.Fatal(err)
	}
	c, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "contact", Fields: map[string]value.Value{
		"name": value.TextOf("Jan"), "phone": value.ListOf(value.TypedText("mobile", "+48 600 100 200"))}})
	if err != nil {
		t.Fatal(err)
	}
	return e, c.Created[0]
}

func dealIn(t testing.TB, e *engine.Engine, contact string, at int64) string {
	t.Helper()
	d, err := e.Apply(engine.Input{Time: at, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
		"title": value.TextOf("Sofa"), "contact": value.RefOf("contact", contact), "responsible": value.RefOf("user", "anna")}})
	if err != nil {
		t.Fatal(err)
	}
	return d.Created[0]
}

type sent struct {
	item, text string
	time       int64
}

func sentSMS(t testing.TB, e *engine.Engine) []sent {
	t.Helper()
	var out []sent
	for _, ef := range effectsOf(t, e, "sms") {
		out = append(out, sent{ef.Item, ef.Fields["text"], ef.Time})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.time != b.time {
			return a.time < b.time
		}
		if a.item != b.item {
			return a.item < b.item
		}
		return a.text < b.text
	})
	return out
}

const day = int64(86400)

// TestDeployPendingWork: a pending run of a changed rule fires the new
// definition, at the time its new timing gives from when the item entered
// the stage; one of a removed rule is cancelled and the timeline names the
// deploy; reordering, adding rules and moving them between files change
// nothing; a rollback is a deploy of the old program.
func TestDeployPendingWork(t *testing.T) {
	v1 := program(t, sms("nudge", "A", "180d", "v1 nudge")+sms("remind", "A", "10d", "v1 remind")+sms("gone", "A", "20d", "v1 gone"),
		sms("moving", "A", "30d", "v1 moving"))
	v2 := program(t, sms("first", "A", "5d", "v2 first")+sms("moving", "B", "30d", "v1 moving"),
		sms("remind", "A", "10d", "v1 remind")+sms("nudge", "A", "90d", "v2 nudge"))
	e, contact := newDeployEngine(t, v1, engine.Options{})
	deal := dealIn(t, e, contact, t0)

	res, err := e.Deploy(v2, t0+day)
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != 2 {
		t.Errorf("version %d, want 2", res.Version)
	}
	kinds := map[string]string{}
	for _, c := range res.Plan.Changes {
		kinds[c.Ident] = string(c.Kind)
	}
	if want := "map[first:added gone:removed moving:moved nudge:changed remind:unchanged]"; fmt.Sprint(kinds) != want {
		t.Errorf("plan %v, want %s", kinds, want)
	}
	if err := e.Advance(t0+400*day, nil); err != nil {
		t.Fatal(err)
	}
	want := []sent{{deal, "v1 remind", t0 + 10*day}, {deal, "v2 nudge", t0 + 90*day}}
	if got := sentSMS(t, e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sent %v, want %v", got, want)
	}
	tl := timelineText(t, e, deal)
	for _, s := range []string{
		`pending run of rule "gone" cancelled by the deploy of version 2: it was removed`,
		`pending run of rule "moving" cancelled by the deploy of version 2: it moved from stage A to stage B`,
		`pending run of rule "nudge" rescheduled by the deploy of version 2: due 2026-04-05T09:00, was 2026-07-04T09:00`,
	} {
		if !strings.Contains(tl, s) {
			t.Errorf("the timeline does not say %q:\n%s", s, tl)
		}
	}

	// A rollback: v1 again, as version 3, for a deal waiting under v2.
	deal2 := dealIn(t, e, contact, t0+400*day)
	res, err = e.Deploy(v1, t0+401*day)
	if err != nil || res.Version != 3 {
		t.Fatalf("rollback: version %v, %v", res, err)
	}
	if err := e.Advance(t0+1000*day, nil); err != nil {
		t.Fatal(err)
	}
	var got2 []string
	for _, s := range sentSMS(t, e) {
		if s.item == deal2 {
			got2 = append(got2, fmt.Sprintf("%s@%d", s.text, (s.time-t0)/day))
		}
	}
	// v2's "first" (due day 405) is removed by the rollback; nudge goes
	// back to 180d from entry; remind is unchanged; moving never started
	// for deal2 (it was on stage B in v2).
	if want := "[v1 remind@410 v1 nudge@580]"; fmt.Sprint(got2) != want {
		t.Errorf("after the rollback deal2 got %v, want %s", got2, want)
	}
	log, err := e.Log()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range log {
		if in.Version == 0 {
			t.Errorf("input %d (%s) records no program version", in.Seq, in.Kind)
		}
	}
	if got, want := replay(t, v1, log), dump(t, e.Store()); got != want {
		t.Error("the replay across deploys differs from the run")
	}
}

func timelineText(t testing.TB, e *engine.Engine, id string) string {
	t.Helper()
	tl, err := e.Timeline(id)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, en := range tl {
		b.WriteString(en.Text + "\n")
	}
	return b.String()
}

// TestDeployProperty runs random sequences of deploys (rules added,
// removed, edited, reordered, moved between stages and files), inputs and
// ticks against a model of the semantics (spec/semantics.md, "Deploys"):
// every SMS the model owes is sent once, at its time, with the text of the
// definition in force; nothing else is sent; the replay of the log gives
// the same bytes.
func TestDeployProperty(t *testing.T) {
	for seed := int64(1); seed <= int64(*deploySeeds); seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { deployProperty(t, seed) })
	}
}

// modelRule is a rule of the model: its stage, delay in days and text.
type modelRule struct {
	stage string
	days  int64
	text  string
}

func deployProperty(t *testing.T, seed int64) {
	r := rand.New(rand.NewSource(seed))
	labels := []string{"r0", "r1", "r2", "r3", "r4", "r5"}
	randomProgram := func(version int) (*ir.Program, map[string]modelRule) {
		rules := map[string]modelRule{}
		var lines []string
		for _, l := range labels {
			if r.Intn(4) == 0 {
				continue
			}
			m := modelRule{stage: []string{"A", "B"}[r.Intn(2)], days: int64(1 + r.Intn(20))}
			m.text = fmt.Sprintf("%s %s %dd", l, m.stage, m.days)
			if r.Intn(2) == 0 {
				m.text += fmt.Sprintf(" v%d", version) // an edit of the text
			}
			rules[l] = m
			lines = append(lines, sms(l, m.stage, fmt.Sprintf("%dd", m.days), m.text))
		}
		r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
		files := make([]string, 1+r.Intn(3)) // spread over files at random
		for _, line := range lines {
			files[r.Intn(len(files))] += line
		}
		return program(t, files...), rules
	}
	p, rules := randomProgram(1)
	first := p
	e, contact := newDeployEngine(t, p, engine.Options{TimersPerTick: 1 + r.Intn(4)})

	type deal struct {
		stage   string
		entered int64
		pending map[string]int64 // label -> base
	}
	deals := map[string]*deal{}
	var ids []string
	var want []sent
	now, lastTick := t0, t0
	enter := func(d *deal, stage string) {
		d.stage, d.entered, d.pending = stage, now, map[string]int64{}
		for l, m := range rules {
			if m.stage == stage {
				d.pending[l] = now
			}
		}
	}
	for step := 0; step < 150; step++ {
		now += int64(r.Intn(4)) * day / 2
		switch k := r.Intn(10); {
		case k < 2:
			p, rules = randomProgram(step + 2)
			if _, err := e.Deploy(p, now); err != nil {
				t.Fatal(err)
			}
			for _, d := range deals {
				for l := range d.pending {
					if m, ok := rules[l]; !ok || m.stage != d.stage {
						delete(d.pending, l)
					}
				}
			}
		case k < 5:
			id := dealIn(t, e, contact, now)
			d := &deal{}
			enter(d, "A")
			deals[id] = d
			ids = append(ids, id)
		case k < 7 && len(ids) > 0:
			id := ids[r.Intn(len(ids))]
			to := map[string]string{"A": "B", "B": "A"}[deals[id].stage]
			if _, err := e.Apply(engine.Input{Time: now, Kind: "move", Item: id, Stage: to}); err != nil {
				t.Fatal(err)
			}
			enter(deals[id], to)
		default:
			if err := e.Advance(now, nil); err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				d := deals[id]
				for l, base := range d.pending {
					if due := base + rules[l].days*day; due <= now {
						want = append(want, sent{id, rules[l].text, max(due, lastTick)})
						delete(d.pending, l)
					}
				}
			}
			lastTick = now
		}
	}
	sort.Slice(want, func(i, j int) bool {
		a, b := want[i], want[j]
		if a.time != b.time {
			return a.time < b.time
		}
		if a.item != b.item {
			return a.item < b.item
		}
		return a.text < b.text
	})
	if len(want) == 0 {
		t.Fatalf("seed %d: the model owes nothing: the case tests nothing", seed)
	}
	t.Logf("seed %d: %d SMS owed", seed, len(want))
	if got := sentSMS(t, e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("seed %d: sent\n%v\nwant\n%v", seed, got, want)
	}
	log, err := e.Log()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := replay(t, first, log), dump(t, e.Store()); got != want {
		t.Fatalf("seed %d: the replay differs from the run", seed)
	}
}

// TestDeployRename: naming a rule (a label added, as W005 advises) or
// renaming it carries its pending runs to the new identity; nothing is
// cancelled, and they fire once.
func TestDeployRename(t *testing.T) {
	v1 := program(t, "on stage A after 10d: send sms to contact.phone[auto] text \"hi\"\n")
	v2 := program(t, sms("greet", "A", "10d", "hi"))
	v3 := program(t, sms("hello", "A", "10d", "hi"))
	v4 := program(t, sms("hello", "A", "5d", "hi"))
	e, contact := newDeployEngine(t, v1, engine.Options{})
	deal := dealIn(t, e, contact, t0)
	res, err := e.Deploy(v2, t0+day)
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Plan.Of("rule", "deal/P/A: send sms"); c == nil || c.Kind != "changed" || c.Ident != "greet" {
		t.Fatalf("the plan: %+v", c)
	}
	if _, err := e.Deploy(v3, t0+2*day); err != nil { // renamed
		t.Fatal(err)
	}
	if _, err := e.Deploy(v4, t0+3*day); err != nil { // retimed
		t.Fatal(err)
	}
	if err := e.Advance(t0+30*day, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(sentSMS(t, e)), fmt.Sprint([]sent{{deal, "hi", t0 + 5*day}}); got != want {
		t.Errorf("sent %s, want %s", got, want)
	}
	tl := timelineText(t, e, deal)
	for _, s := range []string{`pending run of rule "greet" renamed from "deal/P/A: send sms" by the deploy of version 2`,
		`pending run of rule "hello" renamed from "greet" by the deploy of version 3`,
		`pending run of rule "hello" rescheduled by the deploy of version 4`} {
		if !strings.Contains(tl, s) {
			t.Errorf("the timeline does not say %q:\n%s", s, tl)
		}
	}
}

// TestItemsByStage counts the items a plan removing their stage leaves
// there: what `diff --data` and the server's Plan say of it.
func TestItemsByStage(t *testing.T) {
	e, contact := newDeployEngine(t, program(t, sms("nudge", "A", "1d", "x")), engine.Options{})
	dealIn(t, e, contact, t0)
	d := dealIn(t, e, contact, t0)
	if _, err := e.Apply(engine.Input{Time: t0, Kind: "move", Item: d, Stage: "B"}); err != nil {
		t.Fatal(err)
	}
	counts, err := engine.ItemsByStage(e.Store())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{plan.ItemsKey("contact", "", ""): 1, plan.ItemsKey("deal", "P", "A"): 1, plan.ItemsKey("deal", "P", "B"): 1}
	if !maps.Equal(counts, want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
}

// TestMoveInRemovedPipeline: an item whose pipeline a deploy removed
// stays where it is, and a move of it says why it cannot go anywhere.
func TestMoveInRemovedPipeline(t *testing.T) {
	compileSrc := func(src string) *ir.Program {
		p, err := compile.Program([]compile.Source{{Name: "a.rules", Src: []byte(src)}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	e, err := engine.Open(openMem(t), stdlib.Runtime(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deploy(compileSrc("pipeline deal P {\n    stage A\n    stage B\n}\n"), t0); err != nil {
		t.Fatal(err)
	}
	d, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("x")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deploy(compileSrc("pipeline deal Q {\n    stage A\n    stage B\n}\n"), t0+1); err != nil {
		t.Fatal(err)
	}
	_, err = e.Apply(engine.Input{Time: t0 + 2, Kind: "move", Item: d.Created[0], Stage: "B"})
	if err == nil || !strings.Contains(err.Error(), `is in pipeline "P" (deal), which the running rules no longer have`) {
		t.Errorf("move: %v", err)
	}
}

// TestDeployThenAndKeep: a pending rule that a deploy makes run after
// another (then) is cancelled, since that one starts it (it ran twice:
// from its own timer and again after the other); a kept run of a rule
// that no longer keeps ends when its item has left the stage. Each says so.
func TestDeployThenAndKeep(t *testing.T) {
	v1 := program(t, sms("a", "A", "30s", "A")+sms("b", "A", "20s", "B")+
		"k: on stage A after 40s keep: send sms to contact.phone[auto] text \"K\"\n")
	v2 := program(t, sms("a", "A", "30s", "A")+"b: on stage A then after 20s: send sms to contact.phone[auto] text \"B\"\n"+
		sms("k", "A", "40s", "K"))
	e, contact := newDeployEngine(t, v1, engine.Options{})
	deal := dealIn(t, e, contact, t0)
	if _, err := e.Apply(engine.Input{Time: t0 + 1, Kind: "move", Item: deal, Stage: "B"}); err != nil {
		t.Fatal(err)
	}
	other := dealIn(t, e, contact, t0+2)
	if _, err := e.Deploy(v2, t0+5); err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(t0+day, nil); err != nil {
		t.Fatal(err)
	}
	// deal left A at t0+1: a and b were cancelled then, k kept; other
	// stays in A: a at +30s, then b 20s after it, once.
	want := []sent{{other, "A", t0 + 2 + 30}, {other, "K", t0 + 2 + 40}, {other, "B", t0 + 2 + 50}}
	if got := sentSMS(t, e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sent %v, want %v", got, want)
	}
	for item, line := range map[string]string{
		other: `pending run of rule "b" cancelled by the deploy of version 2: the rule now runs then, after a (send sms), which is still to run and starts it`,
		deal:  `pending run of rule "k" cancelled by the deploy of version 2: the rule no longer keeps its runs (keep), and the item has left the stage it started in`,
	} {
		if tl := timelineText(t, e, item); !strings.Contains(tl, line) {
			t.Errorf("timeline of %s:\n%s\nwants %q", item, tl, line)
		}
	}
}

// TestCreateConformsContact: a contact given as its ID in a text is stored
// as the reference update stores (an update with the same contact changed
// it, and raised field changed for nothing).
func TestCreateConformsContact(t *testing.T) {
	e, contact := newDeployEngine(t, program(t), engine.Options{})
	d, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
		"title": value.TextOf("x"), "contact": value.TextOf(contact)}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Apply(engine.Input{Time: t0 + 1, Kind: "update", Item: d.Created[0], Fields: map[string]value.Value{
		"contact": value.RefOf("contact", contact)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Timeline) != 0 {
		t.Errorf("the same contact again changed the deal: %v", res.Timeline)
	}
}

// TestDeployThenAfterRan: when the rule a pending run now follows has
// already run for the item, nothing would start it again: the run goes on.
func TestDeployThenAfterRan(t *testing.T) {
	v1 := program(t, sms("a", "A", "1s", "A")+sms("b", "A", "1d", "B"))
	v2 := program(t, sms("a", "A", "1s", "A")+"b: on stage A then after 20s: send sms to contact.phone[auto] text \"B\"\n")
	e, contact := newDeployEngine(t, v1, engine.Options{})
	deal := dealIn(t, e, contact, t0)
	if err := e.Advance(t0+10, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deploy(v2, t0+11); err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(t0+2*day, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(sentSMS(t, e)), fmt.Sprint([]sent{{deal, "A", t0 + 1}, {deal, "B", t0 + 20}}); got != want {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestAddressTypesChecked: an address of a type a client's address cannot
// have is refused, naming the types.
func TestAddressTypesChecked(t *testing.T) {
	e, _ := newDeployEngine(t, program(t), engine.Options{})
	_, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "contact", Fields: map[string]value.Value{
		"email": value.ListOf(value.TypedText("bogus", "x@y.example"))}})
	if err == nil || !strings.Contains(err.Error(), `has the type "bogus"; the types are work, home, mailing, other`) {
		t.Errorf("an e-mail of type bogus: %v", err)
	}
}

// TestLabelOneOfAlike: naming the first of two alike rules, as W005
// advises, keeps each one's pending run with its own definition (the
// second took the first's identity, and was paired with its runs).
func TestLabelOneOfAlike(t *testing.T) {
	alike := func(first string) string {
		return first + "on stage A after 20s: send sms to contact.phone[auto] text \"reminder\"\n" +
			"on stage A after 40s: send sms to contact.phone[auto] text \"thanks\"\n"
	}
	e, contact := newDeployEngine(t, program(t, alike("")), engine.Options{})
	deal := dealIn(t, e, contact, t0)
	if _, err := e.Deploy(program(t, alike("reminder: ")), t0+5); err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(t0+day, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(sentSMS(t, e)), fmt.Sprint([]sent{{deal, "reminder", t0 + 20}, {deal, "thanks", t0 + 40}}); got != want {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestCalendarChangeRetimes: a deploy that changes the calendar gives the
// pending runs of worktime rules the due time the new calendar gives
// (a holiday added on their day moves them to the next working moment),
// and the timeline says so.
func TestCalendarChangeRetimes(t *testing.T) {
	cal := func(holidays string) string {
		return "calendar praca {\n    timezone \"UTC\"\n    days [mon, tue, wed, thu, fri]\n    hours [08:00, 18:00]\n    holidays [" + holidays + "]\n}\n" +
			"w: on stage A after 2h worktime: send sms to contact.phone[auto] text \"W\"\n"
	}
	e, contact := newDeployEngine(t, program(t, cal("")), engine.Options{})
	deal := dealIn(t, e, contact, t0) // Monday 09:00: due 11:00
	if _, err := e.Deploy(program(t, cal("2026-01-05")), t0+60); err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(t0+3*day, nil); err != nil {
		t.Fatal(err)
	}
	// Monday a holiday now: the first working moment after 11:00 is Tuesday 08:00.
	if got, want := fmt.Sprint(sentSMS(t, e)), fmt.Sprint([]sent{{deal, "W", t0 + day - 3600}}); got != want {
		t.Errorf("sent %v, want %v", got, want)
	}
	if tl := timelineText(t, e, deal); !strings.Contains(tl, "rescheduled by the deploy of version 2") {
		t.Errorf("timeline:\n%s", tl)
	}
}

// TestCalendarChangeKeepsClockTimes: a worktime rule timed from the clock
// (at tomorrow + 14:00) keeps its due time when the calendar changes: read
// again at the deploy, tomorrow was a day later.
func TestCalendarChangeKeepsClockTimes(t *testing.T) {
	cal := func(holidays string) string {
		return "calendar praca {\n    timezone \"UTC\"\n    days [mon, tue, wed, thu, fri]\n    hours [08:00, 18:00]\n    holidays [" + holidays + "]\n}\n" +
			"w: on stage A at tomorrow + 14:00 worktime: send sms to contact.phone[auto] text \"W\"\n"
	}
	e, contact := newDeployEngine(t, program(t, cal("")), engine.Options{})
	deal := dealIn(t, e, contact, t0) // Monday 09:00: due Tuesday 14:00
	if _, err := e.Deploy(program(t, cal("2026-12-24")), t0+day+3600); err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(t0+3*day, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(sentSMS(t, e)), fmt.Sprint([]sent{{deal, "W", t0 + day + 5*3600}}); got != want {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestSwapAlikeWithFollowers: two alike unlabelled rules, each with a
// follower, swapped: each pair keeps its runs (the followers crossed
// over: one's run lost, the other's run twice).
func TestSwapAlikeWithFollowers(t *testing.T) {
	line := func(head, after, text string) string {
		return fmt.Sprintf("on stage A %safter %s: send sms to contact.phone[auto] text %q\n", head, after, text)
	}
	p1 := line("", "10s", "L1") + line("then ", "100s", "F1")
	p2 := line("", "1000s", "L2") + line("then ", "200s", "F2")
	e, contact := newDeployEngine(t, program(t, p1+p2), engine.Options{})
	deal := dealIn(t, e, contact, t0)
	if err := e.Advance(t0+40, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Deploy(program(t, p2+p1), t0+40); err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(t0+day, nil); err != nil {
		t.Fatal(err)
	}
	want := []sent{{deal, "L1", t0 + 10}, {deal, "F1", t0 + 110}, {deal, "L2", t0 + 1000}, {deal, "F2", t0 + 1200}}
	if got := sentSMS(t, e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// TestDeployThenDeepChain: a rule made to run then after one whose own
// leader is still pending is started by that chain, once (its own timer
// ran it first, and the chain again).
func TestDeployThenDeepChain(t *testing.T) {
	v1 := program(t, sms("a", "A", "30s", "A")+
		"b: on stage A then after 10s: send sms to contact.phone[auto] text \"B\"\n"+
		sms("c", "A", "20s", "C"))
	v2 := program(t, sms("a", "A", "30s", "A")+
		"b: on stage A then after 10s: send sms to contact.phone[auto] text \"B\"\n"+
		"c: on stage A then after 20s: send sms to contact.phone[auto] text \"C\"\n")
	e, contact := newDeployEngine(t, v1, engine.Options{})
	deal := dealIn(t, e, contact, t0)
	if _, err := e.Deploy(v2, t0+5); err != nil {
		t.Fatal(err)
	}
	if err := e.Advance(t0+day, nil); err != nil {
		t.Fatal(err)
	}
	want := []sent{{deal, "A", t0 + 30}, {deal, "B", t0 + 40}, {deal, "C", t0 + 60}}
	if got := sentSMS(t, e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// updateAmountAndZone runs rules over a deal given amount and zone in one
// update input, and returns the input's timeline, a line an entry.
func updateAmountAndZone(t *testing.T, rules string) string {
	t.Helper()
	e, contact := newDeployEngine(t, program(t, "field deal.zone: text\n"+rules), engine.Options{})
	deal := dealIn(t, e, contact, t0)
	res, err := e.Apply(engine.Input{Time: t0 + 1, Kind: "update", Item: deal, Fields: map[string]value.Value{
		"amount": value.MoneyOf(100), "zone": value.TextOf("north")}})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, en := range res.Timeline {
		texts = append(texts, en.Text)
	}
	return strings.Join(texts, "\n")
}

// TestUpdateSetsAllFieldsFirst: an update of several fields sets them all
// before a trigger fires, so the rules a change starts see the whole
// update, whatever the fields' names (amount, sorted before the category
// it is sent with, started a rule that read the category still empty).
func TestUpdateSetsAllFieldsFirst(t *testing.T) {
	got := updateAmountAndZone(t, `move to stage B when field changed field deal.amount
on stage B: send sms to contact.phone[auto] text "zone {deal.zone}"
`)
	if !strings.Contains(got, `"zone north"`) {
		t.Errorf("the rule did not see the whole update:\n%s", got)
	}
	if i, j := strings.Index(got, "zone set to"), strings.Index(got, "moved from A to B"); i < 0 || j < 0 || i > j {
		t.Errorf("not every field was set before the trigger moved the deal:\n%s", got)
	}
}

// TestUpdateFieldChangedAgain: a field of an update that a rule, started
// by an earlier field's trigger, has changed again does not fire its
// triggers with the input's value, which it no longer holds.
func TestUpdateFieldChangedAgain(t *testing.T) {
	got := updateAmountAndZone(t, `move to stage B when field changed field deal.amount
on stage B: update deal.zone = "south"
move to stage A when field changed field deal.zone value "north" allow_back true
`)
	if strings.Contains(got, "moved from B to A") {
		t.Errorf("the zone's trigger fired with north, which the rule had changed to south:\n%s", got)
	}
}
