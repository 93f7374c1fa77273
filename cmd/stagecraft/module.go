package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stagecraft/stagecraft/internal/atomicfile"
	"github.com/stagecraft/stagecraft/runtime/wasm"
)

const moduleUsage = `usage: stagecraft module check MODULE.wasm
       stagecraft module pack --manifest FILE [-o OUT.wasm] MODULE.wasm`

// cmdModule is for the authors of custom actions (spec/wasm.md): pack
// puts a manifest into the custom section "stagecraft.manifest" of a
// module their toolchain built (replacing one that is there; nothing else
// changes), and check loads a module as the host does (imports, exports,
// memory, manifest), runs its initialisation once, as a deploy does, and
// prints its identity and actions. Both exit 1 when
// the host would refuse the module, saying why, and 2 on a usage or I/O
// failure. pack writes nothing the host refuses.
func cmdModule(args []string, stdout, stderr io.Writer) int {
	if code, ok := subcommand("module", moduleUsage, []string{"check", "pack"}, args, stdout, stderr); !ok {
		return code
	}
	sub := args[0]
	c := newCommand("module "+sub, "MODULE.wasm", stdout, stderr)
	var man, out string
	if sub == "pack" {
		c.synopsis = "--manifest FILE [-o OUT.wasm] MODULE.wasm"
		c.fl.StringVar(&man, "manifest", "", "the manifest's JSON `file`")
		c.fl.StringVar(&out, "o", "", "write the module with its manifest to `OUT.wasm` (default: MODULE.wasm, in place)")
	}
	paths, code, ok := c.parse(args[1:])
	if !ok {
		return code
	}
	if len(paths) != 1 {
		return c.fail("name one MODULE.wasm")
	}
	if sub == "pack" && man == "" {
		return c.fail("--manifest FILE is required")
	}
	in := paths[0]
	data, err := os.ReadFile(in)
	if err != nil {
		fmt.Fprintf(stderr, "stagecraft module %s: %v\n", sub, err)
		return 2
	}
	if sub == "pack" {
		js, err := os.ReadFile(man)
		if err != nil {
			fmt.Fprintf(stderr, "stagecraft module pack: %v\n", err)
			return 2
		}
		if data, err = wasm.Embed(data, js); err != nil {
			fmt.Fprintf(stderr, "stagecraft module pack: %s: %v\n", man, err)
			return 1
		}
		if out == "" {
			out = in
		}
	}
	host, err := newHost()
	if err != nil {
		fmt.Fprintf(stderr, "stagecraft module %s: %v\n", sub, err)
		return 2
	}
	defer host.Close(context.Background())
	m, err := host.Load(context.Background(), data)
	if err == nil {
		// As a deploy does: Load runs none of the module's code, and a
		// module whose _initialize traps or never returns would fail
		// every call.
		err = m.CheckInit(context.Background())
	}
	if err != nil {
		fmt.Fprintf(stderr, "stagecraft module %s: %s: %v\n", sub, in, err)
		return 1
	}
	if sub == "pack" {
		// Whole or not at all: pack rewrites the author's module in place
		// by default, and a write cut short must not lose it.
		if err := atomicfile.Write(out, data, 0o644); err != nil {
			fmt.Fprintf(stderr, "stagecraft module pack: %v\n", err)
			return 2
		}
	}
	mf := m.Manifest()
	fmt.Fprintf(stdout, "%s %s %s\n", mf.Name, mf.Version, m.Hash())
	for _, a := range mf.Actions {
		fmt.Fprintf(stdout, "  action %s(%s) -> (%s)\n", a.Name, params(a.Inputs), params(a.Outputs))
	}
	return 0
}

// params writes an action's inputs or outputs as a signature does.
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
