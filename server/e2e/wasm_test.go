package e2e

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// checkFailure is the diagnostics of a refused deploy's CheckFailure.
func checkFailure(t *testing.T, err error) []*v1.Diagnostic {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != connect.CodeInvalidArgument {
		t.Fatalf("got %v, want InvalidArgument", err)
	}
	for _, d := range ce.Details() {
		if m, err := d.Value(); err == nil {
			if f, ok := m.(*v1.CheckFailure); ok {
				return f.Diagnostics
			}
		}
	}
	t.Fatalf("no CheckFailure detail in %v", err)
	return nil
}

// TestCustomAction: the examples deployed over the API with their
// WebAssembly module run it when a deal reaches Oferta, and its outputs
// are on the deal's timeline and in its fields; the module is kept with
// the tenant, so it runs after a restart; a deploy without the module's
// bytes, or with bytes that are not WebAssembly, is refused with the
// checker's diagnostics and the running version stays.
func TestCustomAction(t *testing.T) {
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data)
	c := s.client(key)

	for _, tc := range []struct {
		name string
		mods []*v1.ModuleFile
		code string
	}{
		{"missing", nil, "E008"},
		{"not wasm", []*v1.ModuleFile{{Path: "examples/actions/wat/rabat.wasm", Data: []byte("(module)")}}, "E306"},
		{"at another path", rabat(t, ""), "E008"},
	} {
		_, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: examples(t), Modules: tc.mods}))
		ds := checkFailure(t, err)
		found := false
		for _, d := range ds {
			found = found || d.Code == tc.code && d.File == "examples/workspace.rules" && d.Severity == 1
		}
		if !found {
			t.Errorf("%s: the diagnostics %v have no %s at examples/workspace.rules", tc.name, ds, tc.code)
		}
	}
	vs, err := c.rules.ListVersions(ctx(t), connect.NewRequest(&v1.ListVersionsRequest{}))
	if err != nil || vs.Msg.Current != 0 {
		t.Fatalf("after refused deploys: %v %v", vs, err)
	}
	// A path that leaves the rule set is refused before any check.
	bad := []*v1.ModuleFile{{Path: "../rabat.wasm", Data: rabat(t, "")[0].Data}}
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: examples(t), Modules: bad})); code(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), `"../rabat.wasm"`) {
		t.Errorf("a module path with ..: %v", err)
	}

	// RulesService takes 64 MiB by default (a Go module of ~3.5 MB is
	// ~4.6 MB as base64 in Connect JSON, as grpcurl sends it); module
	// bytes count toward it. The other services keep 4 MiB.
	js := s.client(key, connect.WithProtoJSON())
	big := []*v1.ModuleFile{{Path: "examples/actions/wat/rabat.wasm", Data: make([]byte, 4<<20)}}
	if _, err := js.rules.Check(ctx(t), connect.NewRequest(&v1.CheckRequest{Files: examples(t), Modules: big})); code(err) == connect.CodeResourceExhausted {
		t.Errorf("a module of 4 MiB in JSON: %v, want it taken", err)
	}
	huge := []*v1.ModuleFile{{Path: "examples/actions/wat/rabat.wasm", Data: make([]byte, 64<<20)}}
	if _, err := c.rules.Check(ctx(t), connect.NewRequest(&v1.CheckRequest{Files: examples(t), Modules: huge})); code(err) != connect.CodeResourceExhausted {
		t.Errorf("a module of 64 MiB: %v, want ResourceExhausted", err)
	}
	long := text(strings.Repeat("x", 4<<20))
	if _, err := js.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{"title": long}})); code(err) != connect.CodeResourceExhausted {
		t.Errorf("a CrmService request over 4 MiB: %v, want ResourceExhausted", err)
	}

	deal(t, c) // deploys the examples with rabat.wasm
	kitchen := func(c clients) string {
		t.Helper()
		d, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
			"title": text("Kuchnia"), "amount": number(12300), "category": text("Kuchnie"), "responsible": text("anna"),
		}}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.crm.MoveItem(ctx(t), connect.NewRequest(&v1.MoveItemRequest{Id: d.Msg.Item.Id, Stage: "Oferta", By: "anna"})); err != nil {
			t.Fatal(err)
		}
		return d.Msg.Item.Id
	}
	check := func(c clients, id string) {
		t.Helper()
		tl, err := c.crm.GetTimeline(ctx(t), connect.NewRequest(&v1.GetTimelineRequest{Id: id}))
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, e := range tl.Msg.Entries {
			lines = append(lines, e.Text)
		}
		all := strings.Join(lines, "\n")
		if !strings.Contains(all, "run rabat: price 11070, reason Kuchnie: 10%") {
			t.Fatalf("the timeline has no output of the custom action:\n%s", all)
		}
		got, err := c.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: id}))
		if err != nil {
			t.Fatal(err)
		}
		if v := got.Msg.Item.Fields["comments"].GetText(); v != "Cena po rabacie: 11070 (Kuchnie: 10%)" {
			t.Errorf("the rule after the custom action wrote %q", v)
		}
	}
	check(c, kitchen(c))

	hs, err := filepath.Glob(filepath.Join(data, "tenants", "acme", "modules", "*.wasm"))
	if err != nil || len(hs) != 1 {
		t.Fatalf("the tenant's modules: %v %v", hs, err)
	}
	if b, _ := os.ReadFile(hs[0]); string(b) != string(rabat(t, "")[0].Data) {
		t.Errorf("the stored module is not the one deployed")
	}

	// After a restart the module runs from the tenant's store.
	s.stop()
	s = start(t, data)
	c = s.client(key)
	check(c, kitchen(c))
}
