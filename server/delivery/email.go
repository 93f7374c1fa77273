package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	htmlpkg "html"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/stdlib"
)

// sendEmail sends an e-mail record over SMTP: STARTTLS when the server
// offers it (or as configured), AUTH PLAIN with credentials, the outbox key
// and the tenant as the Message-ID, so that a message tried twice is one
// message to a receiver that looks, and two tenants' messages are two.
func sendEmail(ctx context.Context, cfg *SMTP, files Files, hc *http.Client, tr Tracker, tenantName string, ef *engine.Effect) error {
	from := ef.Fields["from"]
	if from == "" || ef.To == "" {
		return permanent(errors.New("an e-mail without a sender or a recipient"))
	}
	atts, err := attachments(ctx, hc, files, ef.Fields)
	if err != nil {
		return err
	}
	msg, err := message(ef, time.Now(), tr, tenantName, atts)
	if err != nil {
		return permanent(err)
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello("stagecraft"); err != nil {
		return smtpErr(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && cfg.StartTLS != "never" {
		if err := c.StartTLS(&tls.Config{ServerName: cfg.Host}); err != nil {
			return smtpErr(err)
		}
	} else if cfg.StartTLS == "always" {
		return permanent(fmt.Errorf("%s does not offer STARTTLS, which the config requires", addr))
	}
	if cfg.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, cfg.Host)); err != nil {
			return smtpErr(err)
		}
	}
	if err := c.Mail(from); err != nil {
		return smtpErr(err)
	}
	if err := c.Rcpt(ef.To); err != nil {
		return smtpErr(err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpErr(err)
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return smtpErr(err)
	}
	return c.Quit()
}

// smtpErr keeps a 5xx reply permanent: the server refused for good.
func smtpErr(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return permanent(err)
	}
	return err
}

// Tracker makes the URLs of the open pixel and of tracked links
// (server/tracking).
type Tracker interface {
	OpenURL(tenant, key string) string
	ClickURL(tenant, key string, n int) string
}

