package engine_test

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand"
	randv2 "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/examples"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/testrun"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

var crashSeeds = flag.Int("crash.seeds", 12, "seeds of TestCrash (the long run: -crash.seeds=500)")

func examplesProgram(t testing.TB) *ir.Program {
	t.Helper()
	p, err := compile.ProgramFiles(examples.FS, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func benchProgram(t testing.TB) *ir.Program {
	t.Helper()
	return programFile(t, "bench.rules")
}

// programFile compiles one workspace file of testdata.
func programFile(t testing.TB, name string) *ir.Program {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := compile.Program([]compile.Source{{Name: name, Src: b}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func dump(t testing.TB, st *store.Store) string {
	t.Helper()
	var b bytes.Buffer
	if err := st.Dump(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func openMem(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// replay applies a log to a fresh store and returns its dump. The log
// starts with the deploy of the program it ran, p.
func replay(t testing.TB, p *ir.Program, log []engine.Input) string {
	t.Helper()
	if len(log) == 0 || log[0].Kind != "deploy" {
		t.Fatalf("the log does not start with a deploy")
	}
	st := openMem(t)
	e, err := engine.Open(st, stdlib.Runtime(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range log {
		if _, err := e.Apply(in); err != nil {
			t.Fatalf("replay of input %d: %v", in.Seq, err)
		}
	}
	return dump(t, st)
}

// TestReplay: the input log of every example scenario, replayed into a
// fresh store, gives the same state and outbox byte for byte.
func TestReplay(t *testing.T) {
	p := examplesProgram(t)
	for _, test := range p.Tests {
		st := openMem(t)
		if _, err := testrun.RunOn(st, p, stdlib.Runtime(), test); err != nil {
			t.Fatal(err)
		}
		e, err := engine.New(st, p, stdlib.Runtime())
		if err != nil {
			t.Fatal(err)
		}
		log, err := e.Log()
		if err != nil {
			t.Fatal(err)
		}
		if len(log) == 0 {
			t.Fatalf("%s: empty log", test.Name)
		}
		if got, want := replay(t, p, log), dump(t, st); got != want {
			t.Errorf("%s: replay differs from the original run", test.Name)
		}
	}
}

// TestBadInput: refused inputs say what is wrong and change nothing.
func TestBadInput(t *testing.T) {
	p := examplesProgram(t)
	st := openMem(t)
	e, err := engine.New(st, p, stdlib.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Apply(engine.Input{Time: 1e9, Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("Sofa")}})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Created[0]
	before := dump(t, st)
	for _, c := range []struct {
		in   engine.Input
		want string
	}{
		{engine.Input{Kind: "move", Item: "nope", Stage: "Oferta"}, `unknown item "nope"`},
		{engine.Input{Kind: "move", Item: id, Stage: "Naprawa"}, `stage "Naprawa" is not in pipeline Sprzedaż`},
		{engine.Input{Kind: "event", Item: id, Event: "email exploded"}, `unknown event "email exploded"`},
		{engine.Input{Kind: "event", Item: id, Event: "invoice paid", Fields: map[string]value.Value{"amount": value.NumberOf(1)}}, `takes no setting "amount"`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"colour": value.TextOf("red")}}, `no field "colour"`},
		{engine.Input{Kind: "create", Entity: "invoice"}, `unknown entity "invoice"`},
		{engine.Input{Kind: "create", Entity: "deal", Pipeline: "Leady"}, `no pipeline "Leady"`},
		{engine.Input{Kind: "reboot"}, `unknown input kind "reboot"`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"amount": value.TextOf("dużo")}}, `deal.amount takes an amount, not "dużo"`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"title": value.NumberOf(5)}}, `deal.title takes a text, not the number 5`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"title": value.ListOf()}}, `deal.title takes a text, not an empty list`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"title": value.RefOf("contact", "2")}}, `deal.title takes a text, not a reference to contact "2"`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"amount": value.NumberOf(1.7e308)}}, `deal.amount: 1.7e+308 is beyond the largest amount`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"tracking_no": value.TextOf(strings.Repeat("x", 31))}}, `deal.tracking_no is at most 30 characters`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"category": value.TextOf("Okna")}}, `takes one of Meble, Kuchnie, Dodatki`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"contact": value.RefOf("contact", "99")}}, `deal.contact: no contact with ID "99"`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"contact": value.RefOf("deal", id)}}, `deal.contact takes a reference to a contact, not to a deal (deal "` + id + `")`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"responsible": value.RefOf("user", "zenon")}}, `no employee "zenon"`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"stage": value.TextOf("Oferta")}}, `no field "stage" that can be set`},
		{engine.Input{Kind: "move", Item: id, Stage: "Oferta", By: "zenon"}, `no employee "zenon"`},
		{engine.Input{Kind: "answer", Item: id, Key: "1-1"}, `no webhook call "1-1" waiting`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"title": value.TextOf("Sofa \xff")}}, `field "title": text: text is not valid UTF-8: byte 0xff at offset 5`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"amount": value.NumberOf(math.NaN())}}, `field "amount": number is NaN (not a number)`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"amount": value.MoneyOf(math.Inf(1))}}, `field "amount": amount is +Inf`},
		{engine.Input{Kind: "update", Item: id, Fields: map[string]value.Value{"comments": value.TextOf(strings.Repeat("x", engine.MaxTextBytes+1))}}, `over the limit of 65536`},
		{engine.Input{Kind: "event", Item: id, Event: "chat message", Fields: map[string]value.Value{"text": value.NumberOf(1)}}, `setting "text" takes a text, not 1`},
		{engine.Input{Kind: "event", Item: id, Event: "T-CHAT-SLA"}, `T-CHAT-SLA is not an input: the engine raises it when the timeout passes`},
		{engine.Input{Kind: "event", Item: id, Event: "field changed"}, `field changed is not an input: the engine raises it when a field changes`},
		{engine.Input{Kind: "create", Entity: "contact", Fields: map[string]value.Value{"email": value.ListOf(value.NumberOf(1))}}, `element 1 is 1, not an address`},
		{engine.Input{Kind: "update", Item: id, Fields: bigFields(20, 60<<10)}, `the input is 1229`},
		{engine.Input{Kind: "event", Item: id, Event: "invoice paid", Time: -5}, `before 1970-01-01`},
		{engine.Input{Kind: "tick", Time: 2e9}, ""}, // accepted: the clock moves on
		{engine.Input{Kind: "event", Item: id, Event: "invoice paid", Time: 1.5e9}, `is before the last tick`},
	} {
		if c.in.Time == 0 {
			c.in.Time = 1e9
		}
		_, err := e.Apply(c.in)
		if c.want == "" {
			if err != nil {
				t.Fatal(err)
			}
			before = dump(t, st)
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got error %v, want %q", c.in, err, c.want)
		}
		if after := dump(t, st); after != before {
			t.Errorf("%+v: a refused input changed the store", c.in)
		}
	}
}

