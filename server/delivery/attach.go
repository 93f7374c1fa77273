package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/stagecraft/stagecraft/stdlib"
)

// Files is where an e-mail's attachments (R-EMAIL attach and drive) are
// read from.
type Files struct {
	// Drive is the folder of the document store: a rule's drive
	// "/Katalogi/katalog.pdf" is Drive/Katalogi/katalog.pdf. Default
	// DATA/tenants/NAME/drive.
	Drive string `json:"drive,omitempty"`
	// DocumentsURL is where the documents rules create (R-DOCUMENT) are
	// fetched: the document ID is appended. Without it an e-mail attaching
	// a document fails, and says so.
	DocumentsURL string `json:"documents_url,omitempty"`
	// MaxBytes bounds an e-mail's attachments together; default 10 MiB
	// (25 MB is the common limit of receiving servers, after base64's
	// third more).
	MaxBytes int64 `json:"max_bytes,omitempty"`
	// AllowHosts are the hosts ("files.example.com", or with a port) an
	// http(s) link in a file field (CRM user data) may be fetched from,
	// beside DocumentsURL's host. A link to any other host fails the
	// e-mail: the server would otherwise fetch whatever a user typed
	// (SSRF) and mail it out.
	AllowHosts []string `json:"allow_hosts,omitempty"`
	// AllowPrivate lets a file field's link reach loopback, private,
	// link-local and other non-public addresses, refused by default when
	// the connection is made (whatever the name resolved to). For tests
	// on 127.0.0.1, or an allowed host on the local network.
	AllowPrivate bool `json:"allow_private,omitempty"`
}

// DefaultMaxAttachments is Files.MaxBytes's default.
const DefaultMaxAttachments = 10 << 20

// attachment is a file to send with an e-mail.
type attachment struct {
	name, ctype string
	data        []byte
}

// listOf reads a file list of an effect: a JSON array of texts, as the
// standard library writes attach and drive; an outbox record written
// before it has the list rendered for reading, its elements joined by
// ", ", which is split again.
func listOf(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	if strings.HasPrefix(s, "[") {
		var files []string
		if json.Unmarshal([]byte(s), &files) == nil {
			return files
		}
	}
	var out []string
	for _, p := range strings.Split(s, ", ") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// attachments reads an e-mail record's files: attach (links to documents
// the rules created, URLs of file fields, or drive paths) and drive
// (paths in the document store). A file that does not exist, or a limit
// passed, is a permanent failure; a server that does not answer is tried
// again with the message.
func attachments(ctx context.Context, hc *http.Client, cfg Files, fields map[string]string) ([]attachment, error) {
	var out []attachment
	limit := cfg.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxAttachments
	}
	left := limit
	add := func(a attachment, err error) error {
		if err != nil {
			return err
		}
		left -= int64(len(a.data))
		if left < 0 {
			return permanent(fmt.Errorf("the attachments pass %d bytes (files.max_bytes)", limit))
		}
		if a.ctype == "" {
			a.ctype = mime.TypeByExtension(path.Ext(a.name))
		}
		if a.ctype == "" {
			a.ctype = "application/octet-stream"
		}
		out = append(out, a)
		return nil
	}
	for _, ref := range listOf(fields["attach"]) {
		var err error
		switch {
		case strings.HasPrefix(ref, stdlib.DocumentURL):
			id := strings.TrimPrefix(ref, stdlib.DocumentURL)
			if cfg.DocumentsURL == "" {
				err = permanent(fmt.Errorf("document %s: no files.documents_url to fetch it from", id))
				break
			}
			// The operator's own service, wherever it lies: not checked.
			err = add(fetch(ctx, fileClient(hc, true), strings.TrimRight(cfg.DocumentsURL, "/")+"/"+url.PathEscape(id), left))
		case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
			var trusted bool
			if trusted, err = cfg.allowed(ref); err == nil {
				err = add(fetch(ctx, fileClient(hc, trusted || cfg.AllowPrivate), ref, left))
			}
		default: // a file field naming a file of the document store
			err = add(readDrive(cfg.Drive, ref, left))
		}
		if err != nil {
			return nil, err
		}
	}
	for _, p := range listOf(fields["drive"]) {
		if err := add(readDrive(cfg.Drive, p, left)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// allowed says whether a file field's link may be fetched: its host is
// DocumentsURL's (trusted: the operator named it, so its address is not
// checked) or one of AllowHosts (its address checked when connecting).
func (cfg Files) allowed(ref string) (trusted bool, err error) {
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return false, permanent(fmt.Errorf("attachment %s: not a URL", redact(ref)))
	}
	if d, err := url.Parse(cfg.DocumentsURL); err == nil && cfg.DocumentsURL != "" && strings.EqualFold(d.Host, u.Host) {
		return true, nil
	}
	for _, h := range cfg.AllowHosts {
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return false, nil
		}
	}
	return false, permanent(fmt.Errorf("attachment %s: the host %s is neither files.documents_url's nor in files.allow_hosts", redact(ref), u.Host))
}

// errAddress is a connection refused for its address.
var errAddress = errors.New("a non-public address (files.allow_private allows it)")

// publicOnly is a dialer's Control refusing loopback, private, link-local,
// shared (100.64/10), unspecified and multicast addresses: checked on the
// address dialled, so a name that resolves to one, or rebinds to one, is
// refused too.
func publicOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip) || netip.MustParsePrefix("0.0.0.0/8").Contains(ip) {
		return fmt.Errorf("%s: %w", ip, errAddress)
	}
	return nil
}

