//go:build unix

package wasm

import (
	"runtime"
	"syscall"
)

// reserve maps the limit's bytes for l's memory: zero, and costing
// nothing until touched. It returns nil when the kernel will not (the
// memory then grows in the Go heap). The mapping is unmapped once l is
// unreachable. The instance holds l (instance.mem) for as long as its
// module can run or be read, a call in progress included, and wazero's
// memory instance holds it until the module is closed; so no access to
// the memory can find it unmapped.
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
