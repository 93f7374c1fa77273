package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

var protocols = map[string][]connect.ClientOption{
	"connect":  nil,
	"grpc":     {connect.WithGRPC()},
	"grpc-web": {connect.WithGRPCWeb()},
}

// TestTenants: a second tenant's key sees none of the first tenant's data.
func TestTenants(t *testing.T) {
	data := t.TempDir()
	keyA, keyB := newKey(t, data, "acme"), newKey(t, data, "globex")
	s := start(t, data)
	a, b := s.client(keyA), s.client(keyB)
	id := deal(t, a)

	// Before globex deploys, its CRM has nothing: FailedPrecondition, as
	// for an input; after, acme's item is NotFound (below).
	if _, err := b.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: id})); code(err) != connect.CodeFailedPrecondition {
		t.Errorf("globex reads acme's deal: %v", err)
	}
	if _, err := b.crm.GetTimeline(ctx(t), connect.NewRequest(&v1.GetTimelineRequest{Id: id})); code(err) != connect.CodeFailedPrecondition {
		t.Errorf("globex reads acme's timeline: %v", err)
	}
	items, err := b.crm.ListItems(ctx(t), connect.NewRequest(&v1.ListItemsRequest{}))
	if err != nil || len(items.Msg.Items) != 0 {
		t.Errorf("globex lists items: %v %v", items, err)
	}
	if ms := messages(t, b); len(ms) != 0 {
		t.Errorf("globex lists acme's messages: %v", ms)
	}
	vs, err := b.rules.ListVersions(ctx(t), connect.NewRequest(&v1.ListVersionsRequest{}))
	if err != nil || vs.Msg.Current != 0 || len(vs.Msg.Versions) != 0 {
		t.Errorf("globex's versions: %v %v", vs, err)
	}
	if _, err := b.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "x", Item: id, Event: "invoice paid"})); code(err) != connect.CodeFailedPrecondition {
		t.Errorf("globex, with nothing deployed, sends an event to acme's deal: %v", err)
	}
	if _, err := b.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: examples(t), Modules: rabat(t, "examples/")})); err != nil {
		t.Fatal(err)
	}
	if _, err := b.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "x", Item: id, Event: "invoice paid"})); code(err) != connect.CodeNotFound {
		t.Errorf("globex sends an event to acme's deal: %v", err)
	}
	if _, err := b.crm.MoveItem(ctx(t), connect.NewRequest(&v1.MoveItemRequest{Id: id, Stage: "Oferta"})); code(err) != connect.CodeNotFound {
		t.Errorf("globex moves acme's deal: %v", err)
	}
	if _, err := b.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: id})); code(err) != connect.CodeNotFound {
		t.Errorf("globex, deployed, reads acme's deal: %v", err)
	}
	if _, err := b.crm.GetTimeline(ctx(t), connect.NewRequest(&v1.GetTimelineRequest{Id: id})); code(err) != connect.CodeNotFound {
		t.Errorf("globex, deployed, reads acme's timeline: %v", err)
	}
	got, err := a.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: id}))
	if err != nil || got.Msg.Item.Stage != "Nowe" {
		t.Errorf("acme's deal after globex's tries: %v %v", got, err)
	}
	for _, n := range []string{"acme", "globex"} {
		if _, err := os.Stat(filepath.Join(data, "tenants", n, "engine")); err != nil {
			t.Errorf("tenant %s has no store of its own: %v", n, err)
		}
	}
}

