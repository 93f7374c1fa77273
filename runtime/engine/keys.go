package engine

import (
	"encoding/binary"
	"encoding/hex"
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

func keyLog(seq int64) []byte { return append([]byte(layout+"log/"), hex16(uint64(seq))...) }

func seqOfLogKey(k []byte) int64 {
	var seq int64
	fmt.Sscanf(string(k[len(keyLogStart):]), "%x", &seq)
	return seq
}

func keyProgramAt(version int64) []byte {
	return append([]byte(layout+"prog/"), hex16(uint64(version))...)
}

func keyItem(id string) []byte { return []byte(layout + "item/" + id) }

func keyTimeline(id string, seq int64) []byte {
	return append([]byte(layout+"tl/"+id+"/"), hex16(uint64(seq))...)
}

func keyTimelineOf(id string) []byte { return []byte(layout + "tl/" + id + "/") }

// keyTimerAt orders timers by due time; the input and position make the
// key unique, and the last letter says what kind of timer it is.
func keyTimerAt(due, seq int64, n int, kind byte) []byte {
	k := append([]byte(layout+"timer/"), hex16(uint64(due))...)
	k = append(append(k, '/'), keyAt("", seq, n)...)
	return append(k, '/', kind)
}

// hex16 and hex4 are fixed-width lower-case hex, so that keys sort as the
// numbers do.
func hex16(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return []byte(hex.EncodeToString(b[:]))
}

func hex4(n int) []byte {
	return []byte{hexDigits[n>>12&15], hexDigits[n>>8&15], hexDigits[n>>4&15], hexDigits[n&15]}
}

const hexDigits = "0123456789abcdef"

// keyTimerUntil is the first timer key after every timer due at or before due.
func keyTimerUntil(due int64) []byte {
	return append([]byte(layout+"timer/"), hex16(uint64(due+1))...)
}

func keyOutboxAt(seq int64, n int) []byte { return keyAt(layout+"outbox/", seq, n) }

func keyRecordAt(seq int64, n int) []byte { return keyAt(layout+"rec/", seq, n) }

func keyAt(prefix string, seq int64, n int) []byte {
	k := append([]byte(prefix), hex16(uint64(seq))...)
	return append(append(k, '/'), hex4(n)...)
}
