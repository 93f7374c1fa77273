package e2e

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// deal deploys the examples and creates the furniture shop's client and
// deal; it returns the deal's ID.
func deal(t *testing.T, c clients) string {
	t.Helper()
	dep, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: examples(t), Modules: rabat(t, "examples/")}))
	if err != nil {
		t.Fatalf("deploy the examples: %v", err)
	}
	if dep.Msg.Version < 1 || len(dep.Msg.Plan.Changes) == 0 {
		t.Fatalf("deploy: version %d, %d changes", dep.Msg.Version, len(dep.Msg.Plan.Changes))
	}
	jan, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "contact", Fields: map[string]*v1.Value{
		"name":  text("Jan"),
		"phone": list(address("mobile", "+48 600 100 200"), address("work", "+48 22 111 22 33")),
		"email": address("work", "jan@example.com"),
	}}))
	if err != nil {
		t.Fatalf("create the contact: %v", err)
	}
	d, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
		"title":       text("Sofa Oslo"),
		"amount":      number(4200),
		"contact":     text(jan.Msg.Item.Id),
		"responsible": text("anna"),
	}}))
	if err != nil {
		t.Fatalf("create the deal: %v", err)
	}
	if got := d.Msg.Item.Stage; got != "Nowe" {
		t.Fatalf("a new deal is in stage %q, want Nowe", got)
	}
	return d.Msg.Item.Id
}

// messages lists every message of the outbox.
func messages(t *testing.T, c clients) []*v1.Message {
	t.Helper()
	var out []*v1.Message
	cursor := ""
	for {
		res, err := c.outbox.ListMessages(ctx(t), connect.NewRequest(&v1.ListMessagesRequest{Cursor: cursor, PageSize: 2}))
		if err != nil {
			t.Fatalf("list messages: %v", err)
		}
		for _, m := range res.Msg.Messages {
			if v, ok := m.Fields["links"]; ok && v == "" {
				t.Errorf("message %s shows the empty internal field links", m.Key)
			}
		}
		out = append(out, res.Msg.Messages...)
		if res.Msg.NextCursor == cursor {
			return out
		}
		cursor = res.Msg.NextCursor
	}
}

func find(ms []*v1.Message, kind, to string) *v1.Message {
	for _, m := range ms {
		if m.Kind == kind && m.To == to {
			return m
		}
	}
	return nil
}