// message is the MIME text of an e-mail record: UTF-8 text, quoted-
// printable, its subject encoded as RFC 2047 wants, its outbox key and
// tenant in the Message-ID and X-Stagecraft-Key (attemptKey). Every
// e-mail has an HTML part beside the text with the open pixel, so that its
// opening is T-EMAIL-OPENED whether or not its links are tracked; a
// tracked e-mail (track_clicks) also has its links pointing at signed
// click redirects. Without a tracker, the text alone, its links the
// originals. Attachments make it multipart/mixed, the text first.
func message(ef *engine.Effect, now time.Time, tr Tracker, tenantName string, atts []attachment) ([]byte, error) {
	for _, h := range []string{ef.To, ef.Fields["from"]} {
		if strings.ContainsAny(h, "\r\n") {
			return nil, errors.New("an address with a line break")
		}
	}
	body := strings.ReplaceAll(ef.Fields["body"], "\r\n", "\n")
	links, tracked := ef.Fields["links"]
	var originals []string
	if tracked && links != "" {
		originals = strings.Split(links, "\n")
	}
	placeholder := func(n int) string { return stdlib.TrackURL + ef.Key + "/" + strconv.Itoa(n) }
	text, html := body, htmlText(body)
	if len(originals) == 0 {
		html = linked(body) // its links clickable in the HTML part too, as mail clients make them in text
	}
	for n := len(originals); n >= 1; n-- { // /1 is a prefix of /10
		target := originals[n-1]
		if tr != nil {
			target = tr.ClickURL(tenantName, ef.Key, n)
		}
		text = strings.ReplaceAll(text, placeholder(n), target)
		html = strings.ReplaceAll(html, placeholder(n), `<a href="`+htmlpkg.EscapeString(target)+`">`+htmlpkg.EscapeString(originals[n-1])+`</a>`)
	}
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", ef.Fields["from"])
	hdr("To", ef.To)
	hdr("Subject", mime.QEncoding.Encode("utf-8", strings.ReplaceAll(ef.Fields["subject"], "\n", " ")))
	hdr("Date", now.UTC().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+ef.Key+"."+strconv.FormatInt(ef.Seq, 10)+"."+tenantName+"@stagecraft>")
	hdr("X-Stagecraft-Key", attemptKey(tenantName, ef))
	hdr("MIME-Version", "1.0")
	if len(atts) > 0 {
		// multipart/mixed: the content first, then each file.
		mixed := "stagecraft-mixed-" + ef.Key
		hdr("Content-Type", `multipart/mixed; boundary="`+mixed+`"`)
		b.WriteString("\r\n--" + mixed + "\r\n")
		if err := content(&b, ef, text, html, tr != nil, tr, tenantName); err != nil {
			return nil, err
		}
		for _, a := range atts {
			b.WriteString("--" + mixed + "\r\n")
			attach(&b, a)
		}
		b.WriteString("--" + mixed + "--\r\n")
		return b.Bytes(), nil
	}
	if err := content(&b, ef, text, html, tr != nil, tr, tenantName); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// content writes the text of a message as a MIME entity (its Content-Type
// header, a blank line, the content): plain text, or with a tracker a
// multipart/alternative of the text and an HTML part with the open pixel.
func content(b *bytes.Buffer, ef *engine.Effect, text, html string, pixel bool, tr Tracker, tenantName string) error {
	if !pixel {
		return part(b, "text/plain", text)
	}
	html += `<img src="` + htmlpkg.EscapeString(tr.OpenURL(tenantName, ef.Key)) + `" width="1" height="1" alt="">`
	boundary := "stagecraft-" + ef.Key
	fmt.Fprintf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary)
	for _, p := range [][2]string{{"text/plain", text}, {"text/html", "<!doctype html><html><body>" + html + "</body></html>"}} {
		b.WriteString("--" + boundary + "\r\n")
		if err := part(b, p[0], p[1]); err != nil {
			return err
		}
	}
	b.WriteString("--" + boundary + "--\r\n")
	return nil
}

// attach writes a file as a part: base64 in lines of 76 characters, its
// name RFC 2231-encoded when it is not ASCII.
func attach(b *bytes.Buffer, a attachment) {
	ctype := mime.FormatMediaType(a.ctype, map[string]string{"name": a.name})
	if ctype == "" { // a type FormatMediaType will not write
		ctype = mime.FormatMediaType("application/octet-stream", map[string]string{"name": a.name})
	}
	fmt.Fprintf(b, "Content-Type: %s\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: %s\r\n\r\n",
		ctype, mime.FormatMediaType("attachment", map[string]string{"filename": a.name}))
	enc := base64.StdEncoding.EncodeToString(a.data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

// part writes a part's headers and its content, quoted-printable.
func part(b *bytes.Buffer, ctype, content string) error {
	fmt.Fprintf(b, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", ctype)
	qp := quotedprintable.NewWriter(b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(content, "\n", "\r\n"))); err != nil {
		return err
	}
	if err := qp.Close(); err != nil {
		return err
	}
	b.WriteString("\r\n")
	return nil
}

// htmlText is a text as HTML: escaped, its lines broken.
func htmlText(s string) string {
	return strings.ReplaceAll(htmlpkg.EscapeString(s), "\n", "<br>\n")
}

// linkURL is a link in a text: http or https, up to a space, a quote or
// an angle bracket, without the punctuation that ends a sentence.
var linkURL = regexp.MustCompile(`https?://[^\s<>"']*[^\s<>"'.,;:!?)]`)

// linked is htmlText with the text's links made links.
func linked(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range linkURL.FindAllStringIndex(s, -1) {
		b.WriteString(htmlText(s[last:m[0]]))
		u := htmlpkg.EscapeString(s[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(htmlText(s[last:]))
	return b.String()
}
