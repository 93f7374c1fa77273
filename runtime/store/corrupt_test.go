package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// The corruption tests flip one byte of one file of a real store on disk
// and open it again. Whatever the byte, the outcome must be a clear error
// (at Open or at the read that meets the damage) or the data intact: never
// a panic, never a wrong value, never data missing without an error,
// except where Pebble cannot know (spec/storage.md): the WAL's last
// records, which no later record vouches for.

const corruptInputs = 400

// corruptValue is input i's value: 300 to 1,500 bytes.
func corruptValue(i int) []byte {
	return append(fmt.Appendf(nil, "input %d:", i), bytes.Repeat([]byte{byte('a' + i%26)}, 300+(i*71)%1200)...)
}

func corruptKey(i int) []byte { return fmt.Appendf(nil, "log/%06d", i) }

// pristine writes corruptInputs inputs, one synced batch each as the
// engine writes them, into a new store with small memtables (so that
// some are in sstables and the rest in the WAL), and closes it. tune
// changes the options further.
func pristine(t *testing.T, tune func(*pebble.Options)) string {
	t.Helper()
	dir := t.TempDir()
	st, err := open(dir, nil, true, func(o *pebble.Options) {
		o.MemTableSize = 256 << 10
		if tune != nil {
			tune(o)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range corruptInputs {
		b := st.NewBatch()
		b.Set(corruptKey(i), corruptValue(i))
		b.Set(fmt.Appendf(nil, "item/%06d", i), corruptValue(i)[:40])
		if err := b.Apply(); err != nil {
			t.Fatal(err)
		}
		if err := b.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// outcome of opening a store with one byte flipped.
type outcome struct {
	openErr, readErr error
	lost             []int // inputs missing without an error
}

// flip flips one bit of the byte at off in the named file of a copy of
// dir, opens the copy and reads every key.
func flip(t *testing.T, dir, name string, off int64, bit byte) outcome {
	t.Helper()
	cp := copyDir(t, dir)
	path := filepath.Join(cp, name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[off] ^= 1 << bit
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var o outcome
	st, err := Open(cp, nil)
	if err != nil {
		o.openErr = err
		return o
	}
	defer st.Close()
	seen := map[int]bool{}
	o.readErr = st.Scan([]byte("log/"), func(k, v []byte) bool {
		var i int
		if _, err := fmt.Sscanf(string(k), "log/%06d", &i); err != nil || i >= corruptInputs {
			t.Fatalf("%s@%d: a key no input wrote: %q", name, off, k)
		}
		if !bytes.Equal(v, corruptValue(i)) {
			t.Fatalf("%s@%d: input %d has a wrong value", name, off, i)
		}
		seen[i] = true
		return true
	})
	if o.readErr == nil {
		o.readErr = st.Verify()
	}
	if o.readErr == nil {
		for i := range corruptInputs {
			if !seen[i] {
				o.lost = append(o.lost, i)
			}
		}
	}
	return o
}

// files lists the store's files of a kind, largest first.
func files(t *testing.T, dir, kind string) []string {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var out []string
	size := map[string]int64{}
	for _, e := range ents {
		fi, _ := e.Info()
		if strings.Contains(e.Name(), kind) && fi.Size() > 0 {
			out = append(out, e.Name())
			size[e.Name()] = fi.Size()
		}
	}
	sort.Slice(out, func(i, j int) bool { return size[out[i]] > size[out[j]] })
	return out
}

// offsets are the offsets to flip in a file of size n: all of them for a
// small file, else a sample.
func offsets(n int64, sample int, rng *rand.Rand) []int64 {
	if n <= int64(sample) {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(i)
		}
		return out
	}
	out := make([]int64, sample)
	for i := range out {
		out[i] = rng.Int64N(n)
	}
	return out
}

func sampleSize() int {
	if testing.Short() {
		return 12
	}
	return 40
}

// TestCorruptSST: a flipped byte in an sstable is found by its block or
// footer checksum: the read that meets it (or Open) fails, naming the file.
func TestCorruptSST(t *testing.T) {
	dir := pristine(t, nil)
	ssts := files(t, dir, ".sst")
	if len(ssts) == 0 {
		t.Fatal("no sstable: the test tests nothing")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var atOpen, atRead, intact int
	for _, name := range ssts[:1] {
		fi, _ := os.Stat(filepath.Join(dir, name))
		for _, off := range offsets(fi.Size(), sampleSize(), rng) {
			o := flip(t, dir, name, off, byte(rng.IntN(8)))
			switch {
			case o.openErr != nil:
				atOpen++
				checkNames(t, o.openErr, name)
			case o.readErr != nil:
				atRead++
				checkNames(t, o.readErr, name)
				if !errors.Is(o.readErr, ErrCorrupt) {
					t.Errorf("%s@%d: %v does not match ErrCorrupt", name, off, o.readErr)
				}
			case len(o.lost) > 0:
				t.Errorf("%s@%d: %d inputs lost without an error", name, off, len(o.lost))
			default:
				intact++ // a byte no read depends on (padding, an unused index entry)
			}
		}
	}
	t.Logf("sstable %s: %d flips: %d errors at open, %d at read, %d harmless", ssts[0], atOpen+atRead+intact, atOpen, atRead, intact)
}

// checkNames fails unless the error names the damaged file.
func checkNames(t *testing.T, err error, name string) {
	t.Helper()
	if !strings.Contains(err.Error(), name) {
		t.Errorf("the error does not name %s: %v", name, err)
	}
}

// TestCorruptWAL: a flipped byte in the WAL. Pebble alone takes damage in
// the WAL's last 32 KiB block for its torn end and drops the inputs after
// it; the store's own check of the rest of the WAL (wal.go) turns that into
// an error, except for the last inputs, which no later record vouches for.
func TestCorruptWAL(t *testing.T) {
	dir := pristine(t, nil)
	wals := files(t, dir, ".log")
	live := liveWAL(t, dir, wals)
	fi, _ := os.Stat(filepath.Join(dir, live))
	size := fi.Size()
	rng := rand.New(rand.NewPCG(3, 4))
	offs := offsets(size, sampleSize(), rng)
	// Damage in the last 32 KiB block, which Pebble alone takes for a torn
	// end, and the last 4 KiB every 32nd byte (in short mode, every 256th).
	lastBlock := (size - 1) / walBlockSize * walBlockSize
	for range sampleSize() {
		offs = append(offs, lastBlock+rng.Int64N(max(1, size-4096-lastBlock)))
	}
	step := int64(32)
	if testing.Short() {
		step = 256
	}
	for off := max(0, size-4096); off < size; off += step {
		offs = append(offs, off)
	}
	// What the WAL's chunks vouch for: damage in a record no later chunk
	// says was synced may pass for a torn end (Pebble's synced offsets lag
	// a few records behind the syncs).
	data, err := os.ReadFile(filepath.Join(dir, live))
	if err != nil {
		t.Fatal(err)
	}
	chunks := walChunks(data)
	var vouched int64
	for _, c := range chunks {
		vouched = max(vouched, c.synced)
	}
	var byPebble, byStore, intact, silent int
	maxLost := 0
	for _, off := range offs {
		o := flip(t, dir, live, off, byte(rng.IntN(8)))
		start := int64(-1) // the start of the chunk holding the damage
		for _, c := range chunks {
			if c.start <= off && off < c.end {
				start = c.start
			}
		}
		switch {
		case o.openErr != nil:
			if strings.Contains(o.openErr.Error(), "says the log was synced") {
				byStore++
			} else {
				byPebble++
			}
			checkNames(t, o.openErr, live)
			if !errors.Is(o.openErr, ErrCorrupt) {
				t.Errorf("%s@%d: %v does not match ErrCorrupt", live, off, o.openErr)
			}
		case o.readErr != nil:
			t.Errorf("%s@%d: a damaged WAL found only when reading: %v", live, off, o.readErr)
		case len(o.lost) > 0:
			silent++
			maxLost = max(maxLost, len(o.lost))
			// Only the last inputs may be lost, and only those no later
			// chunk vouches for.
			if o.lost[len(o.lost)-1] != corruptInputs-1 || len(o.lost) != corruptInputs-o.lost[0] {
				t.Errorf("%s@%d: inputs lost in the middle: %v", live, off, o.lost)
			}
			if start >= 0 && start < vouched {
				t.Errorf("%s@%d (of %d, synced up to %d): %d inputs lost without an error", live, off, size, vouched, len(o.lost))
			}
		default:
			intact++
		}
	}
	t.Logf("WAL %s (%d bytes, chunks vouch for a sync up to %d): %d flips: %d errors at open found by Pebble, %d by the store, %d harmless; "+
		"%d lost up to %d of the last inputs without an error",
		live, size, vouched, len(offs), byPebble, byStore, intact, silent, maxLost)
}

type walChunk struct{ start, end, synced int64 }

// walChunks walks the chunks of a WAL with sync offsets.
func walChunks(data []byte) []walChunk {
	var out []walChunk
	for p := int64(0); p+walHeaderSize <= int64(len(data)); {
		if blockEnd := (p/walBlockSize + 1) * walBlockSize; blockEnd-p < walHeaderSize {
			p = blockEnd
			continue
		}
		enc := data[p+6]
		if enc < walSyncFirst || enc > walSyncLast {
			break
		}
		end := p + walHeaderSize + int64(binary.LittleEndian.Uint16(data[p+4:]))
		out = append(out, walChunk{p, end, int64(binary.LittleEndian.Uint64(data[p+11:]))})
		p = end
	}
	return out
}

// liveWAL is the WAL Open replays: the one whose damage loses inputs.
// Pebble keeps obsolete WALs to recycle them; their damage is harmless.
func liveWAL(t *testing.T, dir string, wals []string) string {
	t.Helper()
	for _, name := range wals {
		fi, _ := os.Stat(filepath.Join(dir, name))
		// Damage at a third of the file: a live WAL loses inputs or fails.
		o := flip(t, dir, name, fi.Size()/3, 3)
		if o.openErr != nil || len(o.lost) > 0 {
			return name
		}
	}
	t.Fatalf("no live WAL among %v", wals)
	return ""
}

// TestCorruptManifest: a flipped byte in the MANIFEST. Pebble stops
// reading the MANIFEST at the first record it cannot read, wherever it is
// (not only at its end): the store must then fail to open or hold every
// input (the WALs are kept until their memtables are flushed, so an edit
// dropped may still be replayed).
func TestCorruptManifest(t *testing.T) {
	dir := pristine(t, small) // many flushes and compactions: many edits
	manifests := files(t, dir, "MANIFEST")
	if len(manifests) == 0 {
		t.Fatal("no MANIFEST")
	}
	name := manifests[0]
	fi, _ := os.Stat(filepath.Join(dir, name))
	rng := rand.New(rand.NewPCG(5, 6))
	var byPebble, byStore, atRead, intact int
	var lost []int64
	for _, off := range offsets(fi.Size(), 4*sampleSize(), rng) {
		o := flip(t, dir, name, off, byte(rng.IntN(8)))
		switch {
		case o.openErr != nil && strings.Contains(o.openErr.Error(), "later record at offset"):
			byStore++
			checkNames(t, o.openErr, name)
		case o.openErr != nil:
			byPebble++
		case o.readErr != nil:
			atRead++
		case len(o.lost) > 0:
			lost = append(lost, off)
		default:
			intact++
		}
	}
	t.Logf("MANIFEST %s (%d bytes): errors at open: %d found by Pebble, %d by the store; %d at read, %d intact, %d with inputs lost without an error",
		name, fi.Size(), byPebble, byStore, atRead, intact, len(lost))
	if len(lost) > 0 {
		t.Errorf("inputs lost without an error after flipping a byte of %s at %v", name, lost)
	}

	// A torn end (the last record cut short, as a crash while writing it
	// leaves it) is not damage: the store does not call it that.
	for _, cut := range []int64{1, 5, 20} {
		cp := copyDir(t, dir)
		if err := os.Truncate(filepath.Join(cp, name), fi.Size()-cut); err != nil {
			t.Fatal(err)
		}
		if ce := checkManifest(vfs.Default, cp); ce != nil {
			t.Errorf("%s cut by %d bytes: %v", name, cut, ce)
		}
	}
}
