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

// BenchmarkEdit measures what an editor waits for after a keystroke in a
// 5,000-rule workspace (10 files of 500 rules): didChange of one file,
// through parsing it, checking the workspace and publishing diagnostics.
// It reports p50 and p99 besides the mean:
//
//	go test -run '^$' -bench Edit -benchtime 200x ./lsp/
func BenchmarkEdit(b *testing.B) {
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
	published := 0
	s.OnNotify(func(string, any) error { published++; return nil })
	ctx := context.Background()
	call := func(method string, params any) {
		raw, err := json.Marshal(params)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Handle(ctx, method, raw); err != nil {
			b.Fatal(err)
		}
	}
	call("initialize", map[string]any{})
	doc := uriOf(filepath.Join(dir, "r00.rules"))
	texts := [2]string{rules(0, "!"), rules(0, "?")}
	call("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: doc, Version: 1, Text: texts[1]}})
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		call("textDocument/didChange", protocol.DidChangeTextDocumentParams{
			TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: doc}, Version: int32(i + 2)},
			ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: texts[i%2]}}})
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
	if w := s.workspaceOf(filepath.Join(dir, "r00.rules")); len(w.info.Rules) != files*perFile {
		b.Fatalf("checked %d rules, want %d", len(w.info.Rules), files*perFile)
	}
}

func write(tb testing.TB, path, text string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
}
