package delivery

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/stdlib"
)

func TestTwiml(t *testing.T) {
	for _, c := range []struct {
		fields map[string]string
		want   string
	}{
		{map[string]string{"say": "Dzień dobry <Jan> & co", "voice": "pl-PL female", "speed": "1"},
			`<Response><Say voice="woman" language="pl-PL">Dzień dobry &lt;Jan&gt; &amp; co</Say></Response>`},
		{map[string]string{"say": "Hi", "voice": "en-GB male", "speed": "1.5"},
			`<Response><Say voice="man" language="en-GB"><prosody rate="150%">Hi</prosody></Say></Response>`},
		{map[string]string{"say": "Hi", "voice": "pl-PL female", "speed": "1.5", "volume": "50"},
			`<Response><Say voice="woman" language="pl-PL"><prosody rate="150%" volume="-6.0dB">Hi</prosody></Say></Response>`},
		{map[string]string{"say": "Hi", "voice": "pl-PL female", "speed": "1", "volume": "0"},
			`<Response><Say voice="woman" language="pl-PL"><prosody volume="silent">Hi</prosody></Say></Response>`},
		{map[string]string{"say": "Hi", "voice": "pl-PL female", "volume": "100"},
			`<Response><Say voice="woman" language="pl-PL">Hi</Say></Response>`},
		{map[string]string{"audio": "https://x.example/a.mp3?a=1&b=2"},
			`<Response><Play>https://x.example/a.mp3?a=1&amp;b=2</Play></Response>`},
	} {
		if got := twiml(c.fields); got != c.want {
			t.Errorf("twiml(%v):\n got %s\nwant %s", c.fields, got, c.want)
		}
	}
}

type fakeTracker struct{}

func (fakeTracker) OpenURL(tenant, key string) string {
	return "https://t.example/o/" + tenant + "/" + key
}
func (fakeTracker) ClickURL(tenant, key string, n int) string {
	return "https://t.example/c/" + tenant + "/" + key + "/" + string(rune('0'+n))
}

