package server

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
)

// The garbage collector's settings while the server runs.
//
// Its live heap is small (Pebble keeps its caches and memtables off the
// Go heap) and every call leaves tens of kilobytes of garbage: at Go's
// default GOGC of 100 the collector ran every few megabytes, a fifth of a
// call's CPU. With a soft memory limit in force the heap may grow to 11
// times the live heap between collections (GOGC=1000): the limit, not the
// ratio, bounds it where memory is short. Measured in BenchmarkCheck and
// BenchmarkIngest, the collector's CPU per call was 4 to 12 µs at
// GOGC=400, 0.6 to 2.7 µs at GOGC=1000. A larger heap is also more memory
// touched for the first time as the process starts (a page fault, 12 µs
// on the 2-core VM measured): over a run of 8,000 calls from a fresh
// process that cost more than the collections saved, over 30,000 calls
// less; a server runs far longer. Without a limit (the memory could not
// be read, or Config.MemoryLimit is negative) the ratio stays at 400.
const (
	// DefaultGCPercent is GOGC's default under a memory limit.
	DefaultGCPercent = 1000
	// unlimitedGCPercent is GOGC's default without one.
	unlimitedGCPercent = 400
	// memoryShare is the default memory limit's share of the memory the
	// process may use (its cgroup's limit, else the machine's).
	memoryShare = 4
)

// gcSettings are GOGC and the memory limit to set; 0 leaves either as it
// is. env looks up the environment, which wins; mem is the memory the
// process may use, 0 if unknown.
func gcSettings(cfg Config, env func(string) (string, bool), mem int64) (percent int, limit int64) {
	_, gogc := env("GOGC")
	_, gomemlimit := env("GOMEMLIMIT")
	switch {
	case gomemlimit:
		limit = 0 // Go read it at start
	case cfg.MemoryLimit > 0:
		limit = cfg.MemoryLimit
	case cfg.MemoryLimit == 0 && mem > 0:
		limit = mem / memoryShare
	}
	limited := gomemlimit || limit > 0
	switch {
	case gogc || cfg.GCPercent < 0:
		percent = 0
	case cfg.GCPercent > 0:
		percent = cfg.GCPercent
	case limited:
		percent = DefaultGCPercent
	default:
		percent = unlimitedGCPercent
	}
	return percent, limit
}

// setGC applies cfg's settings and returns what restores Go's.
func setGC(cfg Config) (restore func()) {
	percent, limit := gcSettings(cfg, os.LookupEnv, memory())
	oldPercent, oldLimit := -2, int64(-1)
	if percent > 0 {
		oldPercent = debug.SetGCPercent(percent)
	}
	if limit > 0 {
		oldLimit = debug.SetMemoryLimit(limit)
	}
	return func() {
		if oldPercent != -2 {
			debug.SetGCPercent(oldPercent)
		}
		if oldLimit >= 0 {
			debug.SetMemoryLimit(oldLimit)
		}
	}
}

// memory is the memory the process may use: its cgroup's limit (v2) if
// one is set, else the machine's; 0 where neither can be read (not Linux).
func memory() int64 {
	total := memTotal(readFile("/proc/meminfo"))
	if cg := cgroupPath(readFile("/proc/self/cgroup")); cg != "" {
		if max := cgroupMax(readFile(filepath.Join("/sys/fs/cgroup", cg, "memory.max"))); max > 0 && (total == 0 || max < total) {
			return max
		}
	}
	return total
}

func readFile(name string) []byte {
	b, _ := os.ReadFile(name)
	return b
}

// memTotal reads MemTotal from /proc/meminfo, in bytes; 0 if absent.
func memTotal(meminfo []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil && kb > 0 {
				return kb << 10
			}
		}
	}
	return 0
}

// cgroupPath is the process's cgroup v2 path from /proc/self/cgroup
// ("0::/PATH"); empty under cgroup v1 or elsewhere.
func cgroupPath(cgroup []byte) string {
	for _, line := range strings.Split(string(cgroup), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok && strings.HasPrefix(p, "/") {
			return p
		}
	}
	return ""
}

// cgroupMax reads a cgroup's memory.max: bytes, or 0 for "max" (none).
func cgroupMax(b []byte) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
