package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm"
	"github.com/stagecraft/stagecraft/stdlib"
)

// Replays of custom action calls whose outcome the wall clock decided
// (recorded.go): the original run records it with the input, and a replay
// on a host with other time limits gives the same bytes.

// counting is a Custom that counts the calls that reach it.
type counting struct {
	action.Custom
	calls atomic.Int64
}

func (c *counting) RunCustom(ctx context.Context, mod *ir.Module, call *ir.CustomCall, in map[string]value.Value) (action.CustomResult, error) {
	c.calls.Add(1)
	return c.Custom.RunCustom(ctx, mod, call, in)
}

// slowProgram compiles rules running the slow module's action into a
// workspace of dir.
func slowProgram(t *testing.T, actionName string) *ir.Program {
	t.Helper()
	dir := t.TempDir()
	hostile(t, dir, "slow")
	src := customWorkspace + `action ` + actionName + ` "slow.wasm"
on stage Oferta: run ` + actionName + ` as r
on stage Oferta then: update deal.title = "after {r.n}"
`
	ws := filepath.Join(dir, "ws.rules")
	if err := os.WriteFile(ws, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := compile.ProgramWith([]compile.Source{{Name: filepath.ToSlash(ws), Src: []byte(src)}}, check.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// slowLib is the standard library with a host of these options, its
// calls counted.
func slowLib(t *testing.T, opts wasm.Options) (action.Library, *counting) {
	t.Helper()
	host, err := wasm.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close(context.Background()) })
	c := &counting{Custom: wasm.NewRunner(host, nil)}
	lib := stdlib.Runtime()
	lib.Custom = c
	return lib, c
}

// runOriginal deploys p on lib, moves a deal to Oferta, and returns the
// store's dump, the log and the move's timeline.
func runOriginal(t *testing.T, p *ir.Program, lib action.Library) (string, []engine.Input, []engine.Entry) {
	t.Helper()
	st := openMem(t)
	e, err := engine.New(st, p, lib)
	if err != nil {
		t.Fatal(err)
	}
	res := toOferta(t, e, 1e9, map[string]value.Value{"title": value.TextOf("Sofa")})
	log, err := e.Log()
	if err != nil {
		t.Fatal(err)
	}
	return dump(t, st), log, res.Timeline
}

// replayOn applies a log to a fresh store on lib: its dump, or the first
// input's error.
func replayOn(t *testing.T, lib action.Library, log []engine.Input) (string, error) {
	t.Helper()
	st := openMem(t)
	e, err := engine.Open(st, lib, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range log {
		if _, err := e.Apply(in); err != nil {
			return "", err
		}
	}
	return dump(t, st), nil
}

// TestReplayTimedOut: a call that hit its time limit in the original run
// is recorded with the input; a replay on a host whose limit is an hour
// writes the same bytes without calling the module (which would never
// return), and so does an engine with no host at all.
func TestReplayTimedOut(t *testing.T) {
	p := slowProgram(t, "stuck")
	lib, _ := slowLib(t, wasm.Options{CallTimeout: 50 * time.Millisecond})
	want, log, tl := runOriginal(t, p, lib)
	if !timelineHas(tl, "run stuck failed: action stuck: time limit exceeded (50 ms)") || !timelineHas(tl, `run stuck log: started`) {
		t.Fatalf("the original run: %v", tl)
	}
	move := log[len(log)-1]
	if move.Calls != 1 || len(move.Outcomes) != 1 || move.Outcomes[0].Call != 0 || move.Outcomes[0].Action != "stuck" {
		t.Fatalf("the move's log record: calls %d, outcomes %+v", move.Calls, move.Outcomes)
	}

	slow, calls := slowLib(t, wasm.Options{CallTimeout: time.Hour, ReplayTimeout: time.Hour})
	got, err := replayOn(t, slow, log)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("the replay differs from the original run:\n%s\nwant\n%s", got, want)
	}
	if n := calls.calls.Load(); n != 0 {
		t.Errorf("the replay called the module %d times; the recorded outcome should have been used", n)
	}
	if got, err := replayOn(t, stdlib.Runtime(), log); err != nil || got != want {
		t.Errorf("a replay without a host: %v, same bytes %v", err, got == want)
	}
}

// TestReplayFinished is the reverse: a call that finished in the original
// run under a generous limit, replayed on a host whose call limit it
// exceeds, is made again under the host's replay limit and gives the same
// bytes; replayed with no host, the replay says it cannot reproduce it.
func TestReplayFinished(t *testing.T) {
	p := slowProgram(t, "slow")
	lib, _ := slowLib(t, wasm.Options{CallTimeout: time.Minute})
	want, log, tl := runOriginal(t, p, lib)
	if !timelineHas(tl, "run slow: n 1") {
		t.Fatalf("the original run: %v", tl)
	}
	if move := log[len(log)-1]; move.Calls != 1 || len(move.Outcomes) != 0 {
		t.Fatalf("the move's log record: calls %d, outcomes %+v", move.Calls, move.Outcomes)
	}

	opts := wasm.Options{CallTimeout: time.Millisecond, ReplayTimeout: time.Minute}
	fast, calls := slowLib(t, opts)
	got, err := replayOn(t, fast, log)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("the replay differs from the original run:\n%s\nwant\n%s", got, want)
	}
	if n := calls.calls.Load(); n != 1 {
		t.Errorf("the replay called the module %d times, want 1", n)
	}
	// Outside a replay the same host stops the call: the replay's limit
	// is what made it finish.
	_, direct, _ := runOriginal(t, p, fast)
	if move := direct[len(direct)-1]; len(move.Outcomes) != 1 || !strings.Contains(move.Outcomes[0].Error, "time limit exceeded (1 ms)") {
		t.Errorf("outside a replay, a 1 ms limit: %+v", move.Outcomes)
	}

	if _, err := replayOn(t, stdlib.Runtime(), log); err == nil || !strings.Contains(err.Error(), "does not replay") {
		t.Errorf("a replay without a host: %v", err)
	}
}