// fileClient is hc for fetching attachments: no redirect to another host,
// no proxy, no kept connections, and unless anyAddress only public
// addresses dialled.
func fileClient(hc *http.Client, anyAddress bool) *http.Client {
	var tr *http.Transport
	if t, ok := hc.Transport.(*http.Transport); ok && t != nil {
		tr = t.Clone()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	tr.Proxy = nil
	tr.DisableKeepAlives = true
	d := &net.Dialer{Timeout: 30 * time.Second}
	if !anyAddress {
		d.Control = publicOnly
	}
	tr.DialContext = d.DialContext
	return &http.Client{Transport: tr, Timeout: hc.Timeout, Jar: nil,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("more than 10 redirects")
			}
			if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
				return fmt.Errorf("a redirect to another host (%s): %w", req.URL.Host, errRedirect)
			}
			return nil
		}}
}

var errRedirect = errors.New("not followed")

// readDrive reads a path of the document store; the path cannot leave it.
func readDrive(dir, p string, limit int64) (attachment, error) {
	if dir == "" {
		return attachment{}, permanent(fmt.Errorf("drive %s: no files.drive folder", p))
	}
	clean := path.Clean("/" + p) // "/../x" is "/x": never above the folder
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(clean)))
	if errors.Is(err, fs.ErrNotExist) {
		return attachment{}, permanent(fmt.Errorf("drive %s: no such file", clean))
	}
	if err != nil {
		return attachment{}, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return attachment{}, permanent(fmt.Errorf("drive %s: not a file", clean))
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return attachment{}, err
	}
	return attachment{name: path.Base(clean), data: data}, nil
}

// fetch downloads an attachment, reading at most limit+1 bytes (one more
// than allowed tells the caller the limit is passed).
func fetch(ctx context.Context, hc *http.Client, u string, limit int64) (attachment, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return attachment{}, permanent(err)
	}
	req.Header.Set("User-Agent", "stagecraft")
	res, err := hc.Do(req)
	if err != nil {
		if errors.Is(err, errAddress) || errors.Is(err, errRedirect) {
			return attachment{}, permanent(fmt.Errorf("attachment %s: %w", redact(u), unwrapURL(err)))
		}
		return attachment{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return attachment{}, fmt.Errorf("attachment %s: %w", redact(u), httpStatus(res.StatusCode, b))
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return attachment{}, err
	}
	a := attachment{data: data, name: path.Base(req.URL.Path)}
	if _, params, err := mime.ParseMediaType(res.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		a.name = path.Base(params["filename"])
	}
	if ct, _, err := mime.ParseMediaType(res.Header.Get("Content-Type")); err == nil && ct != "text/plain" {
		a.ctype = ct // a server's text/plain is often a default: the extension says more
	}
	if a.name == "/" || a.name == "." || a.name == "" {
		a.name = "attachment"
	}
	if exts, _ := mime.ExtensionsByType(a.ctype); path.Ext(a.name) == "" && len(exts) > 0 {
		// A document served at its ID (4-1) as a PDF: 4-1.pdf, which a
		// mail client opens as one.
		a.name += exts[0]
	}
	return a, nil
}

// Public writes a text to go out with the links to documents the rules
// made (stdlib.DocumentURL, their IDs in the engine's records) at
// DocumentsURL, where the operator serves them: a client's link to its
// invoice must open. Without DocumentsURL the text is as recorded.
func (cfg Files) Public(s string) string {
	if cfg.DocumentsURL == "" || !strings.Contains(s, stdlib.DocumentURL) {
		return s
	}
	return strings.ReplaceAll(s, stdlib.DocumentURL, strings.TrimRight(cfg.DocumentsURL, "/")+"/")
}

// unwrapURL is a client's error without the url.Error around it, which
// quotes the URL with its query.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redact is a URL without its query, which may carry a token, for errors.
func redact(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}