// TestFlow: deploy the examples, create a deal, move it, feed it an event;
// the outbox holds what the rules sent; versions, plans and rollbacks.
func TestFlow(t *testing.T) {
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data)
	c := s.client(key)
	id := deal(t, c)

	ms := messages(t, c)
	sms := find(ms, "sms", "+48 600 100 200")
	if sms == nil || !strings.Contains(sms.Fields["text"], "Dzień dobry Jan") {
		t.Fatalf("no SMS to Jan in the outbox: %v", ms)
	}
	if sms.State != v1.DeliveryState_DELIVERY_STATE_PENDING && sms.State != v1.DeliveryState_DELIVERY_STATE_SKIPPED {
		t.Errorf("the SMS's state is %v, with no provider configured", sms.State)
	}

	mv, err := c.crm.MoveItem(ctx(t), connect.NewRequest(&v1.MoveItemRequest{Id: id, Stage: "Oferta", By: "anna"}))
	if err != nil {
		t.Fatalf("move: %v", err)
	}
	if mv.Msg.Item.Stage != "Oferta" {
		t.Fatalf("moved to %q", mv.Msg.Item.Stage)
	}
	ms = messages(t, c)
	if m := find(ms, "email", "jan@example.com"); m == nil || m.Fields["subject"] != "Faktura do zamówienia Sofa Oslo" {
		t.Fatalf("no e-mail to Jan after the move: %v", ms)
	}
	// The move again (a client's retry) finds the deal there: nothing
	// applied, nothing logged; an update of no fields is refused.
	again, err := c.crm.MoveItem(ctx(t), connect.NewRequest(&v1.MoveItemRequest{Id: id, Stage: "Oferta", By: "anna"}))
	if err != nil || again.Msg.Seq != 0 || len(again.Msg.Timeline) != 0 || again.Msg.Item.Stage != "Oferta" {
		t.Errorf("the move again: %v, %v; want the deal in Oferta and nothing applied", again, err)
	}
	if _, err := c.crm.MoveItem(ctx(t), connect.NewRequest(&v1.MoveItemRequest{Id: id, Stage: "Oferta", By: "zenon"})); code(err) != connect.CodeInvalidArgument {
		t.Errorf("the move again by someone who is no employee: %v, want InvalidArgument", err)
	}
	if _, err := c.crm.UpdateItem(ctx(t), connect.NewRequest(&v1.UpdateItemRequest{Id: id})); code(err) != connect.CodeInvalidArgument {
		t.Errorf("an update of no fields: %v, want InvalidArgument", err)
	}
	if n := len(messages(t, c)); n != len(ms) {
		t.Errorf("%d messages after the move again, %d before", n, len(ms))
	}

	ev, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "inv-1", Item: id, Event: "invoice paid"}))
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if ev.Msg.Seq != mv.Msg.Seq+1 {
		t.Errorf("the event's seq %d, the move's %d: something was logged between", ev.Msg.Seq, mv.Msg.Seq)
	}
	// The event again, named by its trigger's catalogue ID, is a repeat;
	// its ID given to another event is refused.
	rep, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "inv-1", Item: id, Event: "T-INVOICE-PAID"}))
	if err != nil || !rep.Msg.Duplicate || rep.Msg.Seq != ev.Msg.Seq {
		t.Errorf("the event again by its catalogue ID: %v, %v", rep, err)
	}
	if _, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "inv-1", Item: id, Event: "email opened"})); code(err) != connect.CodeAlreadyExists ||
		!strings.Contains(err.Error(), `event ID "inv-1" was given to another event before (invoice paid on item `+id) {
		t.Errorf("the event's ID given to another event: %v, want AlreadyExists naming the first", err)
	}
	got, err := c.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	if got.Msg.Item.Stage != "Zapłacone" {
		t.Fatalf("after invoice paid the deal is in %q (timeline %v)", got.Msg.Item.Stage, ev.Msg.Timeline)
	}
	tl, err := c.crm.GetTimeline(ctx(t), connect.NewRequest(&v1.GetTimelineRequest{Id: id}))
	if err != nil {
		t.Fatal(err)
	}
	joined := ""
	for _, e := range tl.Msg.Entries {
		joined += e.Text + "\n"
	}
	if !strings.Contains(joined, "Faktura opłacona") {
		t.Errorf("the timeline does not name the trigger:\n%s", joined)
	}
	// Paged: two entries at a time, whole inputs, the same entries.
	var paged []*v1.TimelineEntry
	tok := ""
	for {
		p, err := c.crm.GetTimeline(ctx(t), connect.NewRequest(&v1.GetTimelineRequest{Id: id, PageSize: 2, PageToken: tok}))
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, p.Msg.Entries...)
		if tok = p.Msg.NextPageToken; tok == "" {
			break
		}
	}
	if len(paged) != len(tl.Msg.Entries) {
		t.Errorf("paged timeline has %d entries, whole %d", len(paged), len(tl.Msg.Entries))
	}

	list, err := c.crm.ListItems(ctx(t), connect.NewRequest(&v1.ListItemsRequest{Pipeline: "Sprzedaż", Stage: "Zapłacone"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Msg.Items) != 1 || list.Msg.Items[0].Id != id {
		t.Errorf("deals in Zapłacone: %v", list.Msg.Items)
	}
	contacts, err := c.crm.ListItems(ctx(t), connect.NewRequest(&v1.ListItemsRequest{Entity: "contact"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(contacts.Msg.Items) != 1 {
		t.Errorf("contacts: %v", contacts.Msg.Items)
	}
	// A filter no item of the deployed rules can match is a typo, refused
	// naming what there is, not an empty page; so is a token this server
	// did not give.
	for _, bad := range []struct {
		req  *v1.ListItemsRequest
		want string
	}{
		{&v1.ListItemsRequest{Entity: "dael"}, `entity "dael": the deployed rules have`},
		{&v1.ListItemsRequest{Pipeline: "Nope"}, `pipeline "Nope": the deployed rules have no such pipeline (`},
		{&v1.ListItemsRequest{Entity: "contact", Pipeline: "Sprzedaż"}, `no such pipeline of entity contact`},
		{&v1.ListItemsRequest{Stage: "Nowhere"}, `stage "Nowhere": no stage of any pipeline has that name (`},
		{&v1.ListItemsRequest{Pipeline: "Sprzedaż", Stage: "Nowhere"}, `no stage of pipeline Sprzedaż has that name (Nowe, `},
		{&v1.ListItemsRequest{PageToken: "zzz"}, `page_token "zzz" is not one this server gave`},
	} {
		_, err := c.crm.ListItems(ctx(t), connect.NewRequest(bad.req))
		if code(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ListItems %v: %v, want InvalidArgument with %q", bad.req, err, bad.want)
		}
	}
	if _, err := c.outbox.ListMessages(ctx(t), connect.NewRequest(&v1.ListMessagesRequest{Kind: "faxx"})); code(err) != connect.CodeInvalidArgument ||
		!strings.Contains(err.Error(), `kind "faxx": messages are of the kinds chat, email,`) {
		t.Errorf("ListMessages of kind faxx: %v, want InvalidArgument naming the kinds", err)
	}
	first, err := c.crm.ListItems(ctx(t), connect.NewRequest(&v1.ListItemsRequest{PageSize: 1}))
	if err != nil || first.Msg.NextPageToken == "" {
		t.Fatalf("a page of one: %v, %v", first, err)
	}
	if _, err := c.crm.ListItems(ctx(t), connect.NewRequest(&v1.ListItemsRequest{PageToken: first.Msg.NextPageToken})); err != nil {
		t.Errorf("the next page: %v", err)
	}
	// A token is the list's it came from: with another filter, or made by
	// hand from an item's ID (base64 of "1"), it is refused.
	for _, tok := range []string{first.Msg.NextPageToken, "MQ"} {
		_, err := c.crm.ListItems(ctx(t), connect.NewRequest(&v1.ListItemsRequest{Entity: "deal", PageToken: tok}))
		if code(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "is not one this server gave for this list") {
			t.Errorf("ListItems of deals with token %q: %v, want InvalidArgument", tok, err)
		}
	}

	// A rule set that does not check is refused with its diagnostics; the
	// running version stays.
	bad := examples(t)
	bad = append(bad, &v1.SourceFile{Path: "bad.rules", Content: "on stage Nowhere: send sms text \"x\"\n"})
	_, err = c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: bad, Modules: rabat(t, "examples/")}))
	if code(err) != connect.CodeInvalidArgument {
		t.Fatalf("a bad deploy: %v, want InvalidArgument", err)
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatal(err)
	}
	var diags []*v1.Diagnostic
	for _, d := range ce.Details() {
		if m, err := d.Value(); err == nil {
			if f, ok := m.(*v1.CheckFailure); ok {
				diags = f.Diagnostics
			}
		}
	}
	if len(diags) == 0 || diags[0].File != "bad.rules" || diags[0].Severity != 1 || diags[0].Code == "" {
		t.Fatalf("the refusal's diagnostics: %v", diags)
	}
	// The message reads alone (a curl user sees the detail as base64): each
	// error as check prints its first line, file:line:col first.
	if msg := ce.Message(); !strings.Contains(msg, "\nbad.rules:1:10: error[E102]: unknown stage \"Nowhere\"") {
		t.Errorf("the refusal's message names no position: %q", msg)
	}
	vs, err := c.rules.ListVersions(ctx(t), connect.NewRequest(&v1.ListVersionsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if vs.Msg.Current != 1 || len(vs.Msg.Versions) != 1 {
		t.Fatalf("after a refused deploy: current %d, %d versions", vs.Msg.Current, len(vs.Msg.Versions))
	}

	// Check answers the same diagnostics without deploying.
	chk, err := c.rules.Check(ctx(t), connect.NewRequest(&v1.CheckRequest{Files: bad, Modules: rabat(t, "examples/")}))
	if err != nil {
		t.Fatal(err)
	}
	if chk.Msg.Ok || len(chk.Msg.Diagnostics) != len(diags) {
		t.Errorf("check: ok %v, %d diagnostics; deploy gave %d", chk.Msg.Ok, len(chk.Msg.Diagnostics), len(diags))
	}

	// A second version without the furniture shop's SMS rule; its plan first.
	var smaller []*v1.SourceFile
	for _, f := range examples(t) {
		if strings.HasSuffix(f.Path, "furniture.rules") {
			f.Content = strings.Replace(f.Content, "on stage Nowe: send sms", "on stage Kontakt: send sms", 1)
		}
		smaller = append(smaller, f)
	}
	pl, err := c.rules.Plan(ctx(t), connect.NewRequest(&v1.PlanRequest{Files: smaller, Modules: rabat(t, "examples/")}))
	if err != nil {
		t.Fatal(err)
	}
	if pl.Msg.BaseVersion != 1 || !strings.Contains(pl.Msg.Text, "moved from stage Nowe") {
		t.Errorf("plan against version %d:\n%s", pl.Msg.BaseVersion, pl.Msg.Text)
	}
	one := int64(1)
	dep, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: smaller, ExpectedVersion: &one, Modules: rabat(t, "examples/")}))
	if err != nil {
		t.Fatal(err)
	}
	if dep.Msg.Version != 2 || dep.Msg.Text != pl.Msg.Text {
		t.Errorf("deploy: version %d; its plan\n%s\nthe plan asked before\n%s", dep.Msg.Version, dep.Msg.Text, pl.Msg.Text)
	}
	// The same expectation again: version 2 runs now, so it is refused.
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: smaller, ExpectedVersion: &one, Modules: rabat(t, "examples/")})); code(err) != connect.CodeFailedPrecondition {
		t.Errorf("a deploy expecting version 1 over 2: %v", err)
	}
	rb, err := c.rules.Rollback(ctx(t), connect.NewRequest(&v1.RollbackRequest{Version: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if rb.Msg.Version != 3 || !strings.Contains(rb.Msg.Text, "moved from stage Kontakt") {
		t.Errorf("rollback: version %d\n%s", rb.Msg.Version, rb.Msg.Text)
	}
	if _, err := c.rules.Rollback(ctx(t), connect.NewRequest(&v1.RollbackRequest{Version: 9})); code(err) != connect.CodeNotFound {
		t.Errorf("a rollback to version 9 of 3: %v", err)
	}
	vs, err = c.rules.ListVersions(ctx(t), connect.NewRequest(&v1.ListVersionsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if vs.Msg.Current != 3 || len(vs.Msg.Versions) != 3 || vs.Msg.Versions[1].Moved != 1 {
		t.Errorf("versions: %v", vs.Msg)
	}

	// The metrics count what happened.
	res, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics := readAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`stagecraft_inputs_total{kind="create",result="ok",tenant="acme"} 2`, `stagecraft_timers_pending{tenant="acme"}`,
		`stagecraft_commit_seconds_bucket{kind="event",tenant="acme"`, `stagecraft_outbox_backlog{tenant="acme"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Format answers the canonical form; the modules of a Check's request
	// are taken and ignored.
	f, err := c.rules.Format(ctx(t), connect.NewRequest(&v1.FormatRequest{Files: []*v1.SourceFile{{Path: "a.rules", Content: "on stage Nowe:   send sms text \"x\""}},
		Modules: []*v1.ModuleFile{{Path: "x.wasm", Data: []byte("not even WebAssembly")}}}))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Msg.Files[0].Changed || strings.Contains(f.Msg.Files[0].Content, "   ") {
		t.Errorf("format: %v", f.Msg.Files[0])
	}
}
