//go:build unix

package wasm

import (
	"runtime"
	"syscall"
)

// reserve maps the limit's bytes for l's memory: zero, and costing
// nothing until touched. It returns nil when the kernel will not (the
// memory then grows in the Go heap). The mapping is unmapped once l is
// unreachable: wazero's memory instance holds l, so never while the
// module, or a guest still running in it (a module closed from another
// goroutine), can reach the memory, and no access can fault.
func (l *linearMemory) reserve() []byte {
	if l.limit == 0 || l.limit > 1<<32 {
		return nil
	}
	b, err := syscall.Mmap(-1, 0, int(l.limit), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	runtime.AddCleanup(l, func(m []byte) { syscall.Munmap(m) }, b)
	return b
}

// release gives the pages of a reserved mapping back to the kernel: read
// again, they are zero.
func release(b []byte) {
	syscall.Madvise(b, syscall.MADV_DONTNEED)
}
