// Command wasmpack puts a manifest into a stagecraft action module and
// checks the result the way the host will load it (spec/wasm.md):
//
//	wasmpack -manifest manifest.json -o action.wasm build/plain.wasm
//	wasmpack -check action.wasm
//
// The manifest goes into the custom section "stagecraft.manifest",
// replacing one that is there; nothing else in the module changes. Then
// the module is loaded as the host loads it (imports, exports, memory,
// manifest), and its identity and actions are printed. Exit 1 when the
// module would be refused, 2 on a usage or I/O error.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/stagecraft/stagecraft/runtime/wasm"
)

func main() {
	man := flag.String("manifest", "", "the manifest's JSON file")
	out := flag.String("o", "", "where to write the module with its manifest (default: in place)")
	check := flag.Bool("check", false, "only load the module and print its manifest")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: wasmpack -manifest manifest.json [-o out.wasm] module.wasm\n       wasmpack -check module.wasm")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || (*man == "") == !*check {
		flag.Usage()
		os.Exit(2)
	}
	in := flag.Arg(0)
	data, err := os.ReadFile(in)
	if err != nil {
		fail(2, err)
	}
	if !*check {
		js, err := os.ReadFile(*man)
		if err != nil {
			fail(2, err)
		}
		if data, err = wasm.Embed(data, js); err != nil {
			fail(1, fmt.Errorf("%s: %v", *man, err))
		}
		if *out == "" {
			*out = in
		}
	}
	ctx := context.Background()
	h, err := wasm.New(ctx, wasm.Options{})
	if err != nil {
		fail(2, err)
	}
	defer h.Close(ctx)
	m, err := h.Load(ctx, data)
	if err != nil {
		fail(1, fmt.Errorf("%s: %v", in, err))
	}
	if !*check {
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			fail(2, err)
		}
	}
	mf := m.Manifest()
	fmt.Printf("%s %s %s\n", mf.Name, mf.Version, m.Hash())
	for _, a := range mf.Actions {
		fmt.Printf("  action %s(%s) -> (%s)\n", a.Name, params(a.Inputs), params(a.Outputs))
	}
}

func params(ps []wasm.Param) string {
	var s []string
	for _, p := range ps {
		t := p.Name + ": " + p.Type.String()
		if p.Optional {
			t += "?"
		}
		s = append(s, t)
	}
	return strings.Join(s, ", ")
}

func fail(code int, err error) {
	fmt.Fprintln(os.Stderr, "wasmpack:", err)
	os.Exit(code)
}
