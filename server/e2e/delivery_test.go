package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// mailbox is a real SMTP server (go-smtp) that keeps what it receives,
// behind AUTH PLAIN.
type mailbox struct {
	mu   sync.Mutex
	msgs []received
	addr string
}

type received struct {
	from string
	to   []string
	data []byte
}

type session struct {
	mb   *mailbox
	from string
	to   []string
	auth bool
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "shop" || pass != "smtp-secret" {
			return errors.New("bad credentials")
		}
		s.auth = true
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	s.mb.msgs = append(s.mb.msgs, received{s.from, s.to, b})
	s.mb.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func newMailbox(t *testing.T) *mailbox {
	mb := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{mb: mb}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return mb
}

func (mb *mailbox) all() []received {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]received(nil), mb.msgs...)
}

// twilio is a local stand-in for Twilio's REST API, holding each request
// to the shape Twilio wants; the first attempt of each message fails.
type twilio struct {
	t       *testing.T
	succeed bool // every attempt succeeds (else each first one fails)
	mu      sync.Mutex
	calls   []twilioCall
	seen    map[string]int // attempts by idempotency key
}

type twilioCall struct {
	resource string
	key      string
	form     map[string]string
}

func (tw *twilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != "ACtest" || pass != "twilio-secret" {
		http.Error(w, `{"code": 20003, "message": "Authenticate"}`, http.StatusUnauthorized)
		return
	}
	resource, found := strings.CutPrefix(r.URL.Path, "/2010-04-01/Accounts/ACtest/")
	if r.Method != "POST" || !found || resource != "Messages.json" && resource != "Calls.json" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		tw.t.Errorf("twilio: Content-Type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c := twilioCall{resource: resource, key: r.Header.Get("Idempotency-Key"), form: map[string]string{}}
	for k := range r.PostForm {
		c.form[k] = r.PostForm.Get(k)
	}
	tw.mu.Lock()
	tw.seen[c.key]++
	n := tw.seen[c.key]
	tw.calls = append(tw.calls, c)
	tw.mu.Unlock()
	if n == 1 && !tw.succeed {
		http.Error(w, `{"message": "try again"}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"sid": "SM%d", "status": "queued"}`, len(tw.calls))
}

func (tw *twilio) all() []twilioCall {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return append([]twilioCall(nil), tw.calls...)
}

// TestDelivery: deploy, create a deal, move it: the e-mail arrives at a
// real SMTP server, the SMS and the robocall at a Twilio stand-in (tried
// again after a failure, with the same idempotency key), the webhook's
// answer comes back to the rules; OutboxService shows each delivered.
func TestDelivery(t *testing.T) {
	mb := newMailbox(t)
	tw := &twilio{t: t, seen: map[string]int{}}
	tws := httptest.NewServer(tw)
	defer tws.Close()
	var hookMu sync.Mutex
	var hookKeys []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hookMu.Lock()
		hookKeys = append(hookKeys, r.Header.Get("Idempotency-Key"))
		hookMu.Unlock()
		if r.URL.Query().Get("deal") == "" || !strings.Contains(string(b), `"title": "Sofa Oslo"`) {
			http.Error(w, "bad request: "+string(b), http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, "PL-777")
	}))
	defer hook.Close()

	data := t.TempDir()
	key := newKey(t, data, "acme")
	host, port, _ := net.SplitHostPort(mb.addr)
	cfg := map[string]any{
		"smtp":   map[string]any{"host": host, "port": atoi(port), "username": "shop", "password": "smtp-secret"},
		"twilio": map[string]any{"base_url": tws.URL, "account_sid": "ACtest", "auth_token": "twilio-secret", "from": "+48 22 000 00 00"},
		"retry":  map[string]any{"base": "100ms", "max": "1s", "attempts": 5},
	}
	b, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(t.TempDir(), "delivery.json")
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, data, "--delivery", cfgFile)
	c := s.client(key)

	ws, err := os.ReadFile("../../examples/workspace.rules")
	if err != nil {
		t.Fatal(err)
	}
	rules := `on stage Nowe: send sms to client.phone[mobile] text "Dzień dobry {contact.name}, oddzwonimy."
on stage Nowe: send email to client.email[work] from sklep subject "Oferta: {deal.title}" body "Dzień dobry {contact.name},\nzapraszamy po odbiór: https://meble.example/oferta?id={deal.id}. Zażółć gęślą jaźń." track_clicks true
on stage Kontakt: send robocall to contact.phone[mobile] from biuro say "Dzień dobry {contact.name}" voice "pl-PL female"
on stage Kontakt: call webhook url "` + hook.URL + `/slots?deal={deal.id}" method POST payload "\{\"title\": \"{deal.title}\"\}" as slot
on stage Kontakt then if slot.status == 200: update deal.tracking_no = slot.body
move to stage Oferta when email opened
move to stage Dostawa when link clicked link "https://meble.example/oferta?id=` + "{deal.id}" + `"
`
	files := []*v1.SourceFile{{Path: "workspace.rules", Content: string(ws)}, {Path: "delivery.rules", Content: rules}}
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: files, Modules: rabat(t, "")})); err != nil {
		t.Fatal(err)
	}
	jan, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "contact", Fields: map[string]*v1.Value{
		"name": text("Jan"), "phone": address("mobile", "+48 600 100 200"), "email": address("work", "jan@example.com")}}))
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
		"title": text("Sofa Oslo"), "contact": text(jan.Msg.Item.Id), "responsible": text("anna")}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.crm.MoveItem(ctx(t), connect.NewRequest(&v1.MoveItemRequest{Id: d.Msg.Item.Id, Stage: "Kontakt"})); err != nil {
		t.Fatal(err)
	}

	// Everything delivered, as OutboxService says.
	deadline := time.Now().Add(20 * time.Second)
	var ms []*v1.Message
	for {
		ms = messages(t, c)
		done := len(ms) == 4
		for _, m := range ms {
			done = done && m.State == v1.DeliveryState_DELIVERY_STATE_DELIVERED
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not all delivered: %v", ms)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, m := range ms {
		want := int32(1)
		if m.Kind == "sms" || m.Kind == "robocall" {
			want = 2 // the stand-in fails each first attempt
		}
		if m.Attempts != want {
			t.Errorf("%s %s: %d attempts, want %d", m.Kind, m.Key, m.Attempts, want)
		}
	}

	// The e-mail, as the SMTP server got it.
	got := mb.all()
	if len(got) != 1 {
		t.Fatalf("%d e-mails received", len(got))
	}
	if got[0].from != "sklep@meble.example" || len(got[0].to) != 1 || got[0].to[0] != "jan@example.com" {
		t.Errorf("envelope: from %q to %v", got[0].from, got[0].to)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(got[0].data)))
	if err != nil {
		t.Fatal(err)
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	email := find(ms, "email", "jan@example.com")
	if subj != "Oferta: Sofa Oslo" || !strings.Contains(msg.Header.Get("Message-Id"), email.Key) {
		t.Errorf("e-mail: subject %q, Message-ID %q", subj, msg.Header.Get("Message-Id"))
	}
	parts := map[string]string{} // by content type
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		parts[ct] = string(b)
	}
	if !strings.Contains(parts["text/plain"], "Zażółć gęślą jaźń.") || !strings.Contains(parts["text/html"], "Zażółć") {
		t.Errorf("e-mail parts: %v", parts)
	}
	pixelURL := regexp.MustCompile(`http://[^"]+/t/o/[^"]+\.gif`).FindString(parts["text/html"])
	clickURL := regexp.MustCompile(`http://\S+/t/c/[A-Za-z0-9_~-]+`).FindString(parts["text/plain"])
	if pixelURL == "" || clickURL == "" || strings.Contains(parts["text/plain"], "meble.example/oferta") {
		t.Fatalf("no open pixel or tracked link in the e-mail:\n%s", got[0].data)
	}

	// The SMS and the call, as Twilio would get them; both attempts of each
	// with the same idempotency key.
	var sms, call []twilioCall
	for _, tc := range tw.all() {
		if tc.resource == "Messages.json" {
			sms = append(sms, tc)
		} else {
			call = append(call, tc)
		}
	}
	if len(sms) != 2 || sms[0].key == "" || sms[0].key != sms[1].key || sms[1].form["To"] != "+48600100200" ||
		sms[1].form["From"] != "+48220000000" || sms[1].form["Body"] != "Dzień dobry Jan, oddzwonimy." {
		t.Errorf("SMS requests: %v", sms)
	}
	if len(call) != 2 || call[0].key != call[1].key || call[1].form["From"] != "+48221234567" ||
		call[1].form["Twiml"] != `<Response><Say voice="woman" language="pl-PL">Dzień dobry Jan</Say></Response>` {
		t.Errorf("call requests: %v", call)
	}

	// The webhook's answer came back: the rule after it set the field.
	it, err := c.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: d.Msg.Item.Id}))
	if err != nil {
		t.Fatal(err)
	}
	if it.Msg.Item.Fields["tracking_no"].GetText() != "PL-777" {
		t.Errorf("after the webhook's answer: %v", it.Msg.Item.Fields)
	}
	hookMu.Lock()
	if len(hookKeys) != 1 || hookKeys[0] != "acme/"+find(ms, "webhook", hook.URL+"/slots?deal="+d.Msg.Item.Id).GetKey() {
		t.Errorf("webhook calls: %v", hookKeys)
	}
	hookMu.Unlock()

	// The open pixel and the click, fetched as a mail client would, move
	// the deal by T-EMAIL-OPENED and T-LINK-CLICKED; a forged token is refused.
	stage := func() string {
		it, err := c.crm.GetItem(ctx(t), connect.NewRequest(&v1.GetItemRequest{Id: d.Msg.Item.Id}))
		if err != nil {
			t.Fatal(err)
		}
		return it.Msg.Item.Stage
	}
	res, err := http.Get(pixelURL)
	if err != nil || res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/gif" {
		t.Fatalf("the pixel: %v %v", res, err)
	}
	res.Body.Close()
	if st := stage(); st != "Oferta" {
		t.Errorf("after the pixel: stage %s, want Oferta", st)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noRedirect.Get(clickURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || loc != "https://meble.example/oferta?id="+d.Msg.Item.Id {
		t.Errorf("the click: HTTP %d to %q", res.StatusCode, loc)
	}
	if st := stage(); st != "Dostawa" {
		t.Errorf("after the click: stage %s, want Dostawa", st)
	}
	forged := clickURL[:len(clickURL)-3] + "AAA"
	if res, err := noRedirect.Get(forged); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("a forged token: %v %v", res, err)
	}

	logs := s.logs.String()
	for _, secret := range []string{"smtp-secret", "twilio-secret", key} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a secret")
		}
	}
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// TestUndelivered: a message whose last attempt fails is written on its
// item's timeline, naming the message and why.
func TestUndelivered(t *testing.T) {
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such channel", http.StatusBadRequest)
	}))
	defer refuse.Close()
	data := t.TempDir()
	key := newKey(t, data, "acme")
	cfg, _ := json.Marshal(map[string]any{
		"chat":  map[string]any{"url": refuse.URL},
		"retry": map[string]any{"base": "50ms", "max": "100ms", "attempts": 2},
	})
	cfgFile := filepath.Join(t.TempDir(), "delivery.json")
	if err := os.WriteFile(cfgFile, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, data, "--delivery", cfgFile)
	c := s.client(key)
	ws, err := os.ReadFile("../../examples/workspace.rules")
	if err != nil {
		t.Fatal(err)
	}
	files := []*v1.SourceFile{{Path: "workspace.rules", Content: string(ws)},
		{Path: "chat.rules", Content: "on stage Nowe: send chat text \"Dzień dobry\"\n"}}
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: files, Modules: rabat(t, "")})); err != nil {
		t.Fatal(err)
	}
	d, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
		"title": text("Sofa"), "responsible": text("anna")}}))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		tl, err := c.crm.GetTimeline(ctx(t), connect.NewRequest(&v1.GetTimelineRequest{Id: d.Msg.Item.Id, PageSize: 1000}))
		if err != nil {
			t.Fatal(err)
		}
		joined := ""
		for _, e := range tl.Msg.Entries {
			joined += e.Text + "\n"
		}
		if strings.Contains(joined, "not delivered") {
			if !strings.Contains(joined, "no such channel") {
				t.Errorf("the timeline does not say why:\n%s", joined)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failure on the timeline:\n%s", joined)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