// crashInputs is a random workload: deals created with contacts, moved,
// sent events, and the clock moving.
func crashInputs(r *rand.Rand, n int) []engine.Input {
	stages := []string{"Nowe", "Kontakt", "Oferta", "Dostawa", "Zapłacone", "Zamknięty wygrany"}
	events := []string{"email opened", "invoice paid", "call outgoing", "chat accepted", "chat reply"}
	now := int64(1767603600)
	var ins []engine.Input
	deals := 0
	for i := 0; i < n; i++ {
		now += int64(r.Intn(3 * 86400))
		switch k := r.Intn(10); {
		case k < 3 || deals == 0:
			deals++
			ins = append(ins, engine.Input{Time: now, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
				"title": value.TextOf(fmt.Sprintf("Deal %d", i)), "amount": value.MoneyOf(float64(r.Intn(20000))),
				"responsible": value.RefOf("user", "anna")}})
		case k < 7:
			ins = append(ins, engine.Input{Time: now, Kind: "move", Item: "", Stage: stages[r.Intn(len(stages))]})
		case k < 9:
			ins = append(ins, engine.Input{Time: now, Kind: "event", Event: events[r.Intn(len(events))]})
		default:
			ins = append(ins, engine.Input{Time: now, Kind: "tick"})
		}
	}
	return ins
}