// TestRefusals: requests without a valid key, too large or malformed get
// the right codes, in every protocol.
func TestRefusals(t *testing.T) {
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data, "--max-request-bytes", "65536", "--max-rules-request-bytes", "65536")
	for name, opts := range protocols {
		for _, k := range []string{"", "sck_" + strings.Repeat("A", 43), "not-a-key"} {
			c := s.client(k, opts...)
			_, err := c.rules.ListVersions(ctx(t), connect.NewRequest(&v1.ListVersionsRequest{}))
			if code(err) != connect.CodeUnauthenticated {
				t.Errorf("%s with key %q: %v, want Unauthenticated", name, k, err)
			}
		}
		c := s.client(key, opts...)
		big := &v1.CheckRequest{Files: []*v1.SourceFile{{Path: "a.rules", Content: strings.Repeat("#", 70000)}}}
		if _, err := c.rules.Check(ctx(t), connect.NewRequest(big)); code(err) != connect.CodeResourceExhausted ||
			!strings.Contains(err.Error(), "--max-rules-request-bytes") {
			t.Errorf("%s: a 70 kB request over a 64 KiB limit: %v, want ResourceExhausted naming the flag that sets it", name, err)
		}
		if _, err := c.rules.Check(ctx(t), connect.NewRequest(&v1.CheckRequest{})); code(err) != connect.CodeInvalidArgument {
			t.Errorf("%s: check of no files: %v", name, err)
		}
		if _, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal"})); code(err) != connect.CodeFailedPrecondition {
			t.Errorf("%s: create before a deploy: %v", name, err)
		}
	}

	// A body of undeclared length (chunked) over the limit is refused when
	// read, naming the flag too.
	body := `{"files": [{"path": "a.rules", "content": "` + strings.Repeat("#", 70000) + `"}]}`
	req, _ := http.NewRequest("POST", s.url+"/stagecraft.v1.RulesService/Check", io.MultiReader(strings.NewReader(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	if res, err := http.DefaultClient.Do(req); err != nil {
		t.Error(err)
	} else {
		msg := readAll(res.Body)
		res.Body.Close()
		if req.ContentLength != 0 || res.StatusCode != http.StatusTooManyRequests || !strings.Contains(msg, "resource_exhausted") || !strings.Contains(msg, "--max-rules-request-bytes") {
			t.Errorf("a chunked request over the limit: HTTP %d %s (length %d)", res.StatusCode, msg, req.ContentLength)
		}
	}

	// Refused before the body is read: headers promising 100 MB and no body
	// are answered at once.
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /stagecraft.v1.RulesService/Check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body: %v", err)
	}
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("no key, no body: HTTP %d, want 401", res.StatusCode)
	}
	res.Body.Close()

	post := func(path, ctype, auth string, body []byte) (int, string) {
		req, _ := http.NewRequest("POST", s.url+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		return res.StatusCode, readAll(res.Body)
	}
	if st, body := post("/stagecraft.v1.RulesService/Check", "application/json", key, []byte(strings.Repeat("x", 70000))); st != http.StatusTooManyRequests && st != http.StatusRequestEntityTooLarge || !strings.Contains(body, "resource_exhausted") {
		t.Errorf("70 kB with a key: HTTP %d %s", st, body)
	}
	if st, body := post("/stagecraft.v1.RulesService/Check", "application/json", key, []byte(`{"files": [`)); st != http.StatusBadRequest || !strings.Contains(body, "invalid_argument") {
		t.Errorf("malformed JSON: HTTP %d %s", st, body)
	}
	if st, body := post("/stagecraft.v1.RulesService/Check", "application/proto", key, []byte{0xff, 0xff, 0xff}); st != http.StatusBadRequest || !strings.Contains(body, "invalid_argument") {
		t.Errorf("malformed protobuf: HTTP %d %s", st, body)
	}
	if st, body := post("/stagecraft.v1.RulesService/Check", "application/json", key, []byte(`{"filez": []}`)); st != http.StatusBadRequest {
		t.Errorf("an unknown field: HTTP %d %s", st, body)
	}
	// An unknown field is refused, not dropped: a typo would otherwise
	// act as if the field were left out (an item created with no fields).
	for _, c := range []struct{ path, body, field string }{
		{"/stagecraft.v1.RulesService/Check", `{"files": [{"path": "a.rules", "content": ""}], "bogus": 1}`, "bogus"},
		{"/stagecraft.v1.CrmService/CreateItem", `{"entity": "deal", "feilds": {"title": {"text": "x"}}}`, "feilds"},
		{"/stagecraft.v1.CrmService/CreateItem", `{"entity": "deal", "fields": {"title": {"txt": "x"}}}`, "txt"},
	} {
		for _, ctype := range []string{"application/json", "application/json; charset=utf-8"} {
			if st, body := post(c.path, ctype, key, []byte(c.body)); st != http.StatusBadRequest || !strings.Contains(body, "invalid_argument") || !strings.Contains(body, c.field) {
				t.Errorf("%s %s with an unknown field %s: HTTP %d %s", c.path, ctype, c.field, st, body)
			}
		}
	}
	// A refused rule set read with curl: its errors by position in the
	// message, its diagnostics as JSON in the detail's debug.
	bad := `{"files": [{"path": "a.rules", "content": "pipeline deal P {\n    stage A\n}\non stage Nowhere: update deal.title = \"x\"\n"}]}`
	if st, body := post("/stagecraft.v1.RulesService/Deploy", "application/json", key, []byte(bad)); st != http.StatusBadRequest ||
		!strings.Contains(body, `a.rules:4:10: error[E102]: unknown stage \"Nowhere\"`) || !strings.Contains(body, `"debug":{"diagnostics":[{"file":"a.rules"`) {
		t.Errorf("a refused deploy in JSON: HTTP %d %s", st, body)
	}
	if st, _ := post("/stagecraft.v1.RulesService/Nothing", "application/json", key, []byte(`{}`)); st != http.StatusNotFound {
		t.Errorf("an unknown method: HTTP %d", st)
	}
	if st, body := post("/stagecraft.v1.RulesService/ListVersions", "application/json", key, []byte(`{}`)); st != http.StatusOK {
		t.Errorf("a good request: HTTP %d %s", st, body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := http.Get(s.url + path)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Errorf("%s: %v %v", path, res, err)
		}
	}
	if strings.Contains(s.logs.String(), key) || strings.Contains(s.logs.String(), key[4:]) {
		t.Errorf("the log holds the key")
	}
}

// TestReflection: a gRPC client lists the services by server reflection,
// as grpcurl does, without a key.
func TestReflection(t *testing.T) {
	data := t.TempDir()
	s := start(t, data)
	rc := grpcreflect.NewClient(h2c(), s.url, connect.WithGRPC())
	st := rc.NewStream(ctx(t))
	defer st.Close()
	names, err := st.ListServices()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, n := range names {
		have[string(n)] = true
	}
	for _, want := range []string{"stagecraft.v1.RulesService", "stagecraft.v1.CrmService", "stagecraft.v1.EventService", "stagecraft.v1.OutboxService"} {
		if !have[want] {
			t.Errorf("reflection lists %v, not %s", names, want)
		}
	}
	fds, err := st.FileContainingSymbol("stagecraft.v1.EventService")
	if err != nil || len(fds) == 0 {
		t.Errorf("the file of EventService: %v", err)
	}
}

// TestProtocols: the same calls over Connect, gRPC and gRPC-Web.
func TestProtocols(t *testing.T) {
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data)
	if _, err := s.client(key).rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: examples(t), Modules: rabat(t, "examples/")})); err != nil {
		t.Fatal(err)
	}
	for name, opts := range protocols {
		c := s.client(key, opts...)
		res, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{"title": text(name)}}))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := c.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: res.Msg.Item.Id}))
		if err != nil || got.Msg.Item.Fields["title"].GetText() != name {
			t.Errorf("%s: %v %v", name, got, err)
		}
		if _, err := c.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: "nope"})); code(err) != connect.CodeNotFound {
			t.Errorf("%s: an unknown item: %v", name, err)
		}
	}
}

