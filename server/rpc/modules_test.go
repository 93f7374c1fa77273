package rpc

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
	"github.com/stagecraft/stagecraft/server/auth"
	"github.com/stagecraft/stagecraft/server/tenant"
	"github.com/stagecraft/stagecraft/stdlib"
)

// rabatWasm is the examples' WAT module (examples/actions/wat).
func rabatWasm(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../examples/actions/wat/rabat.wasm")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rabatRules runs the module on every new deal.
func rabatRules(modulePath string) []*v1.SourceFile {
	return []*v1.SourceFile{{Path: "shop/a.rules", Content: `pipeline deal P {
    stage A
}
action rabat "` + modulePath + `"
on stage A: run rabat amount deal.amount category deal.title as wynik
`}}
}

func TestRequestModules(t *testing.T) {
	ok := []byte("\x00asm")
	for _, tc := range []struct {
		name string
		mods []*v1.ModuleFile
		want string // in the error; "" for none
	}{
		{"fine", []*v1.ModuleFile{{Path: "a/b.wasm", Data: ok}, {Path: "c.wasm", Data: ok}}, ""},
		{"no path", []*v1.ModuleFile{{Data: ok}}, "module 1 has no path"},
		{"absolute", []*v1.ModuleFile{{Path: "/etc/x.wasm", Data: ok}}, "is absolute"},
		{"climbs out", []*v1.ModuleFile{{Path: "../x.wasm", Data: ok}}, "not a clean relative path"},
		{"climbs inside", []*v1.ModuleFile{{Path: "a/../../x.wasm", Data: ok}}, "not a clean relative path"},
		{"dot", []*v1.ModuleFile{{Path: "./x.wasm", Data: ok}}, "not a clean relative path"},
		{"backslash", []*v1.ModuleFile{{Path: `a\x.wasm`, Data: ok}}, "backslash"},
		{"no data", []*v1.ModuleFile{{Path: "x.wasm"}}, "has no data"},
		{"twice", []*v1.ModuleFile{{Path: "x.wasm", Data: ok}, {Path: "x.wasm", Data: ok}}, "given twice"},
		{"too large", []*v1.ModuleFile{{Path: "x.wasm", Data: make([]byte, MaxModuleBytes+1)}}, "at most 16 MiB"},
		{"too many", make([]*v1.ModuleFile, MaxModules+1), "at most 100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys, err := requestModules(tc.mods)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range tc.mods {
					if b, err := fs.ReadFile(fsys, m.Path); err != nil || string(b) != string(m.Data) {
						t.Errorf("%s: %q, %v", m.Path, b, err)
					}
				}
				return
			}
			if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want InvalidArgument saying %q", err, tc.want)
			}
		})
	}
	// The largest module taken is taken.
	if _, err := requestModules([]*v1.ModuleFile{{Path: "x.wasm", Data: make([]byte, MaxModuleBytes)}}); err != nil {
		t.Errorf("a module of exactly the limit: %v", err)
	}
}

