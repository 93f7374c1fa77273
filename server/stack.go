package server

import "net/http"

// growStack grows the calling goroutine's stack at once to what a call
// needs at its deepest (Pebble's reads, the engine), while it is shallow.
//
// Go's HTTP/2 server runs each request on a goroutine of its own, whose
// stack starts small and is copied each time it doubles: a copy walks
// every frame of the stack, and deep in a call that is most of a
// request's CPU after its system calls (an eighth of Ingest's over HTTP/2,
// measured). Grown here, near the bottom, it is copied once, cheaply.
// HTTP/1.1 serves a connection's requests on one goroutine, whose stack
// stays grown.
//
//go:noinline
func growStack() byte {
	var frame [growFrame]byte
	return frame[growIndex]
}

// growFrame is the frame that makes the stack 16 KiB, the largest size
// the runtime keeps in per-processor caches: deeper calls grow it again.
const growFrame = 10 << 10

var growIndex = 0 // read, so that the frame is not optimized away

// grown runs h on a grown stack for HTTP/2 requests.
func grown(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 {
			growStack()
		}
		h.ServeHTTP(w, r)
	})
}
