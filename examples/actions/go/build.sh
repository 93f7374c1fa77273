#!/usr/bin/env bash
# Builds crm-go.wasm: a Go reactor (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared,
# //go:wasmexport), then the manifest put into its custom section by
# `stagecraft module pack`, which then loads the module as the host does.
#   OUT=path/to/crm-go.wasm ./build.sh     (default: ./crm-go.wasm)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${OUT:-$here/crm-go.wasm}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o "$tmp/plain.wasm" .)
# Outside this repository, with the stagecraft command installed:
#   stagecraft module pack --manifest manifest.json -o OUT.wasm plain.wasm
(cd "$root" && go run ./cmd/stagecraft module pack --manifest "$here/manifest.json" -o "$out" "$tmp/plain.wasm")