// TestCrash crashes the store at a random point while inputs are being
// applied and reopens the copy: every acknowledged input is there whole,
// none is there in part, and overdue timers fire once after reopening.
func TestCrash(t *testing.T) {
	p := examplesProgram(t)
	for seed := int64(1); seed <= int64(*crashSeeds); seed++ {
		r := rand.New(rand.NewSource(seed))
		fs := vfs.NewCrashableMem()
		st, err := store.Open("db", fs)
		if err != nil {
			t.Fatal(err)
		}
		e, err := engine.New(st, p, stdlib.Runtime())
		if err != nil {
			t.Fatal(err)
		}
		ins := crashInputs(r, 40+r.Intn(40))
		crashAt := r.Intn(len(ins))
		var acked atomic.Int64
		var created []string
		var crashed *vfs.MemFS
		var wg sync.WaitGroup
		for i, in := range ins {
			if in.Kind != "create" && in.Kind != "tick" {
				in.Item = created[r.Intn(len(created))]
			}
			if i == crashAt { // crash while this input is in flight
				cfg := vfs.CrashCloneCfg{UnsyncedDataPercent: r.Intn(100), RNG: randv2.New(randv2.NewPCG(uint64(seed), 1))}
				wg.Add(1)
				go func() {
					defer wg.Done()
					crashed = fs.CrashClone(cfg)
				}()
			}
			res, err := e.Apply(in)
			if err != nil {
				continue // refused inputs (a move back to the current stage is not refused; unknown ones are)
			}
			if len(res.Created) > 0 && in.Kind == "create" {
				created = append(created, res.Created[0])
			}
			if i < crashAt {
				acked.Store(res.Seq)
			}
		}
		wg.Wait()
		st.Close()

		st2, err := store.Open("db", crashed)
		if err != nil {
			t.Fatalf("seed %d: reopen: %v", seed, err)
		}
		e2, err := engine.New(st2, p, stdlib.Runtime())
		if err != nil {
			t.Fatal(err)
		}
		log, err := e2.Log()
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(log)) < acked.Load() {
			t.Fatalf("seed %d: %d inputs acknowledged before the crash, %d survived", seed, acked.Load(), len(log))
		}
		for i, in := range log {
			if in.Seq != int64(i+1) {
				t.Fatalf("seed %d: input %d has sequence %d: a hole in the log", seed, i+1, in.Seq)
			}
		}
		if got, want := dump(t, st2), replay(t, p, log); got != want {
			t.Fatalf("seed %d: the reopened store is not the replay of its own log: an input is there in part", seed)
		}
		// Overdue timers fire once.
		far := int64(4102444800) // 2100-01-01
		if _, err := e2.Apply(engine.Input{Time: far, Kind: "tick"}); err != nil {
			t.Fatal(err)
		}
		n1 := countEffects(t, e2)
		if _, err := e2.Apply(engine.Input{Time: far + 1, Kind: "tick"}); err != nil {
			t.Fatal(err)
		}
		if n2 := countEffects(t, e2); n2 != n1 {
			t.Fatalf("seed %d: a second tick made %d more effects: a timer fired twice", seed, n2-n1)
		}
		st2.Close()
	}
}

func countEffects(t testing.TB, e *engine.Engine) int {
	t.Helper()
	effs, err := e.Effects()
	if err != nil {
		t.Fatal(err)
	}
	return len(effs)
}

// effectsOf returns the effects of one kind.
func effectsOf(t testing.TB, e *engine.Engine, kind string) []engine.Effect {
	t.Helper()
	all, err := e.Effects()
	if err != nil {
		t.Fatal(err)
	}
	var out []engine.Effect
	for _, ef := range all {
		if ef.Kind == kind {
			out = append(out, ef)
		}
	}
	return out
}

