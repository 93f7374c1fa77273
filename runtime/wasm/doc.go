// Package wasm is the sandbox that runs custom actions shipped as
// WebAssembly modules (spec/wasm.md), and the only importer of wazero. It
// loads a module (refusing any import it does not grant, reading and
// validating the manifest in its "stagecraft.manifest" section, computing
// its sha256 identity), and calls an action with typed inputs, under hard
// limits on memory, time, input, output and log, checking the outputs
// against the manifest: a module that lies about its types gets a typed
// error, never a wrong value. Every call runs on an instance that no other
// call has run on, with a fake clock and a fixed-seed random stream, so
// the same inputs give the same outputs and nothing leaks between calls.
//
// The manifest itself is read by package manifest, which links no wazero,
// so the checker can read a module's signatures without this host.
package wasm
