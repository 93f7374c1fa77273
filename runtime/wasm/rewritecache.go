package wasm

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
)

// Rewritten modules on disk. wazero's compilation cache is keyed by the
// bytes it compiles, the rewritten module (rewrite.go), so a new host
// that finds a module's code there has still paid for the rewrite first:
// ~25-30 ms of the ~130 ms of the Go example's first call. The host keeps
// each rewritten module in Options.CacheDir/instrumented, next to
// wazero's code, and reads it back instead of rewriting (~1-4 ms: the
// file read and its checksum).
//
// Trust. The folder is the operator's, as wazero's is ("the embedder must
// safeguard this directory from external changes", its documentation
// says): whoever can write wazero's folder can put machine code there
// that the host runs as its own, which no check of ours could catch, and
// whoever can write ours can take the stop checks out of a module, which
// only a rewrite as costly as the one the file saves could catch. Both
// folders are made readable and writable by the host's user alone (0700;
// the files 0600). What the host does check, every time, is what goes
// wrong without anyone's intent: a file cut short by a crash or a full
// disk, damaged bytes, a file left by another version of the rewrite or
// copied under another module's name. Each file carries the rewrite's
// version and the original module's hash, and ends with the CRC-32C of
// all it holds (as wazero's files end with their code's: a checksum
// against damage, not a signature, which a file's writer could forge as
// well; 0.2 ms for the Go example against 2.3 for a SHA-256); a file that
// fails any check is ignored, and the module is
// rewritten and the file written again. The module read back then goes
// through everything a rewritten one does: wazero decodes and validates
// it, and the host checks its imports, memory and exports (Module.check),
// and finds its stop global at every instantiation, or refuses it. What
// it is not held to again is checkCounts, which the module passed before
// its file was written (Module.compile): whoever can write a file can
// have such a module loaded unwalked, as they can have it loaded without
// its stop checks.
//
// A file is written to a temporary name and renamed, so a reader sees it
// whole or not at all; it is not synced, since one a crash cuts short
// fails its check.

// rewriteCacheDir is the subfolder of Options.CacheDir.
const rewriteCacheDir = "instrumented"

// rewriteMagic starts every file; the format's version is its last digit.
var rewriteMagic = []byte("stagecraft rewritten module 1\n")

// rewriteCache is the folder of rewritten modules; "" keeps none.
type rewriteCache string

// newRewriteCache makes the folder under Options.CacheDir ("" when none).
func newRewriteCache(cacheDir string) (rewriteCache, error) {
	if cacheDir == "" {
		return "", nil
	}
	dir := filepath.Join(cacheDir, rewriteCacheDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return rewriteCache(dir), nil
}

// file is where the rewrite of the module with this hash is kept: the name
// is the SHA-256 of the rewrite's version and the hash, so that hosts of
// different versions sharing the folder keep a file each.
func (c rewriteCache) file(hash string) string {
	v := rewriteVersion()
	h := sha256.New()
	h.Write(v[:])
	h.Write([]byte(hash))
	return filepath.Join(string(c), hex.EncodeToString(h.Sum(nil)))
}

// get reads the rewrite of wasm (whose hash is hash) from the cache: ok
// is false when there is none, or none that passes every check.
func (c rewriteCache) get(wasm []byte, hash string) (rw rewrite, ok bool) {
	if c == "" {
		return rewrite{}, false
	}
	b, err := os.ReadFile(c.file(hash))
	if err != nil {
		return rewrite{}, false
	}
	rw, err = decodeRewrite(b, hash)
	if err != nil {
		return rewrite{}, false
	}
	rw.scan = scan(wasm).after(rw.mutates)
	return rw, true
}

// put writes rw, the rewrite of the module with this hash, to the cache.
// An error is not reported: a cache that cannot be written costs the next
// host the rewrite, nothing else.
func (c rewriteCache) put(hash string, rw rewrite) {
	if c == "" || rw.bin == nil {
		return
	}
	f, err := os.CreateTemp(string(c), "*.tmp")
	if err != nil {
		return
	}
	var sum uint32
	for _, b := range rewriteFile(hash, rw) {
		sum = crc32.Update(sum, castagnoli, b)
		if _, err = f.Write(b); err != nil {
			break
		}
	}
	if err == nil {
		_, err = f.Write(binary.LittleEndian.AppendUint32(nil, sum))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.file(hash))
	}
	if err != nil {
		os.Remove(f.Name())
	}
}

// rewriteFile is a file's contents but its final checksum, in pieces (the
// module's bytes are not copied into one buffer with the rest): the
// magic, the rewrite's version, the original module's hash, a byte of
// flags (1: the start section became an export; 2: the module marks
// what its calls write), instrument's mutates, and the
// rewritten module, each string and the module preceded by its length.
func rewriteFile(hash string, rw rewrite) [][]byte {
	v := rewriteVersion()
	head := append([]byte(nil), rewriteMagic...)
	head = append(head, v[:]...)
	head = binary.AppendUvarint(head, uint64(len(hash)))
	head = append(head, hash...)
	var flags byte
	if rw.start {
		flags |= flagStart
	}
	if rw.tracks {
		flags |= flagTracks
	}
	head = append(head, flags)
	head = binary.AppendUvarint(head, uint64(len(rw.mutates)))
	head = append(head, rw.mutates...)
	head = binary.AppendUvarint(head, uint64(len(rw.bin)))
	return [][]byte{head, rw.bin}
}

// A rewritten module's flags.
const (
	flagStart  = 1 << iota // instrument made the start section an export
	flagTracks             // the module marks what its calls write
)

var errBadRewrite = errors.New("not a rewritten module of this version")

// castagnoli is the CRC-32C table, the polynomial CPUs compute.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// rewriteSumSize is the size of a file's checksum, its last bytes.
const rewriteSumSize = 4

// decodeRewrite checks a file read from the cache and returns what it
// holds: its checksum first, then every field, the version and the hash
// equal to ours.
func decodeRewrite(b []byte, hash string) (rewrite, error) {
	if len(b) < len(rewriteMagic)+sha256.Size+rewriteSumSize {
		return rewrite{}, errBadRewrite
	}
	body, sum := b[:len(b)-rewriteSumSize], b[len(b)-rewriteSumSize:]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(sum) {
		return rewrite{}, errBadRewrite
	}
	v := rewriteVersion()
	if !bytes.HasPrefix(body, rewriteMagic) || !bytes.HasPrefix(body[len(rewriteMagic):], v[:]) {
		return rewrite{}, errBadRewrite
	}
	body = body[len(rewriteMagic)+len(v):]
	ok := true
	field := func() []byte {
		n, k := binary.Uvarint(body)
		if k <= 0 || n > uint64(len(body)-k) {
			ok = false
			return nil
		}
		f := body[k : k+int(n)]
		body = body[k+int(n):]
		return f
	}
	if h := field(); !ok || string(h) != hash || len(body) == 0 || body[0]&^(flagStart|flagTracks) != 0 {
		return rewrite{}, errBadRewrite
	}
	flags := body[0]
	body = body[1:]
	m := field()
	bin := field()
	if !ok || len(body) != 0 {
		return rewrite{}, errBadRewrite
	}
	return rewrite{bin: bin, start: flags&flagStart != 0, tracks: flags&flagTracks != 0, mutates: string(m)}, nil
}