// TestWebhookAnswer: R-WEBHOOK's answer comes back as an input, and the
// rule after the call runs then, with the answer (M-AUX).
func TestWebhookAnswer(t *testing.T) {
	p := examplesProgram(t)
	e, err := engine.New(openMem(t), p, stdlib.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	now := int64(1767603600)
	res, err := e.Apply(engine.Input{Time: now, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
		"title": value.TextOf("Sofa"), "responsible": value.RefOf("user", "anna")}})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Created[0]
	if _, err := e.Apply(engine.Input{Time: now, Kind: "move", Item: id, Stage: "Dostawa"}); err != nil {
		t.Fatal(err)
	}
	hooks := effectsOf(t, e, "webhook")
	if len(hooks) != 1 || hooks[0].Fields["url"] != "https://magazyn.example/api/slots?deal="+id {
		t.Fatalf("webhooks: %+v", hooks)
	}
	if n := len(effectsOf(t, e, "notification")); n != 0 {
		t.Fatalf("the rule after the webhook ran before its answer: %d notifications", n)
	}
	if _, err := e.Apply(engine.Input{Time: now + 5, Kind: "answer", Item: id, Key: "nope"}); err == nil {
		t.Fatal("an answer to no call was taken")
	}
	if _, err := e.Apply(engine.Input{Time: now + 5, Kind: "answer", Item: id, Key: hooks[0].Key, Fields: map[string]value.Value{
		"status": value.NumberOf(200), "body": value.TextOf("jutro 10-12")}}); err != nil {
		t.Fatal(err)
	}
	notes := effectsOf(t, e, "notification")
	if len(notes) != 1 || notes[0].Fields["text"] != "Termin dostawy: jutro 10-12" || notes[0].To != "anna" {
		t.Fatalf("notifications after the answer: %+v", notes)
	}
}

