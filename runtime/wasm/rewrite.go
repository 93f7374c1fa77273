package wasm

import (
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"sync"

	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// A module is not compiled as it is: the host exports its mutable
// globals, when its instance can be reset (scan.go), then adds its stop
// global and checks (instrument.go). rewrite is that result, which is what
// wazero compiles and what the compilation cache on disk keeps
// (rewritecache.go).
type rewrite struct {
	// exported is the module with its mutable globals exported, or the
	// module itself when it is not resettable: what a test's host runs
	// under wazero's deadline, and what wazero is asked about a module
	// the rewrite declined. nil when read from the cache (made again on
	// the rare path that needs it: Module.compile).
	exported []byte
	bin      []byte     // exported, instrumented; nil when instrument declined the module (scan.why says why)
	start    bool       // instrument made the start section an export
	mutates  string     // instrument's: the first instruction that changes a table or a segment
	tracks   bool       // instrument's: the module marks what its calls write (track.go)
	scan     scanResult // scan's, not resettable when instrument declined the module or mutates is set
	reserved string     // the module's own export of a host's name (reservedPrefix): declined for it
	refused  bool       // a function over a limit of its shape (shape.go, scan.why): declined, and never given to wazero
}

// reservedPrefix begins the names of every export the rewrite adds
// (stagecraft.stop, stagecraft.global.N, ...): a module's own export of
// such a name would collide with them, or pass for one.
const reservedPrefix = "stagecraft."

// newRewrite rewrites a module as the host runs it.
func newRewrite(wasm []byte) rewrite {
	rw := rewrite{exported: wasm}
	if name := ownReservedExport(wasm); name != "" {
		rw.reserved = name
		rw.scan = scanResult{why: fmt.Sprintf("it exports %q, and export names starting with %q are the host's: rename it", name, reservedPrefix)}
		return rw
	}
	sc := scan(wasm)
	if sc.resettable {
		b, err := exportGlobals(wasm, sc.globals)
		if err != nil {
			sc = scanResult{why: err.Error()}
		} else {
			rw.exported = b
		}
	}
	ins, err := instrument(rw.exported)
	if se := (*shapeError)(nil); errors.As(err, &se) {
		rw.refused = true
		sc = scanResult{why: se.Error()}
	} else if err != nil {
		sc = scanResult{why: err.Error()}
	} else {
		rw.bin, rw.start, rw.mutates, rw.tracks = ins.bin, ins.start, ins.mutates, ins.tracks
	}
	rw.scan = sc.after(ins.mutates)
	return rw
}

// after is sc once instrument has reported an instruction that changes a
// table or a segment (mutates, "" when none): such a module is not
// resettable.
func (sc scanResult) after(mutates string) scanResult {
	if mutates != "" {
		return scanResult{why: mutates}
	}
	return sc
}

// The rewrite's version, part of the key of every rewritten module kept
// on disk: the SHA-256 of the source of every file whose code makes a
// rewrite (this file, instrument.go, track.go, scan.go and the manifest package's
// section reader) or vouches for one (counts.go: a module found in the
// cache is not walked by checkCounts again, Module.compile), and of the
// Go release. Any change to that code, even one that rewrites nothing
// differently, is a new version, so no change can be served a module
// rewritten, or passed, by the code it replaced; the price is a rewrite
// per module after such a change, ~30 ms for the Go example.
// TestRewriteSources holds the list to the code: the files type-check on
// their own, so nothing the rewrite calls lives elsewhere.
//
//go:embed rewrite.go instrument.go track.go scan.go counts.go shape.go manifest/manifest.go manifest/section.go manifest/strict.go
var rewriteSources embed.FS

var rewriteVersion = sync.OnceValue(func() [sha256.Size]byte {
	v, err := sourceVersion(rewriteSources)
	if err != nil {
		panic("wasm: the rewrite's embedded sources: " + err.Error()) // cannot happen: they are in the binary
	}
	return v
})

// sourceVersion is the SHA-256 of the Go release and of every file of
// fsys, its name and its contents.
func sourceVersion(fsys fs.FS) ([sha256.Size]byte, error) {
	h := sha256.New()
	h.Write([]byte(runtime.Version()))
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		h.Write(binary.AppendUvarint(nil, uint64(len(path))))
		h.Write([]byte(path))
		h.Write(binary.AppendUvarint(nil, uint64(len(b))))
		h.Write(b)
		return err
	})
	return [sha256.Size]byte(h.Sum(nil)), err
}

// ownReservedExport is the first of the module's exports whose name is
// the host's (reservedPrefix), or "".
func ownReservedExport(wasm []byte) string {
	secs, err := manifest.Sections(wasm)
	if err != nil {
		return ""
	}
	for _, s := range secs {
		if s.ID == 7 {
			return firstExport(&reader{b: s.Body}, func(name string) bool { return strings.HasPrefix(name, reservedPrefix) })
		}
	}
	return ""
}
