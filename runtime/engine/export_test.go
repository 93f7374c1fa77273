package engine

import "fmt"

// SeedTimers adds n pending timers, due from due on, in one batch: the tick
// benchmark needs 100,000 of them, which would take a minute to make one
// synced input at a time. They belong to items that do not exist, so that
// no item's list of timers grows to n.
func SeedTimers(e *Engine, n int, due int64) error {
	b := e.st.NewBatch()
	t := &tx{e: e, b: b, in: Input{Seq: e.seq}, items: map[string]*item{}, res: &Result{}}
	for i := 0; i < n; i++ {
		t.schedule(due+int64(i), timerRule, timer{Item: fmt.Sprintf("seed%d", i), Rule: 0, Trigger: -1})
	}
	if err := b.Apply(); err != nil {
		return err
	}
	return b.Wait()
}
