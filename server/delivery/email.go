package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/runtime/engine"
)

// sendEmail sends an e-mail record over SMTP: STARTTLS when the server
// offers it (or as configured), AUTH PLAIN with credentials, the outbox key
// as the Message-ID, so that a message tried twice is one message to a
// receiver that looks.
func sendEmail(ctx context.Context, cfg *SMTP, ef *engine.Effect) error {
	from := ef.Fields["from"]
	if from == "" || ef.To == "" {
		return permanent(errors.New("an e-mail without a sender or a recipient"))
	}
	msg, err := message(ef, time.Now())
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

// message is the MIME text of an e-mail record: UTF-8 text, quoted-
// printable, its subject encoded as RFC 2047 wants, its outbox key as the
// Message-ID and in X-Stagecraft-Key.
func message(ef *engine.Effect, now time.Time) ([]byte, error) {
	for _, h := range []string{ef.To, ef.Fields["from"]} {
		if strings.ContainsAny(h, "\r\n") {
			return nil, errors.New("an address with a line break")
		}
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
	hdr("Content-Type", "text/plain; charset=utf-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(ef.Fields["body"], "\r\n", "\n")
	if _, err := qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}
