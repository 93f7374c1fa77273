package store

import (
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// The mark file stays open between marks: each mark is read back, by
// this store and after a crash (the file's contents as written, though
// never synced), and a write that fails opens the file again for the
// next mark.
func TestMarkKeptOpen(t *testing.T) {
	mem := vfs.NewCrashableMem()
	var fail atomic.Bool
	fs := errorfs.Wrap(mem, errorfs.InjectorFunc(func(op errorfs.Op) error {
		if fail.Load() && op.Kind == errorfs.OpFileWriteAt {
			return errorfs.ErrInjected
		}
		return nil
	}))
	st, err := Open("db", fs)
	if err != nil {
		t.Fatal(err)
	}
	marked := func(st *Store, want uint64) {
		t.Helper()
		if n, err := st.Marked(); err != nil || n != want {
			t.Fatalf("Marked() = %d, %v; want %d", n, err, want)
		}
	}
	for _, n := range []uint64{1, 2, 300} {
		if err := st.Mark(n); err != nil {
			t.Fatal(err)
		}
		marked(st, n)
	}
	if st.mark.f == nil {
		t.Fatal("the mark file is not kept open")
	}
	fail.Store(true)
	if err := st.Mark(301); !errors.Is(err, errorfs.ErrInjected) {
		t.Fatalf("Mark with a failing write: %v", err)
	}
	if st.mark.f != nil {
		t.Fatal("a mark file that failed a write is kept")
	}
	marked(st, 300)
	fail.Store(false)
	if err := st.Mark(302); err != nil {
		t.Fatal(err)
	}
	marked(st, 302)

	// A crash keeps the mark as written (none of it synced) or loses it,
	// never a number that was not marked: all unsynced data kept, it is
	// the last mark; none kept, no mark at all.
	for pct, want := range map[int]uint64{100: 302, 0: 0} {
		crashed := mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: pct, RNG: rand.New(rand.NewPCG(1, 2))})
		st2, err := Open("db", crashed)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := st2.Marked(); err != nil || n != want {
			t.Errorf("after a crash keeping %d%% of unsynced data, Marked() = %d, %v; want %d", pct, n, err, want)
		}
		st2.Close()
	}

	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Mark(303); !errors.Is(err, ErrClosed) {
		t.Fatalf("Mark after Close: %v", err)
	}
	st, err = Open("db", fs)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	marked(st, 302)
}
