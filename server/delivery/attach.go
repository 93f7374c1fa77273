package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

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
}

// DefaultMaxAttachments is Files.MaxBytes's default.
const DefaultMaxAttachments = 10 << 20

// attachment is a file to send with an e-mail.
type attachment struct {
	name, ctype string
	data        []byte
}

// listOf splits a setting rendered as text: a list's elements are joined
// by ", " (value.String).
func listOf(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
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
	left := cfg.MaxBytes
	if left <= 0 {
		left = DefaultMaxAttachments
	}
	add := func(a attachment, err error) error {
		if err != nil {
			return err
		}
		left -= int64(len(a.data))
		if left < 0 {
			return permanent(fmt.Errorf("the attachments pass %d bytes (files.max_bytes)", cfg.MaxBytes))
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
			err = add(fetch(ctx, hc, strings.TrimRight(cfg.DocumentsURL, "/")+"/"+url.PathEscape(id), left))
		case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
			err = add(fetch(ctx, hc, ref, left))
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
	return a, nil
}

// redact is a URL without its query, which may carry a token, for errors.
func redact(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}
