package engine_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/examples"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/testrun"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm"
	"github.com/stagecraft/stagecraft/stdlib"
)

// Custom actions through the engine (R-WASM): the engine links no
// WebAssembly runtime; these tests give it runtime/wasm's Runner as the
// commands do.

// wasmLibFS is the standard library with a WebAssembly host; runner
// makes its Runner (nil: one reading the embedded examples).
func wasmLibFS(t testing.TB, runner func(*wasm.Host) *wasm.Runner) action.Library {
	t.Helper()
	host, err := wasm.New(context.Background(), wasm.Options{CallTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close(context.Background()) })
	lib := stdlib.Runtime()
	if runner == nil {
		lib.Custom = wasm.NewRunner(host, compile.FS(examples.FS, ""))
	} else {
		lib.Custom = runner(host)
	}
	return lib
}

// TestCustomReplay: the examples' scenarios that run the rabat module, run
// with the host and replayed into a fresh store with a fresh host, give
// the same state, timeline and outbox byte for byte.
func TestCustomReplay(t *testing.T) {
	p := examplesProgram(t)
	ran := 0
	for _, test := range p.Tests {
		if !strings.Contains(test.Name, "R-WASM") {
			continue
		}
		ran++
		st := openMem(t)
		out, err := testrun.RunOn(st, p, wasmLibFS(t, nil), test)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Failures) > 0 {
			t.Fatalf("%s: %s", test.Name, out.Failures[0].Msg)
		}
		if !timelineHas(out.Timeline, "run rabat: price ") {
			t.Fatalf("%s: the module did not run: %v", test.Name, out.Timeline)
		}
		e, err := engine.New(st, p, wasmLibFS(t, nil))
		if err != nil {
			t.Fatal(err)
		}
		log, err := e.Log()
		if err != nil {
			t.Fatal(err)
		}
		st2 := openMem(t)
		e2, err := engine.Open(st2, wasmLibFS(t, nil), engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range log {
			if _, err := e2.Apply(in); err != nil {
				t.Fatalf("replay of input %d: %v", in.Seq, err)
			}
		}
		if got, want := dump(t, st2), dump(t, st); got != want {
			t.Errorf("%s: the replay with WebAssembly calls differs from the original run", test.Name)
		}
	}
	if ran == 0 {
		t.Fatal("no R-WASM scenario in the examples")
	}
}

func timelineHas(es []engine.Entry, text string) bool {
	for _, e := range es {
		if strings.Contains(e.Text, text) {
			return true
		}
	}
	return false
}

// hostile builds runtime/wasm/testdata/NAME.wat with the manifest on its
// first line into dir/NAME.wasm.
func hostile(t *testing.T, dir, name string) {
	t.Helper()
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		if os.Getenv("STAGECRAFT_WASM_REQUIRED") == "1" {
			t.Fatal("wat2wasm is not installed (apt-get install wabt); STAGECRAFT_WASM_REQUIRED=1 makes this a failure")
		}
		t.Skip("wat2wasm is not installed (apt-get install wabt)")
	}
	src := filepath.Join("..", "wasm", "testdata", name+".wat")
	text, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(text), "\n")
	man, _ := strings.CutPrefix(first, ";; manifest: ")
	plain := filepath.Join(t.TempDir(), name+".plain.wasm")
	if b, err := exec.Command(bin, "--enable-all", src, "-o", plain).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", src, err, b)
	}
	b, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasm.Embed(b, []byte(man))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".wasm"), mod, 0o644); err != nil {
		t.Fatal(err)
	}
}

const customWorkspace = `
pipeline deal Sprzedaż {
    stage Nowe
    stage Oferta
    stage Wygrany won
}
`

