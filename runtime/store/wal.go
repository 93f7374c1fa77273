package store

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/wal"
)

// A damaged record in the middle of a WAL.
//
// Pebble replays a WAL until the first record it cannot read, and takes
// that record for the torn end of the log (the process died while writing
// it) unless a chunk in a later 32 KiB block says the log had been synced
// past it (FormatWALSyncChunks): then it reports corruption. Damage in the
// WAL's last block, or anywhere in a WAL written before that format, is
// taken for a torn end, and the synced records after it are dropped
// without a word. The store closes most of that gap: when Pebble stops
// replaying a WAL (it says so through Logger.Infof, before it acts on the
// replay), checkWALTail reads the rest of the file, and if any chunk of
// the same log there says the log was synced past the point where the
// replay stopped, the stop was damage, not a torn end: Open fails with a
// *CorruptionError naming the WAL, before Pebble has changed anything.
//
// What remains undetectable is damage to the last records of a WAL, those
// no later chunk vouches for: a later chunk records only the syncs that
// had finished when it was written.

// WAL chunk layout, with sync offsets (pebble/v2/record):
// checksum uint32 | length uint16 | encoding uint8 | log number uint32 |
// synced offset uint64 | payload.
const (
	walBlockSize  = 32 << 10
	walHeaderSize = 19
	walSyncFirst  = 9 // encodings 9 to 12: full, first, middle, last chunk
	walSyncLast   = 12
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// walDamage unwinds pebble.Open from Logger.Infof to the store's Open.
type walDamage struct{ err *CorruptionError }

// checkWALTail looks in a replayed WAL, past the offset where the replay
// stopped, for a chunk of the same log whose synced offset lies beyond
// that point. It returns the damage it proves, or nil.
func checkWALTail(fs vfs.FS, off wal.Offset) *CorruptionError {
	base := fs.PathBase(off.PhysicalFile)
	num, err := strconv.ParseUint(strings.TrimSuffix(strings.SplitN(base, "-", 2)[0], ".log"), 10, 64)
	if err != nil {
		return nil
	}
	f, err := fs.Open(off.PhysicalFile)
	if err != nil {
		return nil // Pebble has just read it; nothing to add
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	stop := off.Physical
	if stop < 0 || stop >= int64(len(data)) {
		return nil
	}
	for p := stop; p+walHeaderSize <= int64(len(data)); p++ {
		enc := data[p+6]
		if enc < walSyncFirst || enc > walSyncLast || binary.LittleEndian.Uint32(data[p+7:]) != uint32(num) {
			continue
		}
		end := p + walHeaderSize + int64(binary.LittleEndian.Uint16(data[p+4:]))
		if end > (p/walBlockSize+1)*walBlockSize || end > int64(len(data)) {
			continue // a chunk never crosses a block
		}
		if binary.LittleEndian.Uint32(data[p:]) != maskedCRC(data[p+6:end]) {
			continue
		}
		if synced := int64(binary.LittleEndian.Uint64(data[p+11:])); synced > stop {
			return &CorruptionError{Op: "open", Path: off.PhysicalFile, Err: fmt.Errorf(
				"the WAL's replay stopped at offset %d, but a record at offset %d says the log was synced up to offset %d: "+
					"the records in between were acknowledged and are damaged", stop, p, synced)}
		}
	}
	return nil
}

// maskedCRC is the checksum of a WAL chunk (pebble's internal/crc).
func maskedCRC(b []byte) uint32 {
	c := crc32.Update(0, castagnoli, b)
	return (c>>15 | c<<17) + 0xa282ead8
}

// replayStopped finds, in the arguments of Pebble's "WAL ... stopped
// reading at offset" message, the offset where it stopped.
func replayStopped(format string, args []any) (wal.Offset, bool) {
	if !strings.Contains(format, "stopped reading at offset") {
		return wal.Offset{}, false
	}
	for _, a := range args {
		if off, ok := a.(wal.Offset); ok {
			return off, true
		}
	}
	return wal.Offset{}, false
}
