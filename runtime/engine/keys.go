package engine

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
)

// The key layout, version 2 (spec/storage.md). Every key starts with the
// layout version so that a later layout can live beside this one while a
// store is migrated; a store holding keys of another layout is refused.
// Numbers in keys are fixed-width big-endian hex, so that keys sort as the
// numbers do and no count can make two keys collide.
const layout = "2/"

var (
	keyLogStart = []byte(layout + "log/")
	keyLogEnd   = []byte(layout + "log0")
	keyTimer    = []byte(layout + "timer/")
	keyTimerEnd = []byte(layout + "timer0")
	keyAwait    = []byte(layout + "await/") // webhook calls awaiting an answer, by outbox key
	keyOutbox   = []byte(layout + "outbox/")
	keyRecord   = []byte(layout + "rec/")
	keyParked   = []byte(layout + "parked/")    // timers a tick could not run (damage), kept for an operator
	keyClock    = []byte(layout + "meta/clock") // the time of the last tick
	keyNext     = []byte(layout + "meta/next")  // the first timer key a tick reads: every one before it has fired
	keyProgram  = []byte(layout + "prog/")
	keyProgEnd  = []byte(layout + "prog0")
)

// otherLayouts are the prefixes of layouts this build does not read.
var otherLayouts = [][2][]byte{{[]byte("1/"), []byte("10")}}

func keyLog(seq int64) []byte { return append([]byte(layout+"log/"), hex16(uint64(seq))...) }

func seqOfLogKey(k []byte) int64 { return int64(unhex16(k[len(keyLogStart):])) }

func keyProgramAt(version int64) []byte {
	return append([]byte(layout+"prog/"), hex16(uint64(version))...)
}

func versionOfProgramKey(k []byte) int64 { return int64(unhex16(k[len(keyProgram):])) }

// keyPlanAt keeps the plan a deploy applied, by version; nothing scans
// the plans, so the prefix has no variable of its own.
func keyPlanAt(version int64) []byte {
	return append([]byte(layout+"plan/"), hex16(uint64(version))...)
}

// keyParkedOf is where a timer that cannot run is kept: its timer key
// after the prefix, so parked timers list in due order.
func keyParkedOf(timerKey []byte) []byte {
	return append(append([]byte(nil), keyParked...), timerKey[len(keyTimer):]...)
}

func keyItem(id string) []byte { return []byte(layout + "item/" + id) }

func keyAwaitOf(outboxKey string) []byte { return []byte(layout + "await/" + outboxKey) }

func keyTimeline(id string, seq int64) []byte {
	return append([]byte(layout+"tl/"+id+"/"), hex16(uint64(seq))...)
}

func keyTimelineOf(id string) []byte { return []byte(layout + "tl/" + id + "/") }

// keyTimerAt orders timers by due time, then by the input that scheduled
// them and the position in it (the tie-break of equal due times); the
// last letter says what kind of timer it is.
func keyTimerAt(due, seq int64, n int, kind byte) []byte {
	k := append([]byte(layout+"timer/"), hex16(uint64(due))...)
	k = append(append(k, '/'), keyAt("", seq, n)...)
	return append(k, '/', kind)
}

// dueOfTimerKey is the due time written in a timer's key.
func dueOfTimerKey(k []byte) int64 { return int64(unhex16(k[len(keyTimer) : len(keyTimer)+16])) }

// keyTimerFrom is the first timer key due at or after due.
func keyTimerFrom(due int64) []byte {
	return append([]byte(layout+"timer/"), hex16(uint64(due))...)
}

// keyTimerUntil is the first timer key after every timer due at or before due.
func keyTimerUntil(due int64) []byte { return keyTimerFrom(due + 1) }

// hex16 is fixed-width lower-case hex, so that keys sort as the numbers do.
func hex16(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return []byte(hex.EncodeToString(b[:]))
}

func unhex16(b []byte) uint64 {
	v, err := strconv.ParseUint(string(b[:16]), 16, 64)
	if err != nil {
		panic(fmt.Sprintf("malformed key number %q", b)) // keys are written only by this package
	}
	return v
}

func keyOutboxAt(seq int64, n int) []byte { return keyAt(layout+"outbox/", seq, n) }

func keyRecordAt(seq int64, n int) []byte { return keyAt(layout+"rec/", seq, n) }

// keyAt is a key unique to an input's n-th effect: both numbers are
// written in full, so no count of effects can make two keys collide.
func keyAt(prefix string, seq int64, n int) []byte {
	k := append([]byte(prefix), hex16(uint64(seq))...)
	return append(append(k, '/'), hex16(uint64(n))...)
}
