package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"

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
//
// The file stays open from the first Mark until Close: a mark is then one
// system call (pwrite) instead of three, and a server marks after every
// fsync of its inputs. Nothing else writes it while the store is open
// (Pebble's lock on the folder keeps other processes out).
const markFile = "MARK"

// marker is the open mark file.
type marker struct {
	mu sync.Mutex
	f  vfs.File // nil until the first Mark, and after a failed write
}

// Mark records n.
func (s *Store) Mark(n uint64) error {
	if s.fs == nil {
		return nil
	}
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], n)
	binary.BigEndian.PutUint32(b[8:], crc32.Checksum(b[:8], castagnoli))
	m := &s.mark
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.h.closed.Load() {
		return ErrClosed
	}
	if m.f == nil {
		f, err := s.fs.OpenReadWrite(s.fs.PathJoin(s.dir, markFile), vfs.WriteCategoryUnspecified)
		if err != nil {
			return fmt.Errorf("store: mark: %w", err)
		}
		m.f = f
	}
	if _, err := m.f.WriteAt(b[:], 0); err != nil {
		// Opened again by the next mark: a file that failed once is not
		// trusted to take the next write.
		m.f.Close()
		m.f = nil
		return fmt.Errorf("store: mark: %w", err)
	}
	return nil
}

// closeMark closes the mark file, if open.
func (s *Store) closeMark() error {
	m := &s.mark
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.f == nil {
		return nil
	}
	err := m.f.Close()
	m.f = nil
	if err != nil {
		return fmt.Errorf("store: mark: %w", err)
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
