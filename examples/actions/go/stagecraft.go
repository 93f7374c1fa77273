//go:build wasip1

// This file is the whole SDK a Go action needs (spec/wasm.md): copy it
// into your module. It exports the allocator the host writes inputs with,
// and helpers that decode the inputs and encode the reply.
package main

import (
	"encoding/json"
	"unsafe"
)

// input is the buffer the host writes the inputs into; keeping it in a
// package variable keeps it alive until the action has read it.
var input []byte

// output keeps the reply alive until the host has read it.
var output []byte

//go:wasmexport stagecraft_alloc
func stagecraftAlloc(size int32) int32 {
	input = make([]byte, size+1) // +1: never a zero-length buffer
	return int32(uintptr(unsafe.Pointer(&input[0])))
}

//go:wasmimport stagecraft log
func hostLog(ptr unsafe.Pointer, size uint32)

// Log writes a line to the call's log, which the host keeps on the
// item's timeline (up to the log limit).
func Log(msg string) {
	if msg == "" {
		return
	}
	hostLog(unsafe.Pointer(unsafe.StringData(msg)), uint32(len(msg)))
}

// Serve decodes the inputs at ptr into in (a pointer to a struct whose
// json tags are the manifest's input names), calls action and returns its
// outputs, or the error it returned, as the ABI's reply.
func Serve[In, Out any](ptr, size int32, action func(In) (Out, error)) int64 {
	var in In
	var reply any
	// The inputs are where the host wrote them, at ptr (spec/wasm.md): a
	// buffer stagecraft_alloc returned, kept alive by input.
	data := unsafe.Slice((*byte)(unsafe.Add(nil, ptr)), size)
	if err := json.Unmarshal(data, &in); err != nil {
		reply = map[string]string{"error": "bad inputs: " + err.Error()}
	} else if out, err := action(in); err != nil {
		reply = map[string]string{"error": err.Error()}
	} else {
		reply = map[string]any{"outputs": out}
	}
	b, err := json.Marshal(reply)
	if err != nil {
		b = []byte(`{"error":"cannot encode the outputs"}`)
	}
	output = b
	return int64(uintptr(unsafe.Pointer(&output[0])))<<32 | int64(len(output))
}

// Warm runs encoding/json once over an action's types, as Serve does:
// the inputs (a sample of their JSON) decoded into In, and a reply of Out
// and an error reply encoded. Call it from an init function for each
// action. The host resets the module's memory to its state right after
// initialisation before every call, so a cache that encoding/json builds
// during a call (its encoders and the fields of each type) is thrown away
// with the call, and rebuilt in the next one: most of a small action's
// time. Built during initialisation, the caches are part of the state
// every call starts from (this example's calls: ~170-180 instead of
// ~290-330 µs of CPU each, BenchmarkCall/go).
func Warm[In, Out any](sample string) {
	var in In
	_ = json.Unmarshal([]byte(sample), &in)
	var out Out
	_, _ = json.Marshal(map[string]any{"outputs": out})
	_, _ = json.Marshal(map[string]string{"error": "warm"})
}
