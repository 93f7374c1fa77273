// Package gen holds the Go code generated from the API contract in proto/
// (stagecraft/v1: the messages; stagecraft/v1/stagecraftv1connect: the
// Connect clients and handlers). The generated code is committed; run
// `go generate ./gen` after editing a .proto file, and TestGenerated fails
// while gen/ is stale. The generators are pinned in go.mod as tools
// (buf, protoc-gen-go, protoc-gen-connect-go) and run locally, with no
// remote registry.
package gen

//go:generate sh -c "cd .. && go tool buf lint && go tool buf generate"
