#!/usr/bin/env bash
# Builds rabat.wasm: the WAT source with wat2wasm (Debian: apt-get install
# wabt), then the manifest put into its custom section by
# `stagecraft module pack`, which then loads the module as the host does.
#   OUT=path/to/rabat.wasm ./build.sh     (default: ./rabat.wasm)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${OUT:-$here/rabat.wasm}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wat2wasm "$here/rabat.wat" -o "$tmp/plain.wasm"
# Outside this repository, with the stagecraft command installed:
#   stagecraft module pack --manifest manifest.json -o OUT.wasm plain.wasm
(cd "$root" && go run ./cmd/stagecraft module pack --manifest "$here/manifest.json" -o "$out" "$tmp/plain.wasm")
