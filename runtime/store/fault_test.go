package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// small makes Pebble flush and compact often, so that injected errors
// reach flushes, compactions and MANIFEST writes, not only the WAL.
func small(o *pebble.Options) {
	o.MemTableSize = 64 << 10
	o.L0CompactionThreshold = 2
	o.L0CompactionFileThreshold = 2
	o.LBaseMaxBytes = 64 << 10
	o.DisableWAL = false
}

// injector fails file operations at random once armed: after a number of
// operations, each one fails with probability p. Reads, writes, syncs,
// creates and renames all fail alike.
//
// Errors on the WAL are injected only into stores whose memtable is never
// rotated during the test: Pebble panics when it cannot close the old WAL
// or create the new one while rotating the memtable, with its mutex
// already released, and the deferred unlock then kills the process
// (fatal error "sync: unlock of unlocked mutex"), which no recover can
// stop. The store narrows that window (a failed sync fails the store, so
// no later write rotates the WAL) but cannot close it: see
// spec/storage.md.
type injector struct {
	wal   bool // fail operations on the WAL too
	armed atomic.Bool
	mu    sync.Mutex
	rng   *rand.Rand
	skip  int
	p     float64
	n     atomic.Int64 // errors injected
}

func (in *injector) MaybeError(op errorfs.Op) error {
	if !in.armed.Load() {
		return nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.wal && (strings.HasSuffix(op.Path, ".log") || op.Path == "db") {
		return nil // the WAL, and the directory synced when a WAL is made
	}
	if in.skip > 0 {
		in.skip--
		return nil
	}
	if in.rng.Float64() < in.p {
		in.n.Add(1)
		return errorfs.ErrInjected
	}
	return nil
}

func (in *injector) String() string { return "random" }

// batchKeys are the keys batch i writes: 1 to 5 of them, so that a batch
// half committed would show.
func batchKeys(i int) [][]byte {
	var ks [][]byte
	for j := 0; j <= i%5; j++ {
		ks = append(ks, fmt.Appendf(nil, "k/%05d/%d", i, j))
	}
	return ks
}

// batchValue is the value of batch i's key j: long ones (200 to 1,700
// bytes) fill memtables quickly; short ones keep the whole test within
// Pebble's first memtable (256 KiB), which is never rotated.
func batchValue(i, j int, long bool) []byte {
	n := 10 + i%40
	if long {
		n = 200 + (i*37)%1500
	}
	return append(fmt.Appendf(nil, "v%d.%d:", i, j), bytes.Repeat([]byte{byte('a' + (i+j)%26)}, n)...)
}

// TestFaultInjection runs batches over a file system that fails reads and
// writes at random points. The store must return errors, never panic,
// never return a wrong value; after a crash (only what was synced
// survives), every acknowledged batch is there whole, and every other
// batch is there whole or not at all.
func TestFaultInjection(t *testing.T) {
	seeds := 200
	if testing.Short() {
		seeds = 40
	}
	var opens, failedOpens, errs, fatals, injected int64
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		mem := vfs.NewCrashableMem()
		// Odd seeds: errors on the WAL too, with values small enough
		// that the WAL is never rotated; even seeds: errors on every
		// other file, in a store that flushes and compacts all the time.
		inj := &injector{wal: seed%2 == 1, rng: rand.New(rand.NewPCG(uint64(seed), 8)), skip: rng.IntN(400), p: 0.002 + rng.Float64()*0.05}
		tune := small
		if inj.wal {
			tune = nil
		}
		if seed%4 >= 2 {
			inj.armed.Store(true) // from the start: Open too
		}
		fs := errorfs.Wrap(mem, inj)
		const n = 150
		acked := make([]bool, n)
		st, err := open("db", fs, true, tune)
		opens++
		if err != nil {
			failedOpens++
			if !errors.Is(err, ErrFailed) && !errors.Is(err, ErrCorrupt) && err.Error() == "" {
				t.Fatalf("seed %d: open: %v", seed, err)
			}
		} else {
			inj.armed.Store(true)
			for i := range n {
				b := st.NewBatch()
				for j, k := range batchKeys(i) {
					b.Set(k, batchValue(i, j, !inj.wal))
				}
				// Read an earlier batch's key through the batch and the store,
				// and now and then every key: an error is allowed, a wrong
				// value is not.
				var wrong atomic.Value
				check := func(k, v []byte) {
					var bi, bj int
					fmt.Sscanf(string(k), "k/%05d/%d", &bi, &bj)
					if !bytes.Equal(v, batchValue(bi, bj, !inj.wal)) {
						wrong.Store(string(k))
					}
				}
				if i > 0 {
					k := batchKeys(rng.IntN(i))[0]
					read(st, func() error {
						if v, ok, err := b.Get(k); err == nil && ok {
							check(k, v)
						}
						if v, ok, err := st.Get(k); err == nil && ok {
							check(k, v)
						}
						return nil
					})
				}
				if i%20 == 19 {
					err := read(st, func() error {
						return st.Scan([]byte("k/"), func(k, v []byte) bool { check(k, v); return true })
					})
					if err != nil {
						errs++
					}
				}
				if k := wrong.Load(); k != nil {
					t.Fatalf("seed %d: %s read with a wrong value", seed, k)
				}
				if err := settle(st, inj, b.Apply); err != nil {
					errs++
					b.Discard()
					continue
				}
				if err := settle(st, inj, b.Wait); err != nil {
					errs++
					continue
				}
				acked[i] = true
			}
			if st.Err() != nil {
				fatals++
				if !errors.Is(st.Err(), ErrFailed) {
					t.Fatalf("seed %d: fatal error %v does not match ErrFailed", seed, st.Err())
				}
				if _, _, err := st.Get([]byte("k/00000/0")); !errors.Is(err, ErrFailed) {
					t.Fatalf("seed %d: a failed store's Get: %v", seed, err)
				}
			}
			inj.armed.Store(false)
		}
		injected += inj.n.Load()
		// Crash now: only what was synced survives.
		clone := mem.CrashClone(vfs.CrashCloneCfg{})
		if st != nil {
			st.Close() // must not panic, whatever it returns
		}
		after, err := open("db", clone, true, tune)
		if err != nil {
			if anyTrue(acked) {
				t.Fatalf("seed %d: reopen after the crash: %v", seed, err)
			}
			continue // the store was never opened whole: nothing to find
		}
		checkBatches(t, fmt.Sprintf("seed %d", seed), after, acked, !inj.wal)
		if err := after.Close(); err != nil {
			t.Fatalf("seed %d: close: %v", seed, err)
		}
	}
	t.Logf("%d seeds: %d opens failed, %d errors returned, %d stores failed, %d errors injected",
		seeds, failedOpens, errs, fatals, injected)
	if injected == 0 || errs == 0 {
		t.Fatal("no error injected or returned: the test tests nothing")
	}
}