// TestReplayForgedOutcomes: recorded outcomes are the engine's; an input
// that brings them without calls, out of order, naming another action
// than the rules call, or without being a replay is refused whole; so is
// a replay whose original run made no call where this one makes one.
func TestReplayForgedOutcomes(t *testing.T) {
	p := slowProgram(t, "stuck")
	lib, _ := slowLib(t, wasm.Options{CallTimeout: 20 * time.Millisecond})
	_, log, _ := runOriginal(t, p, lib)
	for _, c := range []struct {
		name   string
		change func(*engine.Input)
		want   string
	}{
		{"without calls", func(in *engine.Input) { in.Calls = 0 }, "want calls in order"},
		{"not a replay", func(in *engine.Input) { in.Version = 0 }, "the engine sets both"},
		{"none made then", func(in *engine.Input) { in.Calls, in.Outcomes = 0, nil }, "does not replay"},
		{"beyond the calls", func(in *engine.Input) { in.Outcomes[0].Call = 1 }, "want calls in order"},
		{"another action", func(in *engine.Input) { in.Outcomes[0].Action = "slow" }, "does not replay"},
		{"more calls", func(in *engine.Input) { in.Calls = 2 }, "made 2 custom action calls, this one 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			forged := append([]engine.Input(nil), log...)
			move := forged[len(forged)-1]
			move.Outcomes = append([]engine.Outcome(nil), move.Outcomes...)
			c.change(&move)
			forged[len(forged)-1] = move
			slow, _ := slowLib(t, wasm.Options{CallTimeout: 20 * time.Millisecond})
			_, err := replayOn(t, slow, forged)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
	if !wasm.MachineDependent(&wasm.LimitError{Limit: wasm.LimitTime}) || wasm.MachineDependent(&wasm.LimitError{Limit: wasm.LimitMemory}) ||
		!wasm.MachineDependent(&wasm.ChangedError{}) || wasm.MachineDependent(&wasm.TrapError{}) {
		t.Error("MachineDependent classifies errors otherwise than spec/semantics.md says")
	}
}

// TestOutcomesBounded: an input records at most MaxOutcomes outcomes the
// machine decided; the calls past it are not run and the timeline says
// so, and a replay stops at the same call, to the same bytes.
func TestOutcomesBounded(t *testing.T) {
	dir := t.TempDir()
	hostile(t, dir, "slow")
	var src strings.Builder
	src.WriteString(customWorkspace + "action stuck \"slow.wasm\"\n")
	for i := range engine.MaxOutcomes + 2 {
		fmt.Fprintf(&src, "on stage Oferta: run stuck as r%d\n", i) // each its own rule
	}
	ws := filepath.Join(dir, "ws.rules")
	if err := os.WriteFile(ws, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := compile.ProgramWith([]compile.Source{{Name: filepath.ToSlash(ws), Src: []byte(src.String())}}, check.Config{})
	if err != nil {
		t.Fatal(err)
	}
	lib, _ := slowLib(t, wasm.Options{CallTimeout: time.Millisecond})
	want, log, tl := runOriginal(t, p, lib)
	move := log[len(log)-1]
	if len(move.Outcomes) != engine.MaxOutcomes || move.Calls != engine.MaxOutcomes {
		t.Fatalf("the move recorded %d outcomes of %d calls, want %d", len(move.Outcomes), move.Calls, engine.MaxOutcomes)
	}
	skipped := 0
	for _, e := range tl {
		if strings.Contains(e.Text, "not run: this input already recorded") {
			skipped++
		}
	}
	if skipped != 2 {
		t.Errorf("%d calls said they were not run, want 2", skipped)
	}
	slow, _ := slowLib(t, wasm.Options{CallTimeout: time.Millisecond})
	if got, err := replayOn(t, slow, log); err != nil || got != want {
		t.Fatalf("the replay: %v (same bytes: %v)", err, got == want)
	}
}
