// Package store keeps the engine's state in Pebble; it is the only importer
// of Pebble. It knows keys and bytes, not items or rules: the key layout is
// in the engine's keys.go and spec/storage.md, the values are the engine's.
//
// Writes go through a Batch that also reads its own writes, so that one
// input's effects are computed and committed together. Commit is in two
// halves: Apply makes the batch visible to later readers in order, and Wait
// returns once it is synced to disk. The engine applies inputs one at a time
// but waits outside its lock, so that concurrent inputs share one fsync.
//
// Every failure is an error, never a panic: damage to a file is a
// *CorruptionError naming it (errors.Is ErrCorrupt), and a fatal error of
// Pebble fails the store for good (ErrFailed); errors.go says how.
package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Format is the Pebble format the store is kept in, pinned so that a
// Pebble upgrade does not change the files by itself. FormatTableFormatV6
// adds a checksum to each sstable's footer and, through
// FormatWALSyncChunks, records in each WAL chunk how far the log was synced,
// so that a damaged record followed by synced ones is reported as damage
// instead of being taken for the torn end of the log.
const Format = pebble.FormatTableFormatV6

// Store is an open Pebble database.
type Store struct {
	db   *pebble.DB
	dir  string
	fs   vfs.FS
	h    *health
	mark marker
}

// Open opens or creates the store in dir; fs nil means the OS file system.
func Open(dir string, fs vfs.FS) (*Store, error) { return open(dir, fs, true, nil) }

// OpenMem opens an empty store in memory, for tests and dry runs.
func OpenMem() (*Store, error) { return open("mem", vfs.NewMem(), false, nil) }

// open opens the store; tune changes Pebble's options, for tests.
//
// Pebble creates a new store at its oldest format and raises it to Format
// only after it has started the WAL, and an older store's format is raised
// the same way: that first WAL is written without sync offsets. A store
// that is new or older than Format is therefore opened twice,
// so that the WAL inputs are logged to has them. (Starting a new WAL with
// a flush would do too, but Pebble crashes the process when rotating the
// WAL fails: an error while opening is better.)
func open(dir string, fs vfs.FS, upgrade bool, tune func(*pebble.Options)) (*Store, error) {
	if fs == nil {
		fs = vfs.Default
	}
	if ce := checkManifest(fs, dir); ce != nil {
		ce.Op = "open " + dir
		return nil, ce
	}
	if upgrade {
		if desc, err := pebble.Peek(dir, fs); err != nil || !desc.Exists || desc.FormatMajorVersion < Format {
			s, err := open(dir, fs, false, tune)
			if err != nil {
				return nil, err
			}
			if err := s.Close(); err != nil {
				return nil, err
			}
		}
	}
	s := &Store{dir: dir, fs: fs, h: newHealth()}
	// Inputs write many small keys, each batch synced: larger memtables
	// mean fewer flushes and compactions competing with them for the CPU.
	opts := &pebble.Options{
		Logger:             logger{s.h, fs},
		EventListener:      s.h.listener(),
		MemTableSize:       64 << 20,
		FormatMajorVersion: Format,
		FS:                 fs,
	}
	// A bloom filter in every table (Pebble writes none by default): most
	// point reads of a key that does not exist (an event ID, an idempotency
	// key, an item not cached) then read no data block of a table, whatever
	// the store's size. Filters belong to the tables, so stores written
	// without them are read as before.
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	if tune != nil {
		tune(opts)
	}
	err := s.h.await("open "+dir, func() error {
		db, err := pebble.Open(dir, opts)
		s.db = db
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the store. After a fatal error it returns that error and
// leaves Pebble as it is: its state is unknown, and closing it could wait
// forever; the directory stays locked until the process exits.
func (s *Store) Close() error {
	if s.h.closed.Swap(true) {
		return ErrClosed
	}
	merr := s.closeMark()
	if f := s.h.fatal.Load(); f != nil {
		return f.err
	}
	return errors.Join(s.h.awaitCall("close", s.db.Close), merr)
}

// Err is the store's fatal error, if it met one (errors.Is ErrFailed).
func (s *Store) Err() error {
	if f := s.h.fatal.Load(); f != nil {
		return f.err
	}
	return nil
}

// Damaged lists the files Pebble has reported damaged since Open, by
// reads of the store's callers or by its own background work.
func (s *Store) Damaged() []string {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	return append([]string(nil), s.h.damaged...)
}

// Get reads a committed value.
func (s *Store) Get(key []byte) ([]byte, bool, error) { return get(s.h, s.db, key) }

// Scan calls fn for every committed key with the prefix, in key order, until
// fn returns false.
func (s *Store) Scan(prefix []byte, fn func(k, v []byte) bool) error {
	return scanBounds(s.h, s.db, prefix, prefixEnd(prefix), fn)
}

// ScanRange is Scan over [from, to).
func (s *Store) ScanRange(from, to []byte, fn func(k, v []byte) bool) error {
	return scanBounds(s.h, s.db, from, to, fn)
}

// Last returns the last committed key in [from, to) and its value.
func (s *Store) Last(from, to []byte) (k, v []byte, ok bool, err error) {
	err = s.h.guard("last", func() error {
		it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: from, UpperBound: to})
		if err != nil {
			return err
		}
		if it.Last() {
			k, v, ok = bytes.Clone(it.Key()), bytes.Clone(it.Value()), true
		}
		return errors.Join(it.Error(), it.Close())
	})
	if err != nil {
		return nil, nil, false, err
	}
	return k, v, ok, nil
}

// Verify reads every key and value of the store, so that Pebble checks
// every block it reads: the first damage found is returned.
func (s *Store) Verify() error {
	return scanBounds(s.h, s.db, nil, nil, func(k, v []byte) bool { return true })
}

// Dump writes every key and value, in order: the store's whole state, for
// comparing two stores byte for byte.
func (s *Store) Dump(w io.Writer) error {
	var werr error
	err := scanBounds(s.h, s.db, nil, nil, func(k, v []byte) bool {
		_, werr = fmt.Fprintf(w, "%q=%q\n", k, v)
		return werr == nil
	})
	if err != nil {
		return err
	}
	return werr
}

type reader interface {
	Get(key []byte) ([]byte, io.Closer, error)
	NewIter(o *pebble.IterOptions) (*pebble.Iterator, error)
}

func get(h *health, r reader, key []byte) (out []byte, found bool, err error) {
	err = h.guard("get", func() error {
		v, closer, err := r.Get(key)
		if errors.Is(err, pebble.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		out, found = bytes.Clone(v), true
		return closer.Close()
	})
	if err != nil {
		return nil, false, err
	}
	return out, found, nil
}

// scanBounds calls fn for each key in [from, to). A panic of fn is the
// caller's, not Pebble's: it is raised again once the iterator is closed,
// and does not fail the store.
func scanBounds(h *health, r reader, from, to []byte, fn func(k, v []byte) bool) error {
	var fnPanic any
	call := func(k, v []byte) (more bool) {
		defer func() {
			if r := recover(); r != nil {
				fnPanic, more = r, false
			}
		}()
		return fn(k, v)
	}
	err := h.guard("scan", func() error {
		it, err := r.NewIter(&pebble.IterOptions{LowerBound: from, UpperBound: to})
		if err != nil {
			return err
		}
		for ok := it.First(); ok; ok = it.Next() {
			if !call(bytes.Clone(it.Key()), bytes.Clone(it.Value())) {
				break
			}
		}
		return errors.Join(it.Error(), it.Close())
	})
	if fnPanic != nil {
		panic(fnPanic)
	}
	return err
}

// prefixEnd is the first key after every key with the prefix.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