// settle runs an Apply or a Wait. If Pebble stalls writes meanwhile (a
// flush or a compaction failing), the disk heals: the injector is
// disarmed, so that Pebble's retry can end the stall.
func settle(st *Store, inj *injector, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			if st.h.stalled.Load() {
				inj.armed.Store(false)
			}
		}
	}
}

// read runs a read. A read in progress when the store fails may wait
// forever (the goroutine Fatalf stopped holds Pebble's mutex): read gives
// up on it then.
func read(st *Store, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-st.h.dead:
		select {
		case err := <-done:
			return err
		case <-time.After(time.Second):
			return st.Err()
		}
	}
}

func anyTrue(bs []bool) bool {
	for _, b := range bs {
		if b {
			return true
		}
	}
	return false
}

// checkBatches checks a store after a crash: each batch whole or absent,
// acknowledged ones whole, every value right, nothing else.
func checkBatches(t *testing.T, what string, st *Store, acked []bool, long bool) {
	t.Helper()
	found := map[string][]byte{}
	if err := st.Scan(nil, func(k, v []byte) bool { found[string(k)] = v; return true }); err != nil {
		t.Fatalf("%s: scan after the crash: %v", what, err)
	}
	total := 0
	for i := range acked {
		have := 0
		for j, k := range batchKeys(i) {
			if v, ok := found[string(k)]; ok {
				have++
				if !bytes.Equal(v, batchValue(i, j, long)) {
					t.Fatalf("%s: %s has a wrong value", what, k)
				}
				delete(found, string(k))
			}
		}
		switch all := len(batchKeys(i)); {
		case have != 0 && have != all:
			t.Fatalf("%s: batch %d is half there: %d of %d keys", what, i, have, all)
		case acked[i] && have == 0:
			t.Fatalf("%s: acknowledged batch %d is lost", what, i)
		}
		total += have
	}
	if len(found) > 0 {
		t.Fatalf("%s: %d keys no batch wrote", what, len(found))
	}
}
