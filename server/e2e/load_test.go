package e2e

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

var (
	load        = flag.Bool("load", false, "run the load measurements (TestLoadCheck, TestLoadIngest, TestLoadDelivery, TestLoadLean) and log their figures")
	loadCheckN  = flag.Int("load.check", 4000, "Check requests in all, 200 at a time")
	loadIngestD = flag.Duration("load.ingest", 5*time.Second, "how long 64 clients send events")
)

// TestLoadCheck measures Check's latency on the examples with 200
// requests in flight: go test ./server/e2e -run TestLoadCheck -load -v.
func TestLoadCheck(t *testing.T) {
	if !*load {
		t.Skip("-load not given")
	}
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data, "--rate-limit", "0")
	c := s.client(key)
	files := examples(t)
	req := &v1.CheckRequest{Files: files, Modules: rabat(t, "examples/")}
	for range 20 { // warm up
		if _, err := c.rules.Check(ctx(t), connect.NewRequest(req)); err != nil {
			t.Fatal(err)
		}
	}
	size := 0
	for _, f := range files {
		size += len(f.Content)
	}
	// Once with the same files every time (answered from the cache after
	// the first), once with each request's files different (a comment
	// added), so that each is checked.
	for _, distinct := range []bool{false, true} {
		lat := make([]time.Duration, *loadCheckN)
		var next atomic.Int64
		var wg sync.WaitGroup
		begin := time.Now()
		for range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= int64(len(lat)) {
						return
					}
					r := req
					if distinct {
						fs := append([]*v1.SourceFile(nil), files...)
						last := fs[len(fs)-1]
						fs[len(fs)-1] = &v1.SourceFile{Path: last.Path, Content: last.Content + fmt.Sprintf("\n# request %d\n", i)}
						r = &v1.CheckRequest{Files: fs, Modules: req.Modules}
					}
					t0 := time.Now()
					res, err := c.rules.Check(ctx(t), connect.NewRequest(r))
					if err != nil || !res.Msg.Ok {
						t.Error(err)
						return
					}
					lat[i] = time.Since(t0)
				}
			}()
		}
		wg.Wait()
		total := time.Since(begin)
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		q := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
		what := "the same files each time"
		if distinct {
			what = "different files each time"
		}
		t.Logf("Check of the examples (%d files, %d bytes), %s, %d requests, 200 in flight: p50 %v, p90 %v, p99 %v, max %v; %.0f requests/s",
			len(files), size, what, len(lat), q(0.5), q(0.9), q(0.99), lat[len(lat)-1], float64(len(lat))/total.Seconds())
	}
}

// TestLoadIngest measures Ingest's throughput, each event a synced
// commit, from 64 clients over loopback: go test ./server/e2e -run
// TestLoadIngest -load -v.
func TestLoadIngest(t *testing.T) {
	if !*load {
		t.Skip("-load not given")
	}
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data, "--rate-limit", "0")
	id := deal(t, s.client(key))
	var n atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(*loadIngestD)
	lat := make([][]time.Duration, 64)
	for g := range 64 {
		wg.Add(1)
		c := s.client(key) // a connection each
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				t0 := time.Now()
				_, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: fmt.Sprintf("g%d-%d", g, i), Item: id, Event: "email opened"}))
				if err != nil {
					t.Error(err)
					return
				}
				lat[g] = append(lat[g], time.Since(t0))
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	t.Logf("Ingest from 64 clients for %v: %d events, %.0f events/s; latency p50 %v, p99 %v",
		*loadIngestD, n.Load(), float64(n.Load())/loadIngestD.Seconds(), all[len(all)/2], all[len(all)*99/100])
}

var loadDeliveryN = flag.Int("load.delivery", 1000, "deals TestLoadDelivery creates, each sending an SMS and an e-mail")

// TestLoadDelivery measures delivery throughput against the local
// stand-ins (go-smtp, the Twilio stand-in): go test ./server/e2e -run
// TestLoadDelivery -load -v.
func TestLoadDelivery(t *testing.T) {
	if !*load {
		t.Skip("-load not given")
	}
	mb := newMailbox(t)
	tw := &twilio{t: t, succeed: true, seen: map[string]int{}}
	tws := httptest.NewServer(tw)
	defer tws.Close()
	data := t.TempDir()
	key := newKey(t, data, "acme")
	host, port, _ := net.SplitHostPort(mb.addr)
	cfg, _ := json.Marshal(map[string]any{
		"smtp":   map[string]any{"host": host, "port": atoi(port), "username": "shop", "password": "smtp-secret"},
		"twilio": map[string]any{"base_url": tws.URL, "account_sid": "ACtest", "auth_token": "twilio-secret", "from": "+48 22 000 00 00"},
	})
	cfgFile := filepath.Join(t.TempDir(), "delivery.json")
	os.WriteFile(cfgFile, cfg, 0o600)
	s := start(t, data, "--rate-limit", "0", "--delivery", cfgFile)
	c := s.client(key)
	ws, err := os.ReadFile("../../examples/workspace.rules")
	if err != nil {
		t.Fatal(err)
	}
	rules := `on stage Nowe: send sms to client.phone[mobile] text "Dzień dobry {contact.name}"
on stage Nowe: send email to client.email[work] from sklep subject "Oferta {deal.title}" body "Dzień dobry {contact.name}"
`
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: []*v1.SourceFile{
		{Path: "workspace.rules", Content: string(ws)}, {Path: "d.rules", Content: rules}}, Modules: rabat(t, "")})); err != nil {
		t.Fatal(err)
	}
	jan, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "contact", Fields: map[string]*v1.Value{
		"name": text("Jan"), "phone": address("mobile", "+48 600 100 200"), "email": address("work", "jan@example.com")}}))
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(*loadDeliveryN) {
				if _, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
					"title": text("x"), "contact": text(jan.Msg.Item.Id)}})); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	created := time.Since(begin)
	want := 2 * *loadDeliveryN
	for len(mb.all())+len(tw.all()) < want {
		if time.Since(begin) > 5*time.Minute {
			t.Fatalf("%d of %d delivered after 5 minutes", len(mb.all())+len(tw.all()), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(begin)
	t.Logf("delivery: %d deals created in %v; their %d messages (%d e-mails over SMTP, %d SMS over HTTP) delivered %v after the first: %.0f messages/s",
		*loadDeliveryN, created.Round(time.Millisecond), want, len(mb.all()), len(tw.all()), took.Round(time.Millisecond), float64(want)/took.Seconds())
}
