package engine

import (
	"encoding/binary"
	"fmt"
)

// The key layout, version 1 (spec/storage.md). Every key starts with the
// layout version so that a later layout can live beside this one while a
// store is migrated. Numbers in keys are big-endian hex, so that keys sort
// as the numbers do.
const layout = "1/"

var (
	keyLogStart = []byte(layout + "log/")
	keyLogEnd   = []byte(layout + "log0")
	keyTimer    = []byte(layout + "timer/")
	keyOutbox   = []byte(layout + "outbox/")
	keyRecord   = []byte(layout + "rec/")
	keyClock    = []byte(layout + "meta/clock") // the time of the last tick
	keyProgram  = []byte(layout + "prog/")
)

func keyLog(seq int64) []byte { return []byte(fmt.Sprintf("%slog/%016x", layout, seq)) }

func seqOfLogKey(k []byte) int64 {
	var seq int64
	fmt.Sscanf(string(k[len(keyLogStart):]), "%x", &seq)
	return seq
}

func keyProgramAt(version int64) []byte {
	return []byte(fmt.Sprintf("%sprog/%016x", layout, version))
}

func keyItem(id string) []byte { return []byte(layout + "item/" + id) }

func keyTimeline(id string, seq int64, n int) []byte {
	return []byte(fmt.Sprintf("%stl/%s/%016x/%04x", layout, id, seq, n))
}

func keyTimelineOf(id string) []byte { return []byte(layout + "tl/" + id + "/") }

// keyTimerAt orders timers by due time; the rest makes the key unique.
func keyTimerAt(due int64, id string) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(due))
	return []byte(fmt.Sprintf("%stimer/%x/%s", layout, b, id))
}

// keyTimerUntil is the first timer key after every timer due at or before due.
func keyTimerUntil(due int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(due+1))
	return []byte(fmt.Sprintf("%stimer/%x", layout, b))
}

func keyOutboxAt(seq int64, n int) []byte {
	return []byte(fmt.Sprintf("%soutbox/%016x/%04x", layout, seq, n))
}

func keyRecordAt(seq int64, n int) []byte {
	return []byte(fmt.Sprintf("%srec/%016x/%04x", layout, seq, n))
}
