package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	htmlpkg "html"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/stdlib"
)

// sendEmail sends an e-mail record over SMTP: STARTTLS when the server
// offers it (or as configured), AUTH PLAIN with credentials, the outbox key
// as the Message-ID, so that a message tried twice is one message to a
// receiver that looks.
func sendEmail(ctx context.Context, cfg *SMTP, tr Tracker, tenantName string, ef *engine.Effect) error {
	from := ef.Fields["from"]
	if from == "" || ef.To == "" {
		return permanent(errors.New("an e-mail without a sender or a recipient"))
	}
	msg, err := message(ef, time.Now(), tr, tenantName)
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
// printable, its subject encoded as RFC 2047 wants, its outbox key as the
// Message-ID and in X-Stagecraft-Key. A tracked e-mail (track_clicks) has
// its links pointing at signed click redirects, and an HTML part beside
// the text with the open pixel; without a tracker its links are the
// originals again.
func message(ef *engine.Effect, now time.Time, tr Tracker, tenantName string) ([]byte, error) {
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
	hdr("Message-ID", "<"+ef.Key+"."+strconv.FormatInt(ef.Seq, 10)+"@stagecraft>")
	hdr("X-Stagecraft-Key", ef.Key)
	hdr("MIME-Version", "1.0")
	if !tracked || tr == nil {
		if err := part(&b, "text/plain", text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	html += `<img src="` + htmlpkg.EscapeString(tr.OpenURL(tenantName, ef.Key)) + `" width="1" height="1" alt="">`
	boundary := "stagecraft-" + ef.Key
	hdr("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	for _, p := range [][2]string{{"text/plain", text}, {"text/html", "<!doctype html><html><body>" + html + "</body></html>"}} {
		b.WriteString("--" + boundary + "\r\n")
		if err := part(&b, p[0], p[1]); err != nil {
			return nil, err
		}
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), nil
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
