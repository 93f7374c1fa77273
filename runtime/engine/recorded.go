package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Recorded outcomes of custom actions (R-WASM). A custom action's call is
// a function of the module's bytes (pinned by hash) and its inputs, so a
// replay calls it again and gets the same result, with one exception: an
// outcome decided by the machine that made the call, not by the module (a
// wall-clock time limit hit, a module file missing or changed on this
// disk, an engine without a WebAssembly host). Such an outcome is recorded
// with the input that made it, in its log record (Input.Outcomes), the way
// workflow engines record side effects; a replay of that input writes the
// recorded outcome and does not call the module. The other calls of a
// replay are made again, without the call's time limit (they finished in
// the original run), and one that now ends machine-dependently fails the
// replayed input: the replay cannot reproduce it (spec/semantics.md,
// "Custom actions").

// Outcome is the recorded outcome of one custom action's call.
type Outcome struct {
	Call   int    `json:"call"`   // the call's position among the input's custom action calls, from 0
	Action string `json:"action"` // the action called, checked by a replay
	// Error is why the call failed ("run NAME failed: Error" on the
	// timeline), or, with NotRun, why it was not made.
	Error  string `json:"error"`
	NotRun bool   `json:"not_run,omitempty"`
	// Log is the log line's quoted text, as the timeline shows it; "" when
	// the call wrote none.
	Log string `json:"log,omitempty"`
}

// MaxOutcomes bounds the outcomes one input records (each at most three
// texts of maxOutcomeText), so that its log record stays bounded: a custom
// action the input would call past it is not run, and the timeline says
// so. The count is a function of the outcomes recorded before, so a
// replay stops at the same call.
const MaxOutcomes = 64

// maxOutcomeText bounds a recorded text that a replayed input brings: the
// engine records an error message and a quoted log line, both short.
const maxOutcomeText = 4 << 10

// replaying is what a replayed input brought about its custom action
// calls: how many its original run made, and their recorded outcomes.
type replaying struct {
	on       bool
	calls    int
	outcomes []Outcome
	next     int // outcomes[next] is the first not yet used
}

// beginCustom takes the calls and outcomes a replayed input carries out
// of it (the run counts and records them again, so that the log record
// comes out the same) and checks them. A replayed input is one that
// carries the program version it ran under, which the engine sets and a
// new input never has: so a replay whose original run made no call, and
// which now makes one, is caught too (endCustom).
func (t *tx) beginCustom() error {
	in := &t.in
	r := replaying{on: in.Version != 0, calls: in.Calls, outcomes: in.Outcomes}
	in.Calls, in.Outcomes = 0, nil
	if r.calls < 0 || (!r.on && (r.calls > 0 || len(r.outcomes) > 0)) {
		return fmt.Errorf("the input carries %d custom action calls and %d recorded outcomes: the engine sets both, for a replay", r.calls, len(r.outcomes))
	}
	if len(r.outcomes) > MaxOutcomes {
		return fmt.Errorf("the input carries %d recorded outcomes; an input records at most %d", len(r.outcomes), MaxOutcomes)
	}
	for i, o := range r.outcomes {
		switch {
		case o.Call < 0 || o.Call >= r.calls || (i > 0 && o.Call <= r.outcomes[i-1].Call):
			return fmt.Errorf("recorded outcome %d is of call %d: want calls in order, below the input's %d", i, o.Call, r.calls)
		case o.Action == "" || o.Error == "":
			return fmt.Errorf("recorded outcome %d (call %d) names no action or no error", i, o.Call)
		}
		for _, s := range []string{o.Action, o.Error, o.Log} {
			if !utf8.ValidString(s) || len(s) > maxOutcomeText {
				return fmt.Errorf("recorded outcome %d (call %d): a text that is not UTF-8 or longer than %d bytes", i, o.Call, maxOutcomeText)
			}
		}
	}
	t.replay = r
	return nil
}

// recorded is the recorded outcome of the input's call n to action, if
// the replayed input has one.
func (t *tx) recorded(n int, action string) (*Outcome, error) {
	r := &t.replay
	if r.next >= len(r.outcomes) || r.outcomes[r.next].Call != n {
		return nil, nil
	}
	o := &r.outcomes[r.next]
	r.next++
	if o.Action != action {
		return nil, fmt.Errorf("input %d does not replay: its log records call %d as one of %s, but the rules call %s", t.in.Seq, n, o.Action, action)
	}
	return o, nil
}

// endCustom checks that a replayed input made the calls its original run
// made, and writes the input's log record, with the calls it made and
// their machine-dependent outcomes.
func (t *tx) endCustom() error {
	if t.replay.on && t.in.Calls != t.replay.calls {
		return fmt.Errorf("input %d does not replay: its original run made %d custom action calls, this one %d", t.in.Seq, t.replay.calls, t.in.Calls)
	}
	body := t.logged
	if t.in.Calls > 0 {
		var err error
		if body, err = json.Marshal(t.in); err != nil {
			return fmt.Errorf("input %d cannot be logged: %v", t.in.Seq, err)
		}
	}
	if body != nil {
		t.b.Set(keyLog(t.in.Seq), body)
	}
	return nil
}

// outcome writes a recorded outcome on the timeline, and records it.
func (c *Call) outcome(name string, o Outcome) {
	if o.Log != "" {
		c.Note(name + " log: " + o.Log)
	}
	if o.NotRun {
		c.Note(name + " not run: " + o.Error)
	} else {
		c.Note(name + " failed: " + o.Error)
	}
	c.t.in.Outcomes = append(c.t.in.Outcomes, o)
}

// recordText is a text as it is recorded, and written on the timeline by
// the original run and its replays alike: UTF-8 (the log's JSON would turn
// other bytes into U+FFFD, and the replay's line would differ), and within
// what a replay takes.
func recordText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxOutcomeText {
		return s
	}
	cut := maxOutcomeText - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
