#!/usr/bin/env bash
# Builds lead-score.wasm: AssemblyScript (npm assemblyscript, pinned in
# package.json and package-lock.json, installed here into node_modules),
# then the manifest put into its custom section by
# `stagecraft module pack`, which then loads the module as the host does.
#   OUT=path/to/lead-score.wasm ./build.sh     (default: ./lead-score.wasm)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${OUT:-$here/lead-score.wasm}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$here"
if [ ! -x node_modules/.bin/asc ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
# --runtime stub: a bump allocator and no garbage collector; every call
# starts from a clean instance, so nothing needs collecting.
# --use abort=...: our abort logs and traps, instead of importing env.abort.
node_modules/.bin/asc assembly/index.ts -o "$tmp/plain.wasm" \
    --runtime stub --use abort=assembly/stagecraft/abort -O3 --noAssert
# Outside this repository, with the stagecraft command installed:
#   stagecraft module pack --manifest manifest.json -o OUT.wasm plain.wasm
(cd "$root" && go run ./cmd/stagecraft module pack --manifest "$here/manifest.json" -o "$out" "$tmp/plain.wasm")
