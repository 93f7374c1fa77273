package wasm

import (
	"context"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/value"
)

// TestStdioImportsGranted: the WASI calls wasi-libc's stdio links into a
// C module that formats text (snprintf: fd_seek, fd_close, fd_write;
// printf: fd_fdstat_get) are granted, and answer as spec/wasm.md says
// (testdata/stdio.wat traps on any other answer). Before, fd_seek was not
// granted and every such module was refused at load.
func TestStdioImportsGranted(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, wat(t, "stdio"))
	for i := range 2 { // a new instance, then a reset one
		r, err := m.Invoke(context.Background(), "run", nil)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if r.Log != "hi\n" {
			t.Errorf("call %d: log %q, want stdout's %q", i, r.Log, "hi\n")
		}
	}
}

// TestCFormatsText: a C module built with wasi-libc as spec/wasm.md's C
// section says, that formats with snprintf and printf, loads and runs;
// what it writes to stdout (line-buffered: wazero says it is a character device) and stderr is the call's log.
func TestCFormatsText(t *testing.T) {
	h := newHost(t, Options{})
	m := load(t, h, cc(t, "cformat"))
	r, err := m.Invoke(context.Background(), "fmt", map[string]value.Value{"d": value.NumberOf(12.5)})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Outputs["s"].String(); got != "12.50" {
		t.Errorf("s = %s, want 12.50", got)
	}
	if r.Log != "formatting 12.5\nto stderr\n" {
		t.Errorf("log %q", r.Log)
	}
}
