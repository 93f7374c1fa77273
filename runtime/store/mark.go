package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// The mark is a number kept beside the database, outside Pebble's files:
// the engine writes there the sequence number of each input it has
// acknowledged, after the input is synced. A WAL damaged so that Pebble
// takes its last records for a torn end (spec/storage.md, "Damage and
// failures") loses those inputs without a word; the mark, in a file of its
// own, still has their number, and the engine refuses to start rather than
// issue it again.
//
// The mark is written in place without a sync: after a power loss it may
// be older than the log, never newer, so it never refuses a store wrongly.
const markFile = "MARK"

// Mark records n.
func (s *Store) Mark(n uint64) error {
	if s.fs == nil {
		return nil
	}
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], n)
	binary.BigEndian.PutUint32(b[8:], crc32.Checksum(b[:8], castagnoli))
	f, err := s.fs.OpenReadWrite(s.fs.PathJoin(s.dir, markFile), vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("store: mark: %w", err)
	}
	_, werr := f.WriteAt(b[:], 0)
	if err := f.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return fmt.Errorf("store: mark: %w", werr)
	}
	return nil
}

// Marked returns the last number Mark recorded; 0 if there is none, or if
// the file is short or fails its checksum: a crash can leave it so, since
// it is written without a sync, and a mark that cannot be read only means
// there is nothing to compare the log with.
func (s *Store) Marked() (uint64, error) {
	if s.fs == nil {
		return 0, nil
	}
	f, err := s.fs.Open(s.fs.PathJoin(s.dir, markFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: mark: %w", err)
	}
	defer f.Close()
	var b [12]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return 0, nil
	}
	if crc32.Checksum(b[:8], castagnoli) != binary.BigEndian.Uint32(b[8:]) {
		return 0, nil
	}
	return binary.BigEndian.Uint64(b[:8]), nil
}
