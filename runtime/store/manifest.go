package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble/v2/record"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/atomicfs"
)

// A damaged record in the middle of the MANIFEST.
//
// The MANIFEST is the log of the store's versions: which sstables hold
// its data, which WALs are still to be replayed. Pebble replays it until
// the first record it cannot read, wherever that is, and takes it for the
// torn end of the log. A flipped byte in an early record thus opens an old
// version of the store: the sstables added since are ignored (and deleted
// as obsolete), the WALs they replaced are gone, and the inputs in them
// are lost without a word (TestCorruptManifest found it). Pebble syncs
// each record before it writes the next, so a whole record after the one
// that cannot be read proves that one was written, synced, and damaged
// since: checkManifest looks for one before Pebble opens the store.

// Legacy record chunks, which the MANIFEST is written in (pebble/v2/record):
// checksum uint32 | length uint16 | type uint8 | payload; types 1 (full)
// and 2 (first) start a record.
const (
	manifestHeaderSize = 7
	manifestFullChunk  = 1
	manifestFirstChunk = 2
)

// checkManifest reads the store's current MANIFEST in dir as Pebble will,
// and if the reading stops before the end, looks past that point for the
// start of a later record. It returns the damage it proves, or nil; any
// other trouble (no store yet, a file it cannot read) is Pebble's to
// report.
func checkManifest(fs vfs.FS, dir string) *CorruptionError {
	name, err := atomicfs.ReadMarker(fs, dir, "manifest")
	if err != nil || name == "" {
		return nil
	}
	path := fs.PathJoin(dir, name)
	f, err := fs.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	r := record.NewReader(bytes.NewReader(data), 0)
	var stop int64
	for {
		stop = r.Offset()
		rec, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err == nil {
			_, err = io.Copy(io.Discard, rec)
		}
		if err != nil {
			break
		}
	}
	for p := stop + 1; p+manifestHeaderSize <= int64(len(data)); p++ {
		if t := data[p+6]; t != manifestFullChunk && t != manifestFirstChunk {
			continue
		}
		end := p + manifestHeaderSize + int64(binary.LittleEndian.Uint16(data[p+4:]))
		if end > (p/walBlockSize+1)*walBlockSize || end > int64(len(data)) {
			continue
		}
		if binary.LittleEndian.Uint32(data[p:]) == maskedCRC(data[p+6:end]) {
			return &CorruptionError{Path: path, Err: fmt.Errorf(
				"the MANIFEST cannot be read past the record at offset %d, but a later record at offset %d is whole: "+
					"opening the store would lose every change to it since", stop, p)}
		}
	}
	return nil
}
