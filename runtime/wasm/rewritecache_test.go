package wasm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// callStart calls the start test module's action, which replies 5 when
// its start section and _initialize ran, once each, in this order.
func callStart(t *testing.T, h *Host, bin []byte) {
	t.Helper()
	m := load(t, h, bin)
	if len(m.start) != 2 || !m.stops || !m.scan.resettable {
		t.Fatalf("start functions %v, instrumented %v, resettable %v (%s)", m.start, m.stops, m.scan.resettable, m.scan.why)
	}
	for i := range 2 {
		out, err := m.Call(context.Background(), "run", nil)
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if got := out["n"]; !value.Equal(got, value.NumberOf(5)) {
			t.Fatalf("call %d: n = %v, want 5", i+1, got)
		}
	}
}

// A host keeps the modules it rewrites on disk; the next host reads them
// back, the same rewrite, and runs them as the first did.
func TestRewriteCache(t *testing.T) {
	dir := t.TempDir()
	bin := wat(t, "start")
	callStart(t, newHost(t, Options{CacheDir: dir}), bin)
	files, _ := filepath.Glob(filepath.Join(dir, rewriteCacheDir, "*"))
	if len(files) != 1 || filepath.Ext(files[0]) == ".tmp" {
		t.Fatalf("files in the cache: %v, want one", files)
	}
	if st, err := os.Stat(filepath.Join(dir, rewriteCacheDir)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("the folder: %v %v, want mode 0700", st.Mode(), err)
	}
	if st, err := os.Stat(files[0]); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the file: %v %v, want mode 0600", st.Mode(), err)
	}

	h := newHost(t, Options{CacheDir: dir})
	got, ok := h.rewrites.get(bin, manifest.Hash(bin))
	if !ok {
		t.Fatal("not read back")
	}
	want := newRewrite(bin)
	want.exported = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back:\n%+v\nwant\n%+v", got, want)
	}
	callStart(t, h, bin)

	// The stop checks come back with the module: a loop read from the
	// cache stops at its deadline.
	loop := wat(t, "loop")
	load(t, newHost(t, Options{CacheDir: dir}), loop)
	if _, ok := newHost(t, Options{CacheDir: dir}).rewrites.get(loop, manifest.Hash(loop)); !ok {
		t.Fatal("loop: not cached")
	}
	var le *LimitError
	m := load(t, newHost(t, Options{CacheDir: dir}), loop)
	if _, err := m.Call(context.Background(), "run", nil); !errors.As(err, &le) || le.Limit != LimitTime {
		t.Fatalf("loop read from the cache: %v, want a time limit", err)
	}
}

// A file that fails a check is ignored, the module rewritten, and the
// file written again: cut short, damaged, another module's, another
// version's, or one whose module wazero refuses.
func TestRewriteCacheDamaged(t *testing.T) {
	dir := t.TempDir()
	bin, other := wat(t, "start"), wat(t, "counter")
	hash := manifest.Hash(bin)
	callStart(t, newHost(t, Options{CacheDir: dir}), bin)
	load(t, newHost(t, Options{CacheDir: dir}), other)
	file := rewriteCache(filepath.Join(dir, rewriteCacheDir)).file(hash)
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	otherFile, err := os.ReadFile(rewriteCache(filepath.Join(dir, rewriteCacheDir)).file(manifest.Hash(other)))
	if err != nil {
		t.Fatal(err)
	}
	// resum gives b a valid checksum again.
	resum := func(b []byte) []byte {
		body := bytes.Clone(b[:len(b)-rewriteSumSize])
		return binary.LittleEndian.AppendUint32(body, crc32.Checksum(body, castagnoli))
	}
	flip := func(at int) []byte {
		b := bytes.Clone(good)
		b[at] ^= 0x40
		return b
	}
	version := len(rewriteMagic)
	for name, b := range map[string][]byte{
		"empty":                 {},
		"half":                  good[:len(good)/2],
		"a byte short":          good[:len(good)-1],
		"a byte more":           append(bytes.Clone(good), 0),
		"a byte of the module":  flip(len(good) - rewriteSumSize - 20),
		"a byte of the header":  flip(version + 3),
		"a byte of the sum":     flip(len(good) - 1),
		"another version":       resum(flip(version + 3)),
		"another format":        resum(flip(len(rewriteMagic) - 2)),
		"another module's file": otherFile,
		"a module wazero refuses": resum(append(bytes.Clone(good[:len(good)-rewriteSumSize-len(bin)/2]),
			make([]byte, len(bin)/2+rewriteSumSize)...)),
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(file, b, 0o600); err != nil {
				t.Fatal(err)
			}
			h := newHost(t, Options{CacheDir: dir})
			_, ok := h.rewrites.get(bin, hash)
			if ok != (name == "a module wazero refuses") {
				t.Errorf("read back: %v", ok)
			}
			callStart(t, h, bin)
			if now, _ := os.ReadFile(file); !bytes.Equal(now, good) {
				t.Errorf("the file was not written again (%d bytes, want %d)", len(now), len(good))
			}
		})
	}
}

