package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// TestEmailAttachments: R-EMAIL with a document a rule created (fetched
// from the configured document service) and a file of the drive folder;
// both arrive at a real SMTP server (go-smtp) byte for byte.
func TestEmailAttachments(t *testing.T) {
	mb := newMailbox(t)
	data := t.TempDir()
	key := newKey(t, data, "acme")
	catalog := make([]byte, 200<<10) // every byte value, 200 KiB
	for i := range catalog {
		catalog[i] = byte(i*31 + i/256)
	}
	drive := filepath.Join(data, "tenants", "acme", "drive", "Katalogi") // the tenant's default drive folder
	if err := os.MkdirAll(drive, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(drive, "katalog-2026.pdf"), catalog, 0o600); err != nil {
		t.Fatal(err)
	}
	var docPath string
	docs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		docPath = r.URL.Path
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="Faktura ąę.pdf"`)
		w.Write([]byte("%PDF-1.7\n\x00\x01\xfe\xff faktura " + r.URL.Path))
	}))
	defer docs.Close()
	host, port, _ := net.SplitHostPort(mb.addr)
	cfg, _ := json.Marshal(map[string]any{
		"smtp":  map[string]any{"host": host, "port": atoi(port), "username": "shop", "password": "smtp-secret"},
		"files": map[string]any{"documents_url": docs.URL + "/documents/"},
	})
	cfgFile := filepath.Join(t.TempDir(), "delivery.json")
	if err := os.WriteFile(cfgFile, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, data, "--delivery", cfgFile)
	c := s.client(key)
	rules := `pipeline deal Sprzedaż {
    stage Nowe
    stage Oferta
}
employee anna "Anna Nowak" { email "anna@meble.example" }
mailbox sklep "sklep@meble.example"
template faktura "Faktura VAT"
on stage Oferta: create document template faktura name "Faktura {deal.title}" as dokument
on stage Oferta then: send email to client.email[work]
    from sklep
    subject "Faktura"
    body "Dzień dobry, faktura i katalog w załącznikach."
    attach [dokument]
    drive ["/Katalogi/katalog-2026.pdf"]
`
	if _, err := c.rules.Deploy(ctx(t), connect.NewRequest(&v1.DeployRequest{Files: []*v1.SourceFile{{Path: "a.rules", Content: rules}}})); err != nil {
		t.Fatal(err)
	}
	jan, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "contact", Fields: map[string]*v1.Value{
		"name": text("Jan"), "email": address("work", "jan@example.com")}}))
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.crm.CreateItem(ctx(t), connect.NewRequest(&v1.CreateItemRequest{Entity: "deal", Fields: map[string]*v1.Value{
		"title": text("Sofa"), "contact": text(jan.Msg.Item.Id), "responsible": text("anna")}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.crm.MoveItem(ctx(t), connect.NewRequest(&v1.MoveItemRequest{Id: d.Msg.Item.Id, Stage: "Oferta"})); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(mb.all()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no e-mail arrived; messages: %v", messages(t, c))
		}
		time.Sleep(20 * time.Millisecond)
	}
	m, err := mail.ReadMessage(bytes.NewReader(mb.all()[0].data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q", m.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var names []string
	var bodies [][]byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
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
		names = append(names, p.FileName())
		bodies = append(bodies, b)
	}
	if len(bodies) != 3 || !strings.Contains(string(bodies[0]), "faktura i katalog") {
		t.Fatalf("parts %q", names)
	}
	if want := "%PDF-1.7\n\x00\x01\xfe\xff faktura " + docPath; names[1] != "Faktura ąę.pdf" || string(bodies[1]) != want || !strings.HasPrefix(docPath, "/documents/") {
		t.Errorf("the document: %q %q (fetched %s)", names[1], bodies[1], docPath)
	}
	if names[2] != "katalog-2026.pdf" || !bytes.Equal(bodies[2], catalog) {
		t.Errorf("the catalogue: %q, %d bytes, equal %v", names[2], len(bodies[2]), bytes.Equal(bodies[2], catalog))
	}
}
