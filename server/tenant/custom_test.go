package tenant

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm"
	"github.com/stagecraft/stagecraft/stdlib"
)

// watModule builds runtime/wasm/testdata/NAME.wat (its manifest on the
// first line) as runtime/wasm's tests do.
func watModule(t *testing.T, name string) []byte {
	t.Helper()
	bin, err := exec.LookPath("wat2wasm")
	if err != nil {
		if os.Getenv("STAGECRAFT_WASM_REQUIRED") == "1" {
			t.Fatal("wat2wasm is not installed (apt-get install wabt)")
		}
		t.Skip("wat2wasm is not installed (apt-get install wabt)")
	}
	src := filepath.Join("..", "..", "runtime", "wasm", "testdata", name+".wat")
	text, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(text), "\n")
	man, _ := strings.CutPrefix(first, ";; manifest: ")
	out := filepath.Join(t.TempDir(), name+".plain.wasm")
	if b, err := exec.Command(bin, "--enable-all", src, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", src, err, b)
	}
	plain, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := wasm.Embed(plain, []byte(man))
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

// slowProgram compiles rules that name mod as "slow.wasm", written next
// to them in a folder of their own.
func slowProgram(t *testing.T, mod []byte, rules string) *ir.Program {
	t.Helper()
	ws := t.TempDir()
	if err := os.WriteFile(filepath.Join(ws, "slow.wasm"), mod, 0o644); err != nil {
		t.Fatal(err)
	}
	name := filepath.ToSlash(filepath.Join(ws, "ws.rules"))
	if err := os.WriteFile(name, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := compile.ProgramWith([]compile.Source{{Name: name, Src: []byte(rules)}}, check.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func dumpStore(t *testing.T, dir string) []byte {
	t.Helper()
	st, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var b bytes.Buffer
	if err := st.Dump(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCustomTimeoutReplays: a custom action that runs out of time on the
// server (stuck loops forever; slow finishes in tens of milliseconds, over
// the server's 1 ms and well within an import's replay limit) has its
// outcome recorded with the input, so an import, which replays with a
// long ReplayTimeout, rebuilds the same store byte for byte instead of
// calling again and deciding otherwise.
func TestCustomTimeoutReplays(t *testing.T) {
	mod := watModule(t, "slow")
	p := slowProgram(t, mod, `pipeline deal Sprzedaż {
    stage Nowe
    stage Oferta
}
action slow "slow.wasm"
action stuck "slow.wasm"
on stage Oferta: run slow as a
on stage Oferta: run stuck as b
`)

	data := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := NewRegistry(data, stdlib.Runtime(), Options{Wasm: wasm.Options{CallTimeout: time.Millisecond}}, log)
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ten.Modules.Put(mod); err != nil {
		t.Fatal(err)
	}
	if _, err := ten.Deploy(p); err != nil {
		t.Fatal(err)
	}
	res, err := ten.Apply(engine.Input{Kind: "create", Entity: "deal", Fields: map[string]value.Value{"title": value.TextOf("Sofa")}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := ten.Apply(engine.Input{Kind: "move", Item: res.Created[0], Stage: "Oferta"}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a stuck action held the input %v", d)
	}
	var last engine.Input
	if err := ten.Engine.LogFrom(1, func(in engine.Input) bool { last = in; return true }); err != nil {
		t.Fatal(err)
	}
	if len(last.Outcomes) != 2 {
		t.Fatalf("the move's log record has %d outcomes, want both time-outs: %+v", len(last.Outcomes), last.Outcomes)
	}
	for _, o := range last.Outcomes {
		if !strings.Contains(o.Error, "time limit exceeded") {
			t.Errorf("outcome %+v: not a time-out", o)
		}
	}
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}

	var exp bytes.Buffer
	if _, err := Export(data, "acme", &exp, stdlib.Runtime()); err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	start = time.Now()
	if _, err := Import(fresh, "acme", &exp, stdlib.Runtime(), engine.Options{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the import called the stuck action again (%v)", d)
	}
	a, b := dumpStore(t, EngineDir(Dir(data, "acme"))), dumpStore(t, EngineDir(Dir(fresh, "acme")))
	if !bytes.Equal(a, b) {
		t.Fatalf("the imported store differs from the exported one (%d and %d bytes of dump)", len(a), len(b))
	}
}

// TestNoHostRetried: a host that cannot be made is not kept: the call is
// machine-dependent (recorded, not replayed), and the next call tries
// again; one made under a cancelled context still works.
func TestNoHostRetried(t *testing.T) {
	h := &lazyHost{}
	defer h.close()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	// Made under a cancelled context, the host still works: it outlives
	// the call that made it.
	host, err := h.get(gone)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := h.get(context.Background()); err != nil || again != host {
		t.Fatalf("a second get: %v %v", again, err)
	}
	mod := watModule(t, "slow")
	if _, err := host.Load(context.Background(), mod); err != nil {
		t.Fatalf("a host made under a cancelled context: %v", err)
	}

	// A host that fails (here: closed) is machine-dependent.
	h.close()
	_, err = h.get(context.Background())
	var nh *errNoHost
	if !errors.As(err, &nh) || !machineDependent(err) {
		t.Fatalf("no host: %v", err)
	}

	mods := NewModules(t.TempDir())
	r := newRunner(&lazyHost{}, mods)
	defer r.host.close()
	// A module missing from the store is machine-dependent.
	res, err := r.RunCustom(context.Background(), &ir.Module{Path: "x.wasm", Hash: "sha256:" + strings.Repeat("0", 64)}, &ir.CustomCall{Action: "slow"}, nil)
	if err == nil || !res.MachineDependent {
		t.Fatalf("a module not in the store: %+v %v", res, err)
	}
}

// TestWarmAtOpen: a tenant reopened with a program that pins a module
// loads it in the background, so that the first call finds it compiled;
// callers of one hash share one load.
func TestWarmAtOpen(t *testing.T) {
	mod := watModule(t, "slow")
	p := slowProgram(t, mod, "pipeline deal Sprzedaż {\n    stage Nowe\n}\naction slow \"slow.wasm\"\non stage Nowe: run slow as a\n")
	data := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := NewRegistry(data, stdlib.Runtime(), Options{}, log)
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	<-ten.warmed // nothing deployed: nothing to load
	if n := len(ten.custom.loaded); n != 0 {
		t.Fatalf("a tenant with no program loaded %d modules", n)
	}
	if _, err := ten.Modules.Put(mod); err != nil {
		t.Fatal(err)
	}
	if _, err := ten.Deploy(p); err != nil {
		t.Fatal(err)
	}
	if err := reg.Close(); err != nil {
		t.Fatal(err)
	}

	reg = NewRegistry(data, stdlib.Runtime(), Options{}, log)
	defer reg.Close()
	ten, err = reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	<-ten.warmed
	pinned := ten.Engine.Program().Modules
	if len(pinned) != 1 {
		t.Fatalf("the program pins %d modules, want 1", len(pinned))
	}
	l := ten.custom.loaded[pinned[0].Hash]
	if l == nil || l.mod == nil || l.err != nil {
		t.Fatalf("after the warm-up the module is %+v, not loaded", l)
	}
	done := make(chan *wasm.Module, 8)
	for range cap(done) {
		go func() {
			m, err := ten.custom.module(context.Background(), pinned[0])
			if err != nil {
				t.Error(err)
			}
			done <- m
		}()
	}
	for range cap(done) {
		if m := <-done; m != l.mod {
			t.Errorf("a call got module %p, not the one loaded, %p", m, l.mod)
		}
	}
}

// TestLoadModuleRunsInit: a module whose initialisation traps loads (it is
// WebAssembly, its manifest fits), but every call would fail: the
// tenant's LoadModule, which Check, Plan and Deploy use, refuses it.
func TestLoadModuleRunsInit(t *testing.T) {
	reg := NewRegistry(t.TempDir(), stdlib.Runtime(), Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer reg.Close()
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	err = ten.LoadModule(context.Background(), watModule(t, "inittrap"))
	if err == nil || !strings.Contains(err.Error(), "_initialize") || !strings.Contains(err.Error(), "trapped") {
		t.Fatalf("a module whose _initialize traps: %v", err)
	}
	if err := ten.LoadModule(context.Background(), watModule(t, "slow")); err != nil {
		t.Fatalf("a module that initialises: %v", err)
	}
}