// decodeRewrite reads back what rewriteFile wrote, flags and all (a
// module with a start section; one whose calls' writes are marked), and
// refuses every prefix of a good file.
func TestDecodeRewriteTruncated(t *testing.T) {
	for _, name := range []string{"start", "counter"} {
		bin := wat(t, name)
		hash := manifest.Hash(bin)
		rw := newRewrite(bin)
		if name == "counter" && !rw.tracks {
			t.Fatalf("%s: not tracked", name)
		}
		var file []byte
		for _, b := range rewriteFile(hash, rw) {
			file = append(file, b...)
		}
		file = binary.LittleEndian.AppendUint32(file, crc32.Checksum(file, castagnoli))
		got, err := decodeRewrite(file, hash)
		if err != nil || !bytes.Equal(got.bin, rw.bin) || got.start != rw.start || got.mutates != rw.mutates || got.tracks != rw.tracks {
			t.Fatalf("%s: the whole file: %+v %v", name, got, err)
		}
		for n := range len(file) {
			if _, err := decodeRewrite(file[:n], hash); err == nil {
				t.Fatalf("%s: %d bytes of %d read as a rewrite", name, n, len(file))
			}
		}
	}
}

// A compilation goes on when its caller gives up, as wazero's did in one
// goroutine before it was spread over the cores: the module is there for
// the next call, and a cancellation is never the module's refusal.
func TestCompileOutlivesItsCaller(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := newHost(t, Options{CacheDir: t.TempDir()})
	m, err := h.Load(ctx, wat(t, "counter"))
	if err != nil {
		t.Fatalf("Load under a cancelled context: %v", err)
	}
	if _, err := m.Call(context.Background(), "count", nil); err != nil {
		t.Fatal(err)
	}
}

// A module whose rewrite is read back from the cache is not walked by
// checkCounts again (its file is written only once it passed); one whose
// file is missing or fails a check is. A module checkCounts refuses
// leaves nothing in the cache, so every host sharing the folder refuses
// it before wazero reads it.
func TestRewriteCacheCounts(t *testing.T) {
	walked := 0
	saved := checkModuleCounts
	defer func() { checkModuleCounts = saved }()
	checkModuleCounts = func(b []byte) error {
		walked++
		return checkCounts(b)
	}
	dir := t.TempDir()
	bin := wat(t, "counter")
	for i, want := range []int{1, 1, 1} {
		m := load(t, newHost(t, Options{CacheDir: dir}), bin)
		if _, err := m.Call(context.Background(), "count", nil); err != nil {
			t.Fatal(err)
		}
		if walked != want {
			t.Fatalf("host %d: checkCounts ran %d times, want %d", i+1, walked, want)
		}
	}
	file := rewriteCache(filepath.Join(dir, rewriteCacheDir)).file(manifest.Hash(bin))
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Clone(good)
	damaged[len(damaged)/2] ^= 1
	if err := os.WriteFile(file, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	load(t, newHost(t, Options{CacheDir: dir}), bin)
	if walked != 2 {
		t.Fatalf("a damaged file: checkCounts ran %d times in all, want 2", walked)
	}

	// A file under another module's name is not this module's: neither
	// module is taken as checked.
	if err := os.Rename(file, rewriteCache(filepath.Join(dir, rewriteCacheDir)).file(manifest.Hash(wat(t, "start")))); err != nil {
		t.Fatal(err)
	}
	load(t, newHost(t, Options{CacheDir: dir}), bin)
	load(t, newHost(t, Options{CacheDir: dir}), wat(t, "start"))
	if walked != 4 {
		t.Fatalf("no file of its own: checkCounts ran %d times in all, want 4", walked)
	}

	bomb, err := Embed([]byte("\x00asm\x01\x00\x00\x00\x07\x06\x80\x80\x80\x40\x00\x00"), []byte(`{"abi": 1, "name": "m", "version": "1", "actions": [{"name": "a", "outputs": [{"name": "n", "type": "number"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		var me *ModuleError
		if _, err := newHost(t, Options{CacheDir: dir}).Load(context.Background(), bomb); !errors.As(err, &me) || !strings.Contains(err.Error(), "134217728 entries") {
			t.Fatalf("host %d: %v, want the count refused", i+1, err)
		}
	}
	if _, err := os.Stat(rewriteCache(filepath.Join(dir, rewriteCacheDir)).file(manifest.Hash(bomb))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file for the refused module: %v", err)
	}
}
