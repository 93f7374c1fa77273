// Package e2e tests `stagecraft serve` as its users meet it: the binary
// built once, started as a process on a free port over a data folder made
// with `stagecraft keys create`, and driven through the generated Connect
// clients over Connect, gRPC and gRPC-Web; killed with SIGKILL and started
// again. It has no code of its own outside its tests.
package e2e