// TestClickTracking: with track_clicks, an e-mail's links point at the
// tracker, and the originals are kept for resolving a click (R-EMAIL).
func TestClickTracking(t *testing.T) {
	src := []byte(`
pipeline deal P {
    stage A
}
mailbox shop "shop@example.com"
employee anna "Anna"
on stage A: send email to client.email[auto] from shop subject "Oferta"
    body "Zobacz https://meble.example/oferta i https://meble.example/cennik."
    track_clicks true
`)
	e := engineOf(t, src)
	c, err := e.Apply(engine.Input{Time: 1, Kind: "create", Entity: "contact", Fields: map[string]value.Value{
		"email": value.ListOf(value.TypedText("work", "jan@example.com"))}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(engine.Input{Time: 2, Kind: "create", Entity: "deal", Fields: map[string]value.Value{
		"contact": value.RefOf("contact", c.Created[0]), "responsible": value.RefOf("user", "anna")}}); err != nil {
		t.Fatal(err)
	}
	mails := effectsOf(t, e, "email")
	if len(mails) != 1 {
		t.Fatalf("e-mails: %+v", mails)
	}
	m := mails[0]
	want := "Zobacz " + stdlib.TrackURL + m.Key + "/1 i " + stdlib.TrackURL + m.Key + "/2."
	if m.Fields["body"] != want || m.Fields["links"] != "https://meble.example/oferta\nhttps://meble.example/cennik" {
		t.Fatalf("body %q, links %q", m.Fields["body"], m.Fields["links"])
	}
}

// TestDeployedVersions: an engine stores the program it runs as a new
// version, unless it is the last one stored.
func TestDeployedVersions(t *testing.T) {
	st := openMem(t)
	p1, p2 := examplesProgram(t), benchProgram(t)
	for i, c := range []struct {
		p    *ir.Program
		want int64
	}{{p1, 1}, {p1, 1}, {p2, 2}, {p1, 3}} {
		e, err := engine.New(st, c.p, stdlib.Runtime())
		if err != nil {
			t.Fatal(err)
		}
		if e.Version() != c.want {
			t.Errorf("open %d: version %d, want %d", i, e.Version(), c.want)
		}
	}
	e, _ := engine.New(st, p1, stdlib.Runtime())
	progs, err := e.Programs()
	if err != nil || len(progs) != 3 || len(progs[1].Rules) != len(p2.Rules) {
		t.Fatalf("programs: %d, %v", len(progs), err)
	}
}

// TestConcurrentReplay: inputs from many goroutines at once are applied in
// sequence order; replaying the log gives the same store byte for byte.
func TestConcurrentReplay(t *testing.T) {
	p := examplesProgram(t)
	st := openMem(t)
	e, err := engine.New(st, p, stdlib.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	stages := []string{"Kontakt", "Oferta", "Dostawa", "Zapłacone", "Zamknięty wygrany"}
	var wg sync.WaitGroup
	var clock atomic.Int64
	clock.Store(1767603600)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Clients race for the clock: an input timed before a tick
			// that won the race is refused, and the client goes on.
			apply := func(in engine.Input) *engine.Result {
				res, err := e.Apply(in)
				if err != nil && !strings.Contains(err.Error(), "before the last tick") {
					t.Error(err)
				}
				return res
			}
			var res *engine.Result
			for res == nil {
				res = apply(engine.Input{Time: clock.Add(60), Kind: "create", Entity: "deal", Fields: map[string]value.Value{
					"title": value.TextOf(fmt.Sprintf("Deal %d", g)), "responsible": value.RefOf("user", "anna"), "amount": value.MoneyOf(20000)}})
			}
			for i := 0; i < 20; i++ {
				in := engine.Input{Time: clock.Add(3600), Kind: "move", Item: res.Created[0], Stage: stages[(g+i)%len(stages)]}
				if i%7 == 6 {
					in = engine.Input{Time: in.Time, Kind: "tick"}
				}
				apply(in)
			}
		}()
	}
	wg.Wait()
	log, err := e.Log()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := replay(t, p, log), dump(t, st); got != want {
		t.Error("the replay of a concurrent run differs from it")
	}
}

// TestInputLimits: one input runs at most MaxActions rules and makes at
// most MaxMoves stage changes; past either, the timeline says so.
func TestInputLimits(t *testing.T) {
	apply := func(src string) *engine.Result {
		t.Helper()
		p, err := compile.Program([]compile.Source{{Name: "limits.rules", Src: []byte(src)}})
		if err != nil {
			t.Fatal(err)
		}
		e, err := engine.New(openMem(t), p, stdlib.Runtime())
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.Apply(engine.Input{Time: 1, Kind: "create", Entity: "deal", Fields: map[string]value.Value{"responsible": value.RefOf("user", "anna")}})
		if err != nil {
			t.Fatal(err)
		}
		fields, _, _ := e.Item(res.Created[0])
		res.Timeline = append(res.Timeline, engine.Entry{Text: "stage " + fields["stage"].S})
		return res
	}
	said := func(res *engine.Result, text string) bool {
		for _, en := range res.Timeline {
			if strings.Contains(en.Text, text) {
				return true
			}
		}
		return false
	}

	// A chain of stages: each entry sets n, whose change moves the deal on.
	var ws strings.Builder
	ws.WriteString("pipeline deal P {\n")
	for i := 0; i <= engine.MaxMoves+2; i++ {
		fmt.Fprintf(&ws, "    stage S%d\n", i)
	}
	ws.WriteString("}\nfield deal.n: number \"N\"\nemployee anna \"Anna\"\n")
	for i := 0; i <= engine.MaxMoves+1; i++ {
		fmt.Fprintf(&ws, "on stage S%d: update deal.n = %d\n", i, i)
		fmt.Fprintf(&ws, "move to stage S%d when field changed field deal.n value %d\n", i+1, i)
	}
	// Entering S0 on creation is the first move; the last allowed enters S(MaxMoves-1).
	res := apply(ws.String())
	if want := fmt.Sprintf("stage S%d", engine.MaxMoves-1); !said(res, fmt.Sprintf("limit %d moves", engine.MaxMoves)) || !said(res, want) {
		t.Errorf("moves not stopped at %d, want %s: %v", engine.MaxMoves, want, res.Timeline)
	}

	// Many rules on one stage: past MaxActions, the chain stops.
	ws.Reset()
	ws.WriteString("pipeline deal P {\n    stage S0\n}\nemployee anna \"Anna\"\n")
	for i := 0; i <= engine.MaxActions; i++ {
		fmt.Fprintf(&ws, "on stage S0: update deal.source = \"r%d\"\n", i)
	}
	if res := apply(ws.String()); !said(res, fmt.Sprintf("this chain already ran %d rules", engine.MaxActions)) {
		t.Error("more than MaxActions rules ran in one input")
	}
}

// TestPanicReleasesTheEngine: an input whose action panics is refused with
// an error, commits nothing, and the engine goes on with the next input.
func TestPanicReleasesTheEngine(t *testing.T) {
	lib := stdlib.Runtime()
	actions := map[string]action.Func{}
	for k, v := range lib.Actions {
		actions[k] = v
	}
	actions["send sms"] = func(action.Call) { panic("boom") }
	lib.Actions = actions
	p := program(t, sms("nudge", "B", "0d", "hi"))
	st := openMem(t)
	e, err := engine.New(st, p, lib)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "deal", Fields: map[string]value.Value{"responsible": value.RefOf("user", "anna")}})
	if err != nil {
		t.Fatal(err)
	}
	before := dump(t, st)
	if _, err := e.Apply(engine.Input{Time: t0, Kind: "move", Item: d.Created[0], Stage: "B"}); err == nil || !strings.Contains(err.Error(), "internal error: boom") {
		t.Fatalf("the panicking input: %v", err)
	}
	if dump(t, st) != before {
		t.Error("the panicking input committed something")
	}
	if _, err := e.Apply(engine.Input{Time: t0, Kind: "update", Item: d.Created[0], Fields: map[string]value.Value{"title": value.TextOf("x")}}); err != nil {
		t.Fatalf("the next input: %v", err)
	}
}