// TestMessage: headers encoded, no header injection, tracked links and
// the open pixel, links back to the originals without a tracker.
func TestMessage(t *testing.T) {
	ef := &engine.Effect{Key: "7-1", Seq: 7, Kind: "email", To: "jan@example.com", Fields: map[string]string{
		"from": "sklep@meble.example", "subject": "Zamówienie\nnr 5",
		"body":  "Link: " + stdlib.TrackURL + "7-1/1 i " + stdlib.TrackURL + "7-1/2.",
		"links": "https://a.example/1\nhttps://a.example/2",
	}}
	raw, err := message(ef, time.Unix(0, 0), fakeTracker{}, "acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if subj != "Zamówienie nr 5" || m.Header.Get("X-Stagecraft-Key") != "acme/7-1" || m.Header.Get("Message-Id") != "<7-1.7.acme@stagecraft>" {
		t.Errorf("headers: %v", m.Header)
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	mr := multipart.NewReader(m.Body, params["boundary"])
	parts := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = string(b)
	}
	if want := "Link: https://t.example/c/acme/7-1/1 i https://t.example/c/acme/7-1/2."; parts["text/plain"] != want+"\r\n" && parts["text/plain"] != want {
		t.Errorf("text: %q", parts["text/plain"])
	}
	if !strings.Contains(parts["text/html"], `<a href="https://t.example/c/acme/7-1/2">https://a.example/2</a>`) ||
		!strings.Contains(parts["text/html"], `<img src="https://t.example/o/acme/7-1"`) {
		t.Errorf("html: %q", parts["text/html"])
	}

	// Without a tracker: plain text with the original links.
	raw, err = message(ef, time.Unix(0, 0), nil, "acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "Link: https://a.example/1 i https://a.example/2.") || strings.Contains(string(raw), "multipart") {
		t.Errorf("untracked:\n%s", raw)
	}

	// An e-mail whose links are not tracked still has the open pixel
	// (T-EMAIL-OPENED), its links as written.
	plain := &engine.Effect{Key: "8-1", Seq: 8, Kind: "email", To: "jan@example.com", Fields: map[string]string{
		"from": "sklep@meble.example", "subject": "Oferta", "body": "Zobacz https://a.example/oferta"}}
	raw, err = message(plain, time.Unix(0, 0), fakeTracker{}, "acme", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.ReplaceAll(string(raw), "=\r\n", ""); !strings.Contains(s, "multipart/alternative") || !strings.Contains(s, `https://t.example/o/acme/8-1`) ||
		strings.Contains(s, "t.example/c/") || !strings.Contains(s, "Zobacz https://a.example/oferta") ||
		!strings.Contains(s, `<a href=3D"https://a.example/oferta">https://a.example/oferta</a>`) {
		t.Errorf("an untracked e-mail with a tracker:\n%s", s)
	}

	ef.To = "jan@example.com\r\nBcc: all@example.com"
	if _, err := message(ef, time.Unix(0, 0), nil, "acme", nil); err == nil {
		t.Errorf("a recipient with a line break was taken")
	}
}

func TestBackoff(t *testing.T) {
	r := Config{}.withDefaults().Retry
	var got []time.Duration
	for a := 1; a <= 11; a++ {
		got = append(got, r.backoff(a))
	}
	if got[0] != time.Second || got[1] != 2*time.Second || got[8] != 256*time.Second || got[9] != 5*time.Minute || got[10] != 5*time.Minute {
		t.Errorf("backoff: %v", got)
	}
}

func TestConfigEnv(t *testing.T) {
	c := Config{}
	env := map[string]string{"STAGECRAFT_SMTP_HOST": "smtp.example", "STAGECRAFT_SMTP_PORT": "2525", "STAGECRAFT_SMTP_PASSWORD": "pw",
		"STAGECRAFT_TWILIO_SID": "AC1", "STAGECRAFT_TWILIO_TOKEN": "tok"}
	if err := c.env(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	c = c.withDefaults()
	if c.SMTP.Host != "smtp.example" || c.SMTP.Port != 2525 || c.Twilio.BaseURL != "https://api.twilio.com" {
		t.Errorf("config: %+v %+v", c.SMTP, c.Twilio)
	}
	if s := c.String(); strings.Contains(s, "pw") || strings.Contains(s, "tok") {
		t.Errorf("String shows a credential: %s", s)
	}
	bad := Config{Twilio: &Twilio{AccountSID: "AC1"}}
	if bad.check() == nil {
		t.Errorf("twilio without a token was taken")
	}
}

// TestAttachments: files from the drive folder and from a URL go out as
// base64 parts of a multipart/mixed message, byte for byte, after the
// text; a path cannot leave the drive folder; the limit holds.
func TestAttachments(t *testing.T) {
	drive := t.TempDir()
	bin := make([]byte, 3000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	if err := os.MkdirAll(filepath.Join(drive, "Katalogi"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(drive, "Katalogi", "katalog 2026 zażółć.pdf"), bin, 0o600); err != nil {
		t.Fatal(err)
	}
	doc := []byte("%PDF-1.4 faktura\x00\xff")
	var away string // another host's URL, where /away redirects
	if f, err := os.Create(filepath.Join(drive, "big.bin")); err != nil || f.Truncate(DefaultMaxAttachments+1) != nil || f.Close() != nil {
		t.Fatal("a big file:", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/away" {
			http.Redirect(w, r, away, http.StatusFound)
			return
		}
		if r.URL.Path != "/docs/12-1" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="faktura.pdf"`)
		w.Write(doc)
	}))
	defer srv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secret")) }))
	defer other.Close()
	away = strings.Replace(other.URL, "127.0.0.1", "localhost", 1) + "/x.pdf"
	cfg := Files{Drive: drive, DocumentsURL: srv.URL + "/docs/"}
	fields := map[string]string{"attach": stdlib.DocumentURL + "12-1", "drive": "/Katalogi/katalog 2026 zażółć.pdf"}
	atts, err := attachments(context.Background(), srv.Client(), cfg, fields)
	if err != nil {
		t.Fatal(err)
	}
	ef := &engine.Effect{Key: "12-2", Seq: 12, Kind: "email", To: "jan@example.com",
		Fields: map[string]string{"from": "sklep@meble.example", "subject": "Faktura", "body": "W załączniku."}}
	raw, err := message(ef, time.Unix(0, 0), nil, "acme", atts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	got := readParts(t, m)
	if len(got) != 3 || got[0].ctype != "text/plain" || string(got[0].data) != "W załączniku." {
		t.Fatalf("parts: %+v", got)
	}
	if got[1].name != "faktura.pdf" || got[1].ctype != "application/pdf" || !bytes.Equal(got[1].data, doc) {
		t.Errorf("the document: %q %q %q", got[1].name, got[1].ctype, got[1].data)
	}
	if got[2].name != "katalog 2026 zażółć.pdf" || got[2].ctype != "application/pdf" || !bytes.Equal(got[2].data, bin) {
		t.Errorf("the drive file: %q %q, %d bytes", got[2].name, got[2].ctype, len(got[2].data))
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("a line of %d characters (SMTP takes 998)", len(line))
		}
	}

	for _, c := range []struct {
		cfg    Files
		fields map[string]string
		err    string
		perm   bool
	}{
		{cfg, map[string]string{"drive": "/../../etc/passwd"}, "drive /etc/passwd: no such file", true},
		{cfg, map[string]string{"drive": "/Katalogi"}, "not a file", true},
		{Files{Drive: drive}, map[string]string{"attach": stdlib.DocumentURL + "12-1"}, "no files.documents_url", true},
		{cfg, map[string]string{"attach": srv.URL + "/missing.pdf?token=s3cret"}, "HTTP 404", true},
		{Files{Drive: drive, MaxBytes: 2999}, map[string]string{"drive": "/Katalogi/katalog 2026 zażółć.pdf"}, "pass 2999 bytes", true},
		{Files{Drive: drive}, map[string]string{"drive": "/big.bin"}, "pass 10485760 bytes (files.max_bytes)", true}, // the default in force
		{Files{AllowHosts: []string{"127.0.0.1:1"}, AllowPrivate: true}, map[string]string{"attach": "http://127.0.0.1:1/x.pdf"}, "connect", false},
		// SSRF: a file field's link to a host not allowed, to a loopback
		// address without allow_private, or redirected to another host.
		{cfg, map[string]string{"attach": "http://169.254.169.254/latest/meta-data/?t=s3cret"}, "neither files.documents_url's nor in files.allow_hosts", true},
		{Files{AllowHosts: []string{"127.0.0.1"}}, map[string]string{"attach": other.URL + "/x.pdf"}, "non-public address", true},
		{Files{AllowHosts: []string{"localhost"}}, map[string]string{"attach": strings.Replace(other.URL, "127.0.0.1", "localhost", 1) + "/x.pdf"}, "non-public address", true},
		{cfg, map[string]string{"attach": srv.URL + "/away?token=s3cret"}, "a redirect to another host", true},
	} {
		_, err := attachments(context.Background(), srv.Client(), c.cfg, c.fields)
		var perm errPermanent
		if err == nil || !strings.Contains(err.Error(), c.err) || errors.As(err, &perm) != c.perm {
			t.Errorf("%v: %v (permanent %v), want %q (permanent %v)", c.fields, err, errors.As(err, &perm), c.err, c.perm)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("an error quotes a URL's query: %v", err)
		}
	}
}

type gotPart struct {
	ctype, name string
	data        []byte
}

// readParts reads a multipart/mixed message's parts, decoded.
func readParts(t *testing.T, m *mail.Message) []gotPart {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var out []gotPart
	for {
		p, err := mr.NextPart() // decodes quoted-printable itself
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "base64" {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out = append(out, gotPart{ctype: ct, name: p.FileName(), data: b})
	}
}

// A file list is a JSON array of texts, as the standard library writes
// attach and drive, so a name with ", " in it is one file; an outbox record
// written before that has the list rendered for reading, split again.
func TestFileLists(t *testing.T) {
	drive := t.TempDir()
	if err := os.WriteFile(filepath.Join(drive, "Oferta, v2.pdf"), []byte("oferta"), 0o600); err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{"drive": `["/Oferta, v2.pdf"]`}
	atts, err := attachments(context.Background(), http.DefaultClient, Files{Drive: drive}, fields)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 1 || atts[0].name != "Oferta, v2.pdf" || string(atts[0].data) != "oferta" {
		t.Fatalf("attachments: %+v", atts)
	}
	for in, want := range map[string][]string{
		`["a, b.pdf","c.pdf"]`: {"a, b.pdf", "c.pdf"},
		"a.pdf, c.pdf":         {"a.pdf", "c.pdf"}, // an older record
		"":                     nil,
	} {
		if got := listOf(in); !slices.Equal(got, want) {
			t.Errorf("listOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestLoadStrict: a member the configuration does not have is refused,
// naming it, rather than left out quietly (a misspelt "retry" would start
// the server with retries the operator did not choose).
func TestLoadStrict(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ json, want string }{
		{`{"retyr": {"attempts": 1}}`, `unknown field "retyr"`},
		{`{"smtp": {"hostt": "x"}}`, `unknown field "hostt"`},
		{`{"retry": {"attempts": 1}} {}`, "more than one JSON value"},
	} {
		name := filepath.Join(dir, "delivery.json")
		if err := os.WriteFile(name, []byte(c.json), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(name); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.json, err, c.want)
		}
	}
	name := filepath.Join(dir, "ok.json")
	if err := os.WriteFile(name, []byte(`{"retry": {"attempts": 2, "base": "10ms"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := Load(name); err != nil || c.Retry.Attempts != 2 {
		t.Errorf("a good file: %+v, %v", c, err)
	}
}

// TestE164: phone numbers go to Twilio in E.164; what is not a number
// (a sender ID with digits, a service SID, a channel prefix) goes as is.
func TestE164(t *testing.T) {
	for in, want := range map[string]string{
		"+48 600 100 200":       "+48600100200",
		"+48 (22) 123-45-67":    "+48221234567",
		"+48 (0) 600 100 200":   "+48600100200",
		"+44 (0)20 7946 0000":   "+442079460000",
		"0048 600 100 200":      "+48600100200",
		" 0048600100200":        "+48600100200",
		"600 100 200":           "600100200",
		"0048 (0) 600 100 200":  "+48600100200",
		"+48 600 100 (0)20":     "+48600100020",
		"Meble24":               "Meble24",
		"MG9752274e9e519418a":   "MG9752274e9e519418a",
		"whatsapp:+48600100200": "whatsapp:+48600100200",
	} {
		if got := e164(in); got != want {
			t.Errorf("e164(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDocumentsPublic: a document the rules made goes out at the
// operator's documents URL, in a message's text and in its tracked links,
// and is attached as a file with its type's extension when its server
// names none (4-1 served as a PDF is 4-1.pdf).
func TestDocumentsPublic(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.4"))
	}))
	defer srv.Close()
	cfg := Files{DocumentsURL: srv.URL + "/docs"}
	ef := &engine.Effect{Key: "4-2", Kind: "email", Fields: map[string]string{
		"body":   "Oferta: " + stdlib.DocumentURL + "4-1",
		"links":  stdlib.DocumentURL + "4-1",
		"attach": `["` + stdlib.DocumentURL + `4-1"]`,
	}}
	out := publicLinks(ef, cfg)
	if want := "Oferta: " + srv.URL + "/docs/4-1"; out.Fields["body"] != want || out.Fields["links"] != srv.URL+"/docs/4-1" {
		t.Errorf("body %q, links %q; want %q", out.Fields["body"], out.Fields["links"], want)
	}
	if out.Fields["attach"] != ef.Fields["attach"] || ef.Fields["body"] == out.Fields["body"] {
		t.Errorf("attach rewritten (%q), or the record changed (%q)", out.Fields["attach"], ef.Fields["body"])
	}
	if publicLinks(ef, Files{}) != ef {
		t.Error("without documents_url the effect is not the record")
	}
	atts, err := attachments(context.Background(), srv.Client(), cfg, ef.Fields)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 1 || atts[0].name != "4-1.pdf" || atts[0].ctype != "application/pdf" {
		t.Errorf("attachments %+v", atts)
	}
}
