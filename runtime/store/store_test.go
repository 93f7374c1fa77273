package store

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBatchReadsItsWritesAndCommits(t *testing.T) {
	st, err := OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := st.NewBatch()
	b.Set([]byte("a/1"), []byte("x"))
	b.Set([]byte("a/2"), []byte("y"))
	b.Set([]byte("b/1"), []byte("z"))
	if v, ok, _ := b.Get([]byte("a/2")); !ok || string(v) != "y" {
		t.Fatal("a batch does not read its own write")
	}
	if _, ok, _ := st.Get([]byte("a/2")); ok {
		t.Fatal("an uncommitted write is visible")
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	st.Scan([]byte("a/"), func(k, _ []byte) bool { keys = append(keys, string(k)); return true })
	if len(keys) != 2 || keys[0] != "a/1" || keys[1] != "a/2" {
		t.Fatalf("scan a/: %v", keys)
	}
	var all bytes.Buffer
	st.Dump(&all)
	if all.String() != "\"a/1\"=\"x\"\n\"a/2\"=\"y\"\n\"b/1\"=\"z\"\n" {
		t.Fatalf("dump: %q", all.String())
	}
}

func TestPrefixEnd(t *testing.T) {
	for in, want := range map[string]string{"a/": "a0", "a\xff": "b", "\xff\xff": ""} {
		if got := string(prefixEnd([]byte(in))); got != want {
			t.Errorf("prefixEnd(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLast(t *testing.T) {
	st, err := OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, ok, err := st.Last([]byte("a/"), []byte("a0")); ok || err != nil {
		t.Fatalf("empty store: ok %v, err %v", ok, err)
	}
	b := st.NewBatch()
	for _, k := range []string{"a/1", "a/3", "a/2", "b/9"} {
		b.Set([]byte(k), []byte("v"+k))
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	b.Wait()
	if k, v, ok, _ := st.Last([]byte("a/"), []byte("a0")); !ok || string(k) != "a/3" || string(v) != "va/3" {
		t.Fatalf("last of a/: %q %q %v", k, v, ok)
	}
}

// TestFatal: Pebble's Fatalf fails the store instead of the process. Inside
// a store call it unwinds the call, which returns the error; from one of
// Pebble's own goroutines it stops that goroutine. Either way every later
// call returns the error, and Close does not panic.
func TestFatal(t *testing.T) {
	if callName == "" || !strings.HasSuffix(callName, "(*health).call") {
		t.Fatalf("health.call is known to the runtime as %q", callName)
	}
	st, err := OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	b := st.NewBatch()
	b.Set([]byte("a"), []byte("1"))
	l := logger{h: st.h}
	err = st.h.guard("test", func() error {
		l.Fatalf("pebble: broken %d", 7)
		t.Error("Fatalf returned inside a store call")
		return nil
	})
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "broken 7") {
		t.Fatalf("the call: %v", err)
	}
	stopped := make(chan bool)
	go func() {
		defer close(stopped)
		l.Fatalf("again") // a Pebble goroutine: never returns
		t.Error("Fatalf returned on a goroutine of Pebble's")
	}()
	select {
	case <-stopped:
		t.Fatal("the goroutine did not stop")
	case <-time.After(20 * time.Millisecond):
	}
	if _, _, err := st.Get([]byte("a")); !errors.Is(err, ErrFailed) {
		t.Errorf("Get: %v", err)
	}
	if err := st.Scan(nil, func(k, v []byte) bool { return true }); !errors.Is(err, ErrFailed) {
		t.Errorf("Scan: %v", err)
	}
	if err := b.Apply(); !errors.Is(err, ErrFailed) {
		t.Errorf("Apply: %v", err)
	}
	b.Discard()
	if err := st.NewBatch().Set([]byte("b"), nil); !errors.Is(err, ErrFailed) {
		t.Errorf("NewBatch: %v", err)
	}
	if err := st.Close(); !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "broken 7") {
		t.Errorf("Close: %v", err)
	}
}

// TestPanicsAreErrors: a panic inside Pebble fails the store; a panic of a
// scan's callback is the caller's and does not.
func TestPanicsAreErrors(t *testing.T) {
	st, err := OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := st.NewBatch()
	b.Set([]byte("a"), []byte("1"))
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	b.Wait()
	func() {
		defer func() {
			if r := recover(); r != "mine" {
				t.Errorf("the callback's panic: %v", r)
			}
		}()
		st.Scan(nil, func(k, v []byte) bool { panic("mine") })
	}()
	if st.Err() != nil {
		t.Fatalf("a callback's panic failed the store: %v", st.Err())
	}
	if err := st.h.guard("test", func() error { panic("pebble's") }); !errors.Is(err, ErrFailed) || st.Err() == nil {
		t.Errorf("Pebble's panic: %v; the store: %v", err, st.Err())
	}
}

// TestBatchStates: a batch's calls in the wrong order are errors, not
// Pebble's panics.
func TestBatchStates(t *testing.T) {
	st, err := OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	b := st.NewBatch()
	if err := b.Wait(); err == nil {
		t.Error("Wait before Apply")
	}
	if err := b.Set([]byte("a"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := b.Set([]byte("b"), nil); err == nil {
		t.Error("Set after Apply")
	}
	if err := b.Apply(); err == nil {
		t.Error("Apply twice")
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err == nil {
		t.Error("Wait twice")
	}
	if _, _, err := b.Get([]byte("a")); err == nil {
		t.Error("Get after Wait")
	}
	b.Discard()
	d := st.NewBatch()
	d.Set([]byte("c"), nil)
	d.Discard()
	d.Discard()
	if err := d.Apply(); err == nil {
		t.Error("Apply after Discard")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Get([]byte("a")); !errors.Is(err, ErrClosed) {
		t.Errorf("Get after Close: %v", err)
	}
	if err := st.NewBatch().Apply(); !errors.Is(err, ErrClosed) {
		t.Errorf("a batch after Close: %v", err)
	}
	if err := st.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("Close twice: %v", err)
	}
}

// TestBloomFilters: the tables a flush writes carry a bloom filter, which
// answers most reads of a key that is not there without a data block.
func TestBloomFilters(t *testing.T) {
	s, err := OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := s.NewBatch()
	for i := range 1000 {
		b.Set(fmt.Appendf(nil, "event/%04d", i), []byte("x"))
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Flush(); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if _, ok, err := s.Get(fmt.Appendf(nil, "event/%04d-new", i)); ok || err != nil {
			t.Fatalf("a key never written: found %v, %v", ok, err)
		}
	}
	if hits := s.db.Metrics().Filter.Hits; hits < 90 {
		t.Errorf("the filter answered %d of 100 reads of keys not there", hits)
	}
}