// TestCheckReadsTheRequest: Check reads modules from the request only,
// never from the server's disk, and its cache tells module bytes apart.
func TestCheckReadsTheRequest(t *testing.T) {
	s := Rules{&Server{}}
	wasm := rabatWasm(t)
	abs, err := filepath.Abs("../../examples/actions/wat/rabat.wasm")
	if err != nil {
		t.Fatal(err)
	}
	check := func(files []*v1.SourceFile, mods []*v1.ModuleFile) *v1.CheckResponse {
		t.Helper()
		res, err := s.Check(context.Background(), connect.NewRequest(&v1.CheckRequest{Files: files, Modules: mods}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}
	codes := func(r *v1.CheckResponse) string {
		var cs []string
		for _, d := range r.Diagnostics {
			cs = append(cs, d.Code)
		}
		return strings.Join(cs, " ")
	}
	if r := check(rabatRules("m/rabat.wasm"), []*v1.ModuleFile{{Path: "shop/m/rabat.wasm", Data: wasm}}); !r.Ok {
		t.Fatalf("the module sent: %v", r.Diagnostics)
	}
	// The same rules, other bytes: checked again, not answered from the cache.
	if r := check(rabatRules("m/rabat.wasm"), []*v1.ModuleFile{{Path: "shop/m/rabat.wasm", Data: []byte("not wasm")}}); r.Ok || !strings.Contains(codes(r), "E306") {
		t.Fatalf("bytes that are not WebAssembly: ok %v, %v", r.Ok, r.Diagnostics)
	}
	for _, p := range []string{
		"m/rabat.wasm", // not sent
		abs,            // on the server's disk, by its absolute path
		"../../../examples/actions/wat/rabat.wasm", // on the server's disk, relative to its folder
	} {
		if r := check(rabatRules(p), nil); r.Ok || !strings.Contains(codes(r), "E008") {
			t.Errorf("module %s, none sent: ok %v, %v", p, r.Ok, r.Diagnostics)
		}
	}
	// The hint is the API's: send it, not build it.
	r := check(rabatRules("m/rabat.wasm"), nil)
	if len(r.Diagnostics) == 0 || !strings.Contains(r.Diagnostics[0].Message, "send the module in the request's modules, with the path shop/m/rabat.wasm") {
		t.Errorf("a module not sent: %v", r.Diagnostics)
	}
	// A module above the rule set's root cannot be sent at its path: the
	// hint says how to send it, not to send what the API refuses.
	r = check(rabatRules("../../actions/rabat.wasm"), nil)
	if len(r.Diagnostics) == 0 || !strings.Contains(r.Diagnostics[0].Message, "the module is above the rule set's folder (../actions/rabat.wasm)") {
		t.Errorf("a module above the root: %v", r.Diagnostics)
	}
}

// TestDeployKeepsModules: a deploy stores the modules its version runs,
// the engine runs them from the tenant's store, after a restart too, and
// refuses a stored module whose bytes changed.
func TestDeployKeepsModules(t *testing.T) {
	data := t.TempDir()
	open := func() (*tenant.Registry, context.Context, *Server) {
		reg := tenant.NewRegistry(data, stdlib.Runtime(), tenant.Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		t.Cleanup(func() { reg.Close() })
		return reg, auth.WithTenant(context.Background(), "acme"), &Server{Tenants: reg}
	}
	reg, ctx, s := open()
	wasm := rabatWasm(t)
	mods := []*v1.ModuleFile{{Path: "shop/rabat.wasm", Data: wasm}}

	// Refused: the module missing, not WebAssembly, or with a valid
	// manifest but refused by the host (no memory, no exports); nothing
	// stored. Plan says the same.
	manifestJSON, err := os.ReadFile("../../examples/actions/wat/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	hollow, err := manifest.Embed([]byte("\x00asm\x01\x00\x00\x00"), manifestJSON)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mods []*v1.ModuleFile
		want string
	}{
		{nil, "E008 cannot read module shop/rabat.wasm"},
		{[]*v1.ModuleFile{{Path: "shop/rabat.wasm", Data: []byte("nope")}}, "E306 module shop/rabat.wasm has no valid manifest"},
		{[]*v1.ModuleFile{{Path: "shop/rabat.wasm", Data: hollow}}, "E306 module shop/rabat.wasm is refused by the WebAssembly host: " +
			`bad module: the module must export its memory as "memory"`},
	} {
		_, derr := Rules{s}.Deploy(ctx, connect.NewRequest(&v1.DeployRequest{Files: rabatRules("rabat.wasm"), Modules: tc.mods}))
		_, perr := Rules{s}.Plan(ctx, connect.NewRequest(&v1.PlanRequest{Files: rabatRules("rabat.wasm"), Modules: tc.mods}))
		for _, err := range []error{derr, perr} {
			var ce *connect.Error
			if !errors.As(err, &ce) || ce.Code() != connect.CodeInvalidArgument || len(ce.Details()) != 1 {
				t.Fatalf("modules %v: %v", tc.mods, err)
			}
			m, _ := ce.Details()[0].Value()
			var ds []*v1.Diagnostic // the errors (a warning says wynik is unused)
			for _, d := range m.(*v1.CheckFailure).Diagnostics {
				if d.Severity == 1 {
					ds = append(ds, d)
				}
			}
			if len(ds) != 1 || ds[0].File != "shop/a.rules" || !strings.HasPrefix(ds[0].Code+" "+ds[0].Message, tc.want) {
				t.Errorf("modules %v: %v, want %q", tc.mods, ds, tc.want)
			}
		}
	}
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	if hs, err := ten.Modules.List(); err != nil || len(hs) != 0 {
		t.Fatalf("refused deploys stored modules: %v %v", hs, err)
	}

	if _, err := (Rules{s}).Deploy(ctx, connect.NewRequest(&v1.DeployRequest{Files: rabatRules("rabat.wasm"), Modules: mods})); err != nil {
		t.Fatal(err)
	}
	hs, err := ten.Modules.List()
	if err != nil || len(hs) != 1 || hs[0] != ten.Engine.Program().Modules[0].Hash {
		t.Fatalf("stored %v (%v), the program pins %v", hs, err, ten.Engine.Program().Modules)
	}
	create := func(s *Server) string {
		t.Helper()
		res, err := Crm{s}.CreateItem(ctx, connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
			"title":  {Kind: &v1.Value_Text{Text: "Kuchnie"}},
			"amount": {Kind: &v1.Value_Money{Money: 12300}},
		}}))
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, e := range res.Msg.Timeline {
			lines = append(lines, e.Text)
		}
		return strings.Join(lines, "\n")
	}
	if tl := create(s); !strings.Contains(tl, "run rabat: price 11070, reason Kuchnie: 10%") {
		t.Fatalf("the first deal's timeline:\n%s", tl)
	}

	// A restart: the module comes from the store, not from the request.
	reg.Close()
	reg, _, s = open()
	if tl := create(s); !strings.Contains(tl, "run rabat: price 11070") {
		t.Fatalf("after a restart:\n%s", tl)
	}

	// The stored file damaged: refused by its hash, said on the timeline.
	reg.Close()
	hexName := strings.TrimPrefix(hs[0], "sha256:") + ".wasm"
	file := filepath.Join(tenant.ModulesDir(tenant.Dir(data, "acme")), hexName)
	if err := os.WriteFile(file, append(wasm, 0), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, s = open()
	if tl := create(s); !strings.Contains(tl, "run rabat failed: module shop/rabat.wasm changed") {
		t.Fatalf("a damaged module's timeline:\n%s", tl)
	}

	// A deploy of the same module mends it.
	if _, err := (Rules{s}).Deploy(ctx, connect.NewRequest(&v1.DeployRequest{Files: rabatRules("rabat.wasm"), Modules: mods})); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != string(wasm) {
		t.Fatalf("the stored module after a deploy that carries it again: %d bytes, %v", len(b), err)
	}
}

// TestRollbackNeedsModules: a rollback to a version whose modules the
// tenant lost is refused, and the running version stays.
func TestRollbackNeedsModules(t *testing.T) {
	data := t.TempDir()
	reg := tenant.NewRegistry(data, stdlib.Runtime(), tenant.Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer reg.Close()
	ctx, s := auth.WithTenant(context.Background(), "acme"), &Server{Tenants: reg}
	mods := []*v1.ModuleFile{{Path: "shop/rabat.wasm", Data: rabatWasm(t)}}
	if _, err := (Rules{s}).Deploy(ctx, connect.NewRequest(&v1.DeployRequest{Files: rabatRules("rabat.wasm"), Modules: mods})); err != nil {
		t.Fatal(err)
	}
	plain := []*v1.SourceFile{{Path: "a.rules", Content: "pipeline deal P {\n    stage A\n}\n"}}
	if _, err := (Rules{s}).Deploy(ctx, connect.NewRequest(&v1.DeployRequest{Files: plain})); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(tenant.ModulesDir(tenant.Dir(data, "acme"))); err != nil {
		t.Fatal(err)
	}
	_, err := Rules{s}.Rollback(ctx, connect.NewRequest(&v1.RollbackRequest{Version: 1}))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition || !strings.Contains(err.Error(), "shop/rabat.wasm (sha256:") {
		t.Fatalf("a rollback without its modules: %v", err)
	}
	ten, _ := reg.Get("acme")
	if v := ten.Engine.Version(); v != 2 {
		t.Fatalf("version %d runs after the refused rollback", v)
	}
}
