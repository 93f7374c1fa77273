// Package store keeps the engine's state in Pebble; it is the only importer
// of Pebble. It knows keys and bytes, not items or rules: the key layout is
// in keys.go and spec/storage.md, the values are the engine's.
//
// Writes go through a Batch that also reads its own writes, so that one
// input's effects are computed and committed together. Commit is in two
// halves: Apply makes the batch visible to later readers in order, and Wait
// returns once it is synced to disk. The engine applies inputs one at a time
// but waits outside its lock, so that concurrent inputs share one fsync.
package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Store is an open Pebble database.
type Store struct {
	db *pebble.DB
}

// Open opens or creates the store in dir; fs nil means the OS file system.
func Open(dir string, fs vfs.FS) (*Store, error) {
	// Inputs write many small keys, each batch synced: larger memtables
	// mean fewer flushes and compactions competing with them for the CPU.
	opts := &pebble.Options{Logger: quiet{}, MemTableSize: 64 << 20}
	if fs != nil {
		opts.FS = fs
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return &Store{db: db}, nil
}

// OpenMem opens an empty store in memory, for tests and dry runs.
func OpenMem() (*Store, error) { return Open("mem", vfs.NewMem()) }

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// Get reads a committed value.
func (s *Store) Get(key []byte) ([]byte, bool, error) { return get(s.db, key) }

// Scan calls fn for every committed key with the prefix, in key order, until
// fn returns false.
func (s *Store) Scan(prefix []byte, fn func(k, v []byte) bool) error {
	return scan(s.db, prefix, fn)
}

// ScanRange is Scan over [from, to).
func (s *Store) ScanRange(from, to []byte, fn func(k, v []byte) bool) error {
	return scanBounds(s.db, from, to, fn)
}

// Last returns the last committed key in [from, to) and its value.
func (s *Store) Last(from, to []byte) (k, v []byte, ok bool, err error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: from, UpperBound: to})
	if err != nil {
		return nil, nil, false, err
	}
	if it.Last() {
		k, v, ok = bytes.Clone(it.Key()), bytes.Clone(it.Value()), true
	}
	return k, v, ok, errors.Join(it.Error(), it.Close())
}

// Batch is one input's writes; it reads its own writes.
type Batch struct {
	s *Store
	b *pebble.Batch
}

// NewBatch starts a batch.
func (s *Store) NewBatch() *Batch { return &Batch{s: s, b: s.db.NewIndexedBatch()} }

func (b *Batch) Get(key []byte) ([]byte, bool, error) { return get(b.b, key) }
func (b *Batch) Set(key, val []byte)                  { _ = b.b.Set(key, val, nil) }
func (b *Batch) Delete(key []byte)                    { _ = b.b.Delete(key, nil) }

// ScanRange is Store.ScanRange seeing the batch's writes.
func (b *Batch) ScanRange(from, to []byte, fn func(k, v []byte) bool) error {
	return scanBounds(b.b, from, to, fn)
}

// Apply commits the batch with Sync requested: its writes are visible to
// every later reader when Apply returns; Wait returns when they are on disk.
func (b *Batch) Apply() error { return b.s.db.ApplyNoSyncWait(b.b, pebble.Sync) }

// Wait waits for the batch to be durable and releases it.
func (b *Batch) Wait() error {
	err := b.b.SyncWait()
	b.b.Close()
	return err
}

// Discard drops an uncommitted batch.
func (b *Batch) Discard() { b.b.Close() }

type reader interface {
	Get(key []byte) ([]byte, io.Closer, error)
	NewIter(o *pebble.IterOptions) (*pebble.Iterator, error)
}

func get(r reader, key []byte) ([]byte, bool, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := bytes.Clone(v)
	closer.Close()
	return out, true, nil
}

func scan(r reader, prefix []byte, fn func(k, v []byte) bool) error {
	return scanBounds(r, prefix, prefixEnd(prefix), fn)
}

func scanBounds(r reader, from, to []byte, fn func(k, v []byte) bool) error {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: from, UpperBound: to})
	if err != nil {
		return err
	}
	for ok := it.First(); ok; ok = it.Next() {
		if !fn(bytes.Clone(it.Key()), bytes.Clone(it.Value())) {
			break
		}
	}
	return errors.Join(it.Error(), it.Close())
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

// Dump writes every key and value, in order: the store's whole state, for
// comparing two stores byte for byte.
func (s *Store) Dump(w io.Writer) error {
	return scanBounds(s.db, nil, nil, func(k, v []byte) bool {
		fmt.Fprintf(w, "%q=%q\n", k, v)
		return true
	})
}

type quiet struct{}

func (quiet) Infof(string, ...any)  {}
func (quiet) Errorf(string, ...any) {}
func (quiet) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}
