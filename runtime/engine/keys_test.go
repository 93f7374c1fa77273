package engine

import "testing"

// TestKeysDoNotCollide: the position of an effect in its input is written
// in full, so no count of effects in one input can make two keys equal
// (a 4-digit position once wrapped at 65,536).
func TestKeysDoNotCollide(t *testing.T) {
	seen := map[string]int{}
	for _, n := range []int{1, 1 << 16, 1<<16 + 1, 1 << 32, 1<<32 + 1} {
		for name, k := range map[string][]byte{
			"timer":  keyTimerAt(100, 7, n, timerRule),
			"outbox": keyOutboxAt(7, n),
			"record": keyRecordAt(7, n),
		} {
			if m, ok := seen[string(k)]; ok {
				t.Errorf("%s key of position %d equals that of position %d: %q", name, n, m, k)
			}
			seen[string(k)] = n
		}
	}
	// Keys sort as their numbers do.
	if a, b := string(keyTimerAt(100, 7, 1<<16, timerRule)), string(keyTimerAt(100, 7, 1<<16+1, timerRule)); a >= b {
		t.Errorf("%q sorts after %q", a, b)
	}
	if got := dueOfTimerKey(keyTimerAt(1767603600, 7, 3, timerKept)); got != 1767603600 {
		t.Errorf("due %d", got)
	}
}