// TestRateLimit: a tenant over its rate gets ResourceExhausted; another
// tenant does not; a second later the first may call again.
func TestRateLimit(t *testing.T) {
	data := t.TempDir()
	keyA, keyB := newKey(t, data, "acme"), newKey(t, data, "globex")
	s := start(t, data, "--rate-limit", "5", "--rate-burst", "5")
	a, b := s.client(keyA), s.client(keyB)
	refused := 0
	for range 10 {
		_, err := a.rules.ListVersions(ctx(t), connect.NewRequest(&v1.ListVersionsRequest{}))
		switch {
		case err == nil:
		case code(err) == connect.CodeResourceExhausted:
			refused++
		default:
			t.Fatal(err)
		}
	}
	if refused < 4 {
		t.Errorf("10 calls at once over a limit of 5 a second with bursts of 5: %d refused", refused)
	}
	if _, err := b.rules.ListVersions(ctx(t), connect.NewRequest(&v1.ListVersionsRequest{})); err != nil {
		t.Errorf("another tenant: %v", err)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := a.rules.ListVersions(ctx(t), connect.NewRequest(&v1.ListVersionsRequest{})); err != nil {
		t.Errorf("a second later: %v", err)
	}
	res, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if m := readAll(res.Body); !strings.Contains(m, `stagecraft_rate_limited_total{tenant="acme"}`) {
		t.Errorf("/metrics does not count the refusals")
	}
	res.Body.Close()
}

// TestBufCurl drives the server as a user would from a shell, with buf
// curl (pinned in go.mod): reflection, then calls over gRPC and Connect.
func TestBufCurl(t *testing.T) {
	if testing.Short() {
		t.Skip("builds buf: not in -short")
	}
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data)
	curl := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", append([]string{"tool", "buf", "curl"}, args...)...)
		cmd.Dir = "../.."
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("buf curl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := curl("--protocol", "grpc", "--http2-prior-knowledge", "--list-services", s.url); !strings.Contains(out, "stagecraft.v1.EventService") {
		t.Errorf("buf curl --list-services:\n%s", out)
	}
	body := `{"files": [{"path": "a.rules", "content": "on stage Nowhere: send sms text \"x\""}]}`
	out := curl("--protocol", "grpc", "--http2-prior-knowledge", "-H", "Authorization: Bearer "+key, "--data", body, s.url+"/stagecraft.v1.RulesService/Check")
	if !strings.Contains(out, `"diagnostics"`) || !strings.Contains(out, `"file": "a.rules"`) {
		t.Errorf("buf curl Check:\n%s", out)
	}
	out = curl("-H", "Authorization: Bearer "+key, "--data", "{}", s.url+"/stagecraft.v1.RulesService/ListVersions")
	if strings.TrimSpace(out) != "{}" {
		t.Errorf("buf curl ListVersions over Connect:\n%s", out)
	}
}