// bigFields is n fields of size bytes each.
func bigFields(n, size int) map[string]value.Value {
	out := map[string]value.Value{}
	for i := 0; i < n; i++ {
		out[fmt.Sprintf("f%d", i)] = value.TextOf(strings.Repeat("x", size))
	}
	return out
}

// TestUndelivered: the final failure of a delivery is written on the item's
// timeline, naming the message; a message the item did not send is refused.
func TestUndelivered(t *testing.T) {
	e, contact := newDeployEngine(t, program(t, sms("hello", "A", "0d", "Dzień dobry")), engine.Options{})
	deal := dealIn(t, e, contact, t0)
	msgs := effectsOf(t, e, "sms")
	if len(msgs) != 1 {
		t.Fatalf("%d SMS", len(msgs))
	}
	if _, err := e.Apply(engine.Input{Time: t0, Kind: "undelivered", Item: deal, Key: msgs[0].Key,
		Fields: map[string]value.Value{"error": value.TextOf("21211: invalid 'To' number")}}); err != nil {
		t.Fatal(err)
	}
	if tl := timelineText(t, e, deal); !strings.Contains(tl, "sms "+msgs[0].Key+" to +48 600 100 200 not delivered: 21211: invalid 'To' number") {
		t.Errorf("timeline:\n%s", tl)
	}
	if _, err := e.Apply(engine.Input{Time: t0, Kind: "undelivered", Item: contact, Key: msgs[0].Key}); err == nil || !strings.Contains(err.Error(), "sent no message") {
		t.Errorf("another item's message: %v", err)
	}
}

// EventName: a trigger's catalogue ID, in any case, names its event; an
// event's own name, and anything else, is left as it is.
func TestEventName(t *testing.T) {
	e, err := engine.Open(openMem(t), stdlib.Runtime(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"T-INVOICE-PAID": "invoice paid",
		"t-email-opened": "email opened",
		"T-Link-Clicked": "link clicked",
		"invoice paid":   "invoice paid",
		"T-NO-SUCH":      "T-NO-SUCH",
		"T-":             "T-",
		"t":              "t",
		"":               "",
	} {
		if got := e.EventName(in); got != want {
			t.Errorf("EventName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWaitText: a wait's line on the timeline gives its due time to the
// minute, and its seconds when it has some, so that waits a few seconds
// apart read apart.
func TestWaitText(t *testing.T) {
	src := []byte(`
pipeline deal P {
    stage A
}
on stage A after 20s: update deal.title = "20s"
on stage A after 1h: update deal.title = "1h"
`)
	e := engineOf(t, src)
	at := time.Date(2026, 12, 6, 16, 21, 0, 0, time.UTC).Unix()
	res, err := e.Apply(engine.Input{Time: at, Kind: "create", Entity: "deal"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range res.Timeline {
		if strings.Contains(en.Text, "waits until") {
			got = append(got, en.Text)
		}
	}
	want := []string{"update waits until 2026-12-06T16:21:20", "update waits until 2026-12-06T17:21"}
	if !slices.Equal(got, want) {
		t.Errorf("waits: %q, want %q", got, want)
	}
}

// engineOf is an engine over an empty store in memory, running the rules
// of src.
func engineOf(t *testing.T, src []byte) *engine.Engine {
	t.Helper()
	p, err := compile.Program([]compile.Source{{Name: "t.rules", Src: src}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(openMem(t), p, stdlib.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	return e
}
