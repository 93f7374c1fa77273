package store

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Batch is one input's writes; it reads its own writes. It is committed
// whole or not at all: a Set or Delete that fails is remembered, and Apply
// then returns that error and commits nothing.
type Batch struct {
	s     *Store
	b     *pebble.Batch // nil once released
	err   error         // the first error of Set or Delete; or why the batch could not start
	state batchState
}

type batchState uint8

const (
	building batchState = iota
	applied             // Apply succeeded: Wait waits for the sync
	failed              // Apply failed: nothing to wait for
	released            // Wait or Discard released the batch
)

var (
	errApplied  = errors.New("store: batch already applied")
	errReleased = errors.New("store: batch already released")
)

// NewBatch starts a batch. If the store has failed or is closed, the batch
// holds that error: every call on it returns it.
func (s *Store) NewBatch() *Batch {
	b := &Batch{s: s}
	b.err = s.h.guard("new batch", func() error {
		b.b = s.db.NewIndexedBatch()
		return nil
	})
	if b.err != nil {
		b.state = released
	}
	return b
}

// Err is the first error of the batch's Sets and Deletes.
func (b *Batch) Err() error { return b.err }

// Get reads a value, seeing the batch's writes.
func (b *Batch) Get(key []byte) ([]byte, bool, error) {
	if err := b.usable(); err != nil {
		return nil, false, err
	}
	return get(b.s.h, b.b, key)
}

// ScanRange is Store.ScanRange seeing the batch's writes.
func (b *Batch) ScanRange(from, to []byte, fn func(k, v []byte) bool) error {
	if err := b.usable(); err != nil {
		return err
	}
	return scanBounds(b.s.h, b.b, from, to, fn)
}

// Set writes a value. The error is also kept for Apply: a caller may
// check it here or there.
func (b *Batch) Set(key, val []byte) error {
	return b.write("set", func() error { return b.b.Set(key, val, nil) })
}

// Delete deletes a key; its error is kept for Apply as Set's is.
func (b *Batch) Delete(key []byte) error {
	return b.write("delete", func() error { return b.b.Delete(key, nil) })
}

// write runs a Set or Delete. Pebble panics on a batch past 4 GB: that is
// this batch's error, not the store's.
func (b *Batch) write(op string, f func() error) (err error) {
	if b.err != nil {
		return b.err
	}
	if b.state != building {
		return b.stateErr()
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: %s: %v", op, r)
		}
		if err != nil && b.err == nil {
			b.err = err
		}
	}()
	if err := f(); err != nil {
		return fmt.Errorf("store: %s: %v", op, err)
	}
	return nil
}

// usable is nil if the batch can still be read.
func (b *Batch) usable() error {
	if b.state == building || b.state == applied && b.b != nil {
		return nil
	}
	return b.stateErr()
}

func (b *Batch) stateErr() error {
	switch {
	case b.state == released && b.err != nil:
		return b.err
	case b.state == released:
		return errReleased
	case b.state == failed && b.err != nil:
		return b.err
	}
	return errApplied
}

// Apply commits the batch with Sync requested: its writes are visible to
// every later reader when Apply returns; Wait returns when they are on disk.
// If a Set or Delete failed, Apply returns its error and commits nothing.
// After an error, Discard releases the batch.
func (b *Batch) Apply() error {
	if b.err != nil {
		return b.err
	}
	if b.state != building {
		return b.stateErr()
	}
	err := b.s.h.await("apply", func() error {
		if err := b.s.h.backgroundErr(); err != nil {
			return fmt.Errorf("writes refused until Pebble's flushes and compactions succeed again: %w", err)
		}
		return b.s.db.ApplyNoSyncWait(b.b, pebble.Sync)
	})
	if err == nil {
		err = b.s.Err() // a fatal error Pebble met while committing, if Fatalf returned
	}
	if err != nil {
		// Pebble may still hold the batch (a failed commit): it is not
		// reused, only dropped.
		b.err, b.state, b.b = err, failed, nil
		return err
	}
	b.state = applied
	return nil
}

// Wait waits for an applied batch to be durable and releases it. An error
// means the batch may not survive a restart: it must not be acknowledged.
func (b *Batch) Wait() error {
	if b.state != applied {
		if b.state == building {
			return errors.New("store: wait for a batch not applied")
		}
		return b.stateErr()
	}
	pb := b.b
	b.state, b.b = released, nil
	// Inline: SyncWait waits for the WAL's own goroutine, which never
	// calls Fatalf (a failed sync is its error).
	err := b.s.h.guard("sync", pb.SyncWait)
	if err != nil {
		// A failed sync leaves the WAL in a state no one knows: Pebble's
		// next write to it fails too, and rotating it would crash the
		// process. The store takes no more writes.
		b.err = b.s.h.fail(fmt.Errorf("%w: %v", ErrFailed, err))
		return b.err
	}
	_ = pb.Close()
	return nil
}

// Discard drops an uncommitted batch, or one whose Apply failed; on an
// applied batch it gives up waiting (the batch stays committed); on a
// released one it does nothing.
func (b *Batch) Discard() {
	if b.state == building && b.b != nil {
		_ = b.b.Close()
	}
	b.state, b.b = released, nil
}
