package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// BenchmarkEdit measures what an editor waits for after an edit in a
// 5,000-rule workspace (10 files of 500 rules): didChange of one file,
// through parsing it, checking the workspace and publishing diagnostics.
// The file's text alternates between two in which every rule differs (a
// search and replace, say), so no rule's parse is kept: the worst case of
// an edit of one file; BenchmarkKeystroke is the usual one. It reports p50
// and p99 besides the mean:
//
//	go test -run '^$' -bench 'BenchmarkEdit$' -benchtime 200x ./lsp/
func BenchmarkEdit(b *testing.B) {
	s, change, _, check := benchWorkspace(b)
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		change(i)
		times = append(times, time.Since(start))
	}
	// The process's CPU time per edit (GC included) says what an edit
	// costs when other processes share the cores and make the wall-clock
	// times noisy.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.StopTimer()
	reportPercentiles(b, times)
	check(s)
}

// BenchmarkKeystroke measures what an editor waits for after typing one
// character in the same workspace: each edit adds a letter to the message
// of one rule (another rule every 8 letters), so that the text differs
// from the one before in one declaration, as typing makes it. The whole
// text is sent, as the server asks (TextDocumentSyncKindFull).
//
//	go test -run '^$' -bench Keystroke -benchtime 400x ./lsp/
func BenchmarkKeystroke(b *testing.B) {
	s, _, _, check := benchWorkspace(b)
	var open *document
	for _, d := range s.docs {
		open = d
	}
	lines := strings.SplitAfter(string(open.text), "\n")
	texts := make([]string, b.N)
	for i := range texts {
		k := (i / 8 * 37) % (len(lines) - 1)
		l := lines[k]
		q := strings.LastIndexByte(l, '"')
		lines[k] = l[:q] + string(rune('a'+i%26)) + l[q:]
		texts[i] = strings.Join(lines, "")
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		changeText(b, s, open.path, i+2, texts[i])
		times = append(times, time.Since(start))
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.StopTimer()
	reportPercentiles(b, times)
	check(s)
}

// BenchmarkHoverAfterEdit measures the first hover after a keystroke in
// the same workspace: it finds the name under the cursor in what the
// checker resolved after the edit.
//
//	go test -run '^$' -bench HoverAfterEdit -benchtime 200x ./lsp/
func BenchmarkHoverAfterEdit(b *testing.B) {
	s, change, hover, check := benchWorkspace(b)
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		change(i)
		b.StartTimer()
		start := time.Now()
		hover()
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, times)
	check(s)
}

func reportPercentiles(b *testing.B, times []time.Duration) {
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
}

// benchWorkspace writes 10 files of 500 rules and opens one: change(i)
// replaces its text (alternating between two), hover asks about a stage
// name in it, check verifies that every rule was checked.
func benchWorkspace(b *testing.B) (s *Server, change func(int), hover func(), check func(*Server)) {
	const files, perFile = 10, 500
	dir := b.TempDir()
	var ws strings.Builder
	ws.WriteString("pipeline deal Sales {\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&ws, "    stage S%d\n", i)
	}
	ws.WriteString("}\n\nfield deal.net: money \"Net\"\nemployee anna \"Anna\" { email \"anna@example.com\" }\nprovider smsapi \"SMSAPI\"\n")
	write(b, filepath.Join(dir, "workspace.rules"), ws.String())
	rules := func(f int, edit string) string {
		var s strings.Builder
		for i := 0; i < perFile; i++ {
			fmt.Fprintf(&s, "r%d_%d: on stage S%d after %dd if deal.net > %d: send sms text \"Hello {contact.name}%s\"\n", f, i, i%20, i%30+1, i, edit)
		}
		return s.String()
	}
	for f := 0; f < files; f++ {
		write(b, filepath.Join(dir, fmt.Sprintf("r%02d.rules", f)), rules(f, ""))
	}
	s, err := NewServer(Options{StdlibDir: filepath.Join(dir, "stdlib")})
	if err != nil {
		b.Fatal(err)
	}
	s.OnNotify(func(string, any) error { return nil })
	ctx := context.Background()
	call := func(method string, params any) any {
		raw, err := json.Marshal(params)
		if err != nil {
			b.Fatal(err)
		}
		res, err := s.Handle(ctx, method, raw)
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	call("initialize", map[string]any{})
	path := filepath.Join(dir, "r00.rules")
	doc := uriOf(path)
	texts := [2]string{rules(0, "!"), rules(0, "?")}
	call("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: doc, Version: 1, Text: texts[1]}})
	change = func(i int) { changeText(b, s, path, i+2, texts[i%2]) }
	hover = func() {
		if h, ok := call("textDocument/hover", at(path, 250, 20)).(*protocol.Hover); !ok || h == nil {
			b.Fatal("no hover on a stage name")
		}
	}
	check = func(s *Server) {
		if w := s.workspaceOf(path); len(w.info.Rules) != files*perFile {
			b.Fatalf("checked %d rules, want %d", len(w.info.Rules), files*perFile)
		}
	}
	return s, change, hover, check
}

// changeText sends didChange of a whole text, as an editor does: no range.
func changeText(b *testing.B, s *Server, path string, version int, text string) {
	raw, err := json.Marshal(map[string]any{"textDocument": map[string]any{"uri": uriOf(path), "version": version},
		"contentChanges": []map[string]any{{"text": text}}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Handle(context.Background(), "textDocument/didChange", raw); err != nil {
		b.Fatal(err)
	}
}

func write(tb testing.TB, path, text string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
}
