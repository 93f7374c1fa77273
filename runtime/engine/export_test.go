package engine

import (
	"context"
	"fmt"
)

// SeedTimers adds n pending timers, due from due on, in one batch: the tick
// benchmark needs 100,000 of them, which would take a minute to make one
// synced input at a time. They belong to items that do not exist, so that
// no item's list of timers grows to n; they must never come due.
func SeedTimers(e *Engine, n int, due int64) error {
	b := e.st.NewBatch()
	t := &tx{ctx: context.Background(), e: e, b: b, in: Input{Seq: e.seq}, next: e.next, items: map[string]*item{}, res: &Result{}}
	for i := 0; i < n; i++ {
		t.schedule(due+int64(i), timerRule, timer{Item: fmt.Sprintf("seed%d", i), Rule: "seed"})
	}
	if err := b.Apply(); err != nil {
		return err
	}
	return b.Wait()
}

// ApplyBatched applies inputs as Apply does, but perBatch of them to one
// batch and one sync: benchmarks build stores of a million deals with it.
// The inputs are logged as usual, so the store is what Apply would make.
func ApplyBatched(e *Engine, ins []Input, perBatch int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(ins) > 0 {
		chunk := ins[:min(perBatch, len(ins))]
		ins = ins[len(chunk):]
		b := e.st.NewBatch()
		for _, in := range chunk {
			in.Seq = e.seq + 1
			t := &tx{ctx: context.Background(), e: e, b: b, in: in, now: in.Time, next: e.next, items: map[string]*item{}, res: &Result{Seq: in.Seq}}
			if err := t.run(); err != nil {
				b.Discard()
				return err
			}
			if err := t.flush(); err != nil {
				b.Discard()
				return err
			}
			e.seq, e.next = in.Seq, t.next
			if in.Kind == "tick" {
				e.clock = in.Time
			}
			t.remember()
		}
		if err := b.Apply(); err != nil {
			return err
		}
		if err := b.Wait(); err != nil {
			return err
		}
		e.durable.Store(e.seq)
	}
	return nil
}
