package engine_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/stdlib"
)

// TestLostTailRefused: acknowledged inputs lost from the end of the
// write-ahead log (which Pebble takes for a torn end, silently) make the
// engine refuse to start, instead of issuing their sequence numbers, IDs
// and message keys again; an intact store reopens.
func TestLostTailRefused(t *testing.T) {
	dir := t.TempDir()
	p := examplesProgram(t)
	st, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(st, p, stdlib.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		if _, err := e.Apply(engine.Input{Time: t0, Kind: "create", Entity: "contact", Fields: map[string]value.Value{"name": value.TextOf("Jan")}}); err != nil {
			t.Fatal(err)
		}
	}
	acked := e.Seq()
	// The files as a crash leaves them: copied while the store is open (a
	// clean close would flush the log's contents into tables).
	intact, damaged := t.TempDir(), t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.IsDir() || en.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{intact, damaged} {
			if err := os.WriteFile(filepath.Join(to, en.Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	reopen := func(dir string) error {
		st, err := store.Open(dir, nil)
		if err != nil {
			return err
		}
		defer st.Close()
		_, err = engine.Open(st, stdlib.Runtime(), engine.Options{})
		return err
	}
	if err := reopen(intact); err != nil {
		t.Fatalf("an intact store: %v", err)
	}
	logs, _ := filepath.Glob(filepath.Join(damaged, "*.log"))
	sort.Strings(logs)
	var wal string
	var size int64
	for _, l := range logs { // the largest: the one the inputs went to
		if fi, err := os.Stat(l); err == nil && fi.Size() > size {
			wal, size = l, fi.Size()
		}
	}
	if wal == "" {
		t.Skip("no write-ahead log holds the inputs (flushed at close)")
	}
	t.Logf("%s: %d bytes", filepath.Base(wal), size)
	if err := os.Truncate(wal, size*9/10); err != nil { // the last records, torn
		t.Fatal(err)
	}
	err = reopen(damaged)
	if err == nil || !strings.Contains(err.Error(), "lost acknowledged inputs") {
		t.Fatalf("a store missing the end of its log (acknowledged up to %d) opened: %v", acked, err)
	}
}
