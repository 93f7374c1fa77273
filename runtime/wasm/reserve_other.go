//go:build !unix

package wasm

// reserve reserves nothing here: memory grows in the Go heap.
func (*linearMemory) reserve() []byte { return nil }

func release([]byte) {}