// customEngine compiles a workspace of dir (the rules given, and the
// pipeline above) and starts an engine with the WebAssembly host on it.
func customEngine(t *testing.T, dir, rules string) (*engine.Engine, *ir.Program) {
	t.Helper()
	ws := filepath.Join(dir, "ws.rules")
	if err := os.WriteFile(ws, []byte(customWorkspace+rules), 0o644); err != nil {
		t.Fatal(err)
	}
	srcs := []compile.Source{{Name: filepath.ToSlash(ws), Src: []byte(customWorkspace + rules)}}
	p, err := compile.ProgramWith(srcs, check.Config{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(openMem(t), p, wasmLibFS(t, func(h *wasm.Host) *wasm.Runner { return wasm.NewRunner(h, nil) }))
	if err != nil {
		t.Fatal(err)
	}
	return e, p
}

// toOferta creates a deal and moves it to Oferta, returning the move's
// result.
func toOferta(t *testing.T, e *engine.Engine, at int64, fields map[string]value.Value) *engine.Result {
	t.Helper()
	res, err := e.Apply(engine.Input{Time: at, Kind: "create", Entity: "deal", Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	res, err = e.Apply(engine.Input{Time: at, Kind: "move", Item: res.Created[0], Stage: "Oferta"})
	if err != nil {
		t.Fatalf("the move failed: %v", err)
	}
	return res
}

// TestCustomFailures: each way a module fails is written on the item's
// timeline with its typed reason; the rule binds nothing, the rule after
// it runs with null results, and the engine takes the next input.
func TestCustomFailures(t *testing.T) {
	cases := []struct {
		module, action, want string
	}{
		{"loop", "run", "action run: time limit exceeded (100 ms)"},
		{"bigmem", "run", "memory limit exceeded"},
		{"bigout", "run", "output limit exceeded"},
		{"trap", "run", "action run: the module trapped"},
		{"files", "run", `forbidden import func "wasi_snapshot_preview1"."path_open"`},
		{"liar", "wrong_type", "action wrong_type: output price:"},
		{"liar", "refuses", "run refuses failed: action refuses: no discount today"},
	}
	for _, c := range cases {
		t.Run(c.module+"/"+c.action, func(t *testing.T) {
			dir := t.TempDir()
			hostile(t, dir, c.module)
			out := "n"
			if c.module == "liar" {
				out = "price"
			}
			rules := `action ` + c.action + ` "` + c.module + `.wasm"
on stage Oferta: run ` + c.action + ` as r
on stage Oferta then: update deal.title = "after {r.` + out + `}"
`
			e, _ := customEngine(t, dir, rules)
			start := time.Now()
			res := toOferta(t, e, 1e9, map[string]value.Value{"title": value.TextOf("Sofa")})
			if c.module == "loop" {
				if d := time.Since(start); d > time.Second {
					t.Errorf("an infinite loop held the input %v", d)
				}
			}
			if !timelineHas(res.Timeline, "run "+c.action+" failed: ") || !timelineHas(res.Timeline, c.want) {
				t.Fatalf("timeline does not say %q:\n%v", c.want, res.Timeline)
			}
			if !timelineHas(res.Timeline, "title set to after ") {
				t.Errorf("the rule after it did not run:\n%v", res.Timeline)
			}
			if _, err := e.Apply(engine.Input{Time: 1e9 + 1, Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("Next")}}); err != nil {
				t.Fatalf("the next input: %v", err)
			}
		})
	}
}

// TestCustomChangedModule: a module file replaced after the program was
// checked is not run; the timeline names both hashes. Put back, it runs.
func TestCustomChangedModule(t *testing.T) {
	dir := t.TempDir()
	src, err := examples.FS.ReadFile("actions/wat/rabat.wasm")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "rabat.wasm")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	e, p := customEngine(t, dir, `action rabat "rabat.wasm"
on stage Oferta: run rabat amount deal.amount category "Kuchnie" as r
`)
	if len(p.Modules) != 1 || !strings.HasPrefix(p.Modules[0].Hash, "sha256:") {
		t.Fatalf("the program pins %v", p.Modules)
	}
	deal := func(n int64) *engine.Result {
		return toOferta(t, e, 1e9+n, map[string]value.Value{"title": value.TextOf("Kuchnia"), "amount": value.MoneyOf(1000)})
	}
	if res := deal(0); !timelineHas(res.Timeline, "run rabat: price 900") {
		t.Fatalf("before the change: %v", res.Timeline)
	}
	changed := append([]byte(nil), src...)
	changed = append(changed, 0, 4, 'x', 'y', 'z', 'w') // a custom section "xyz" of one byte: valid, other bytes
	time.Sleep(10 * time.Millisecond)                   // another modification time on coarse clocks
	if err := os.WriteFile(path, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	if res := deal(1); !timelineHas(res.Timeline, "run rabat failed: module "+filepath.ToSlash(path)+" changed since the rules were checked") {
		t.Fatalf("after the change: %v", res.Timeline)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if res := deal(2); !timelineHas(res.Timeline, "cannot be read") {
		t.Fatalf("after removing it: %v", res.Timeline)
	}
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if res := deal(3); !timelineHas(res.Timeline, "run rabat: price 900") {
		t.Fatalf("put back: %v", res.Timeline)
	}
}

// TestCustomNoHost: an engine without a host says so and carries on.
func TestCustomNoHost(t *testing.T) {
	p := examplesProgram(t)
	e, err := engine.New(openMem(t), p, stdlib.Runtime())
	if err != nil {
		t.Fatal(err)
	}
	res := toOferta(t, e, 1e9, map[string]value.Value{"title": value.TextOf("Stół"), "amount": value.MoneyOf(1000), "category": value.TextOf("Meble")})
	if !timelineHas(res.Timeline, "run rabat not run: this engine has no WebAssembly host") {
		t.Fatalf("%v", res.Timeline)
	}
}
