package wasm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

const textManifest = `{"abi":1,"name":"t","version":"1","actions":[{"name":"act","inputs":[],"outputs":[{"name":"out","type":"text"}]}]}`

// replyModule is a module whose action logs log (when not "") and
// replies reply.
func replyModule(t *testing.T, log, reply string) []byte {
	t.Helper()
	return watText(t, textManifest, `(module
  (import "stagecraft" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "`+watBytes(reply)+`")
  (data (i32.const 2048) "`+watBytes(log)+`")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "action_act") (param i32 i32) (result i64)
    (call $log (i32.const 2048) (i32.const `+strconv.Itoa(len(log))+`))
    (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const `+strconv.Itoa(len(reply))+`))))`)
}

// watBytes writes s's bytes for a WAT string.
func watBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, `\%02x`, s[i])
	}
	return b.String()
}

// TestReplyNotUTF8: bytes that are not UTF-8 in an output's value or
// name are an OutputError naming the output (the reporter's: "bad reply:
// not valid UTF-8", no output named).
func TestReplyNotUTF8(t *testing.T) {
	h := newHost(t, Options{})
	for _, c := range []struct{ reply, output, reason string }{
		{"{\"outputs\":{\"out\":\"a\xff\xfe\xc0\xafb\"}}", "out", "not valid UTF-8"},
		{"{\"outputs\":{\"out\":\"a\\n\xff\"}}", "out", "not valid UTF-8"},
		{"{\"outputs\":{\"o\xffut\":\"a\"}}", "o\uFFFDut", "its name is not valid UTF-8"},
		{"{\"error\":\"a\xff\"}", "", "not valid UTF-8"},
	} {
		reply := c.reply
		m := load(t, h, replyModule(t, "", reply))
		_, err := m.Call(context.Background(), "act", nil)
		var oe *OutputError
		if !errors.As(err, &oe) || oe.Output != c.output || !strings.Contains(oe.Reason, c.reason) {
			t.Errorf("%q: %v; want an OutputError of output %q: %s", reply, err, c.output, c.reason)
		}
	}
}

// TestTextOutputControls: a text output may hold tab, newline and
// carriage return, and no other control character (a NUL, an escape
// starting a terminal's sequence, C1's CSI).
func TestTextOutputControls(t *testing.T) {
	h := newHost(t, Options{})
	for _, c := range []struct {
		reply string // the output's JSON string
		ok    bool
	}{
		{`"a\tb\nc\r\n"`, true},
		{`"a\u0009b"`, true},
		{`"a\u0000b"`, false},
		{`"\u001b[31mred"`, false},
		{`"a\u009bb"`, false},
		{"\"a\u009bb\"", false}, // C1's CSI as its UTF-8 bytes
		{`"a\u007fb"`, false},
	} {
		m := load(t, h, replyModule(t, "", `{"outputs":{"out":`+c.reply+`}}`))
		outs, err := m.Call(context.Background(), "act", nil)
		var oe *OutputError
		switch {
		case c.ok && err != nil:
			t.Errorf("%q: %v", c.reply, err)
		case !c.ok && (!errors.As(err, &oe) || oe.Output != "out" || !strings.Contains(oe.Reason, "a control character")):
			t.Errorf("%q: %v %v; want an OutputError of output out: a control character", c.reply, outs, err)
		}
	}
}

// TestLogCleaned: a log's bytes that are not UTF-8 come back as U+FFFD,
// its control characters but tab and newline as escapes; its newlines
// end lines (the reporter's module: an escape colouring the terminal, a
// newline forging a timeline line, which the engine now sees as a line
// of the log).
func TestLogCleaned(t *testing.T) {
	for in, want := range map[string]string{
		"plain\tline\n":                  "plain\tline\n",
		"bad \xff\xfe line\x1b[31mRED\n": "bad \uFFFD\uFFFD line\\x1b[31mRED\n",
		"cr\r\x00\x7f\u009b\u2028ok\n":   "cr\\r\\x00\\x7f\\u009b\u2028ok\n",
		"two\nlines\n":                   "two\nlines\n",
		"\xe2\x82":                       "\uFFFD\uFFFD",
	} {
		if got := cleanLog([]byte(in)); got != want {
			t.Errorf("cleanLog(%q) = %q, want %q", in, got, want)
		}
	}
	h := newHost(t, Options{})
	m := load(t, h, replyModule(t, "bad \xff\xfe line\x1b[31mRED\n2026-11-23 09:00  one  B  forged line", `{"outputs":{"out":"ok"}}`))
	res, err := m.Invoke(context.Background(), "act", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "bad \uFFFD\uFFFD line\\x1b[31mRED\n2026-11-23 09:00  one  B  forged line\n"; res.Log != want {
		t.Errorf("log %q, want %q", res.Log, want)
	}
}

// TestInitLogDiscarded: what a module logs while it is made ready is
// discarded, however much (the reporter's module logged 2.4 MB in
// _initialize and was refused for passing the log limit), and
// initialisation is still bounded by InitTimeout.
func TestInitLogDiscarded(t *testing.T) {
	mod := func(iterations string) []byte {
		return watText(t, textManifest, `(module
  (import "stagecraft" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "{\"outputs\":{\"out\":\"ok\"}}")
  (func (export "_initialize") (local $i i32)
    (loop $l
      (call $log (i32.const 1024) (i32.const 24))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const `+iterations+`)))))
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 4096))
  (func (export "action_act") (param i32 i32) (result i64)
    (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.const 24))))`)
	}
	h := newHost(t, Options{})
	m := load(t, h, mod("100000"))
	if err := m.CheckInit(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := m.Invoke(context.Background(), "act", nil)
	if err != nil || res.Log != "" {
		t.Fatalf("call: %v, log %q; want no error, and none of _initialize's log", err, res.Log)
	}
	// Logging for ever: refused for its time, not for its log.
	h = newHost(t, Options{InitTimeout: 200e6})
	m = load(t, h, mod("-1"))
	err = m.CheckInit(context.Background())
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitTime {
		t.Fatalf("CheckInit: %v; want the time limit", err)
	}
}

// TestImportedAndDefinedMemory: a module that imports a memory and
// defines one is refused for its import, as one that only imports it
// (wazero said "at most one table allowed in module").
func TestImportedAndDefinedMemory(t *testing.T) {
	for _, text := range []string{
		`(module (import "stagecraft" "memory" (memory 1)) (memory (export "memory") 2)
		  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 4096))
		  (func (export "action_act") (param i32 i32) (result i64) (i64.const 0)))`,
		`(module (import "stagecraft" "memory" (memory 1)) (export "memory" (memory 0))
		  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 4096))
		  (func (export "action_act") (param i32 i32) (result i64) (i64.const 0)))`,
	} {
		_, err := newHost(t, Options{}).Load(context.Background(), watText(t, textManifest, text))
		var ie *ImportError
		if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), `forbidden import memory "stagecraft"."memory"`) {
			t.Errorf("Load: %v; want forbidden import memory \"stagecraft\".\"memory\"", err)
		}
	}
}
