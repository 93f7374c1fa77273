package wasm

import "github.com/stagecraft/stagecraft/runtime/wasm/manifest"

// Param is an input or output of an action's manifest.
type Param = manifest.Param

// Embed returns the module with the manifest's JSON in its custom section
// "stagecraft.manifest" (replacing one that is there), after validating
// the manifest; what `stagecraft module pack` does.
func Embed(wasm, manifestJSON []byte) ([]byte, error) { return manifest.Embed(wasm, manifestJSON) }
