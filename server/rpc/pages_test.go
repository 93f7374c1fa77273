package rpc

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/server/auth"
	"github.com/stagecraft/stagecraft/server/tenant"
	"github.com/stagecraft/stagecraft/stdlib"
)

// TestPageBytes: a page of ListItems stops before it passes maxPageBytes,
// whatever its page_size, so that no answer passes the 4 MiB a gRPC
// client takes by default; the pages still list every item once.
func TestPageBytes(t *testing.T) {
	reg := tenant.NewRegistry(t.TempDir(), stdlib.Runtime(), tenant.Options{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer reg.Close()
	ctx := auth.WithTenant(context.Background(), "acme")
	s := &Server{Tenants: reg}
	files := []*v1.SourceFile{{Path: "a.rules", Content: "pipeline deal P {\n    stage A\n}\nfield deal.notes: text \"Notes\"\n"}}
	if _, err := (Rules{s}).Deploy(ctx, connect.NewRequest(&v1.DeployRequest{Files: files})); err != nil {
		t.Fatal(err)
	}
	ten, err := reg.Get("acme")
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Repeat("x", 60<<10)
	want := map[string]bool{}
	for range 40 {
		res, err := ten.Apply(engine.Input{Kind: "create", Entity: "deal", Fields: map[string]value.Value{"notes": value.TextOf(notes)}})
		if err != nil {
			t.Fatal(err)
		}
		want[res.Created[0]] = true
	}
	token, pages := "", 0
	for {
		res, err := (Crm{s}).ListItems(ctx, connect.NewRequest(&v1.ListItemsRequest{PageSize: 1000, PageToken: token}))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if n := proto.Size(res.Msg); n > maxPageBytes+64<<10 {
			t.Errorf("page %d is %d bytes, above %d", pages, n, maxPageBytes)
		}
		for _, it := range res.Msg.Items {
			if !want[it.Id] {
				t.Errorf("item %s listed twice, or not one made", it.Id)
			}
			delete(want, it.Id)
		}
		if token = res.Msg.NextPageToken; token == "" {
			break
		}
	}
	if len(want) != 0 || pages < 3 {
		t.Errorf("%d pages, %d items not listed", pages, len(want))
	}
}
