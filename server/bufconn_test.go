package server

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// The server's connections read through a buffer: requests of both
// protocols arrive whole, bodies larger and smaller than the buffer, many
// streams on one HTTP/2 connection at once, and HTTP/1.1 still closes a
// connection it is done with (half-closing it first).
func TestBufListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var ps http.Protocols
	ps.SetHTTP1(true)
	ps.SetUnencryptedHTTP2(true)
	srv := &http.Server{Protocols: &ps, ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/close" { // answered before the body is read: net/http half-closes
				w.Header().Set("Connection", "close")
				fmt.Fprint(w, r.Proto)
				return
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			fmt.Fprintf(w, "%s %x", r.Proto, sha256.Sum256(body))
		})}
	go srv.Serve(bufListener{ln})
	defer srv.Close()
	url := "http://" + ln.Addr().String()

	var h1, h2 http.Protocols
	h1.SetHTTP1(true)
	h2.SetUnencryptedHTTP2(true)
	for _, c := range []struct {
		proto string
		p     *http.Protocols
	}{{"HTTP/1.1", &h1}, {"HTTP/2.0", &h2}} {
		hc := &http.Client{Transport: &http.Transport{Protocols: c.p}}
		errs := make(chan error)
		for i := range 40 {
			go func() {
				body := bytes.Repeat([]byte{byte(i)}, []int{0, 1, 100, bufSize - 1, bufSize, bufSize + 1, 70 << 10, 1 << 20}[i%8])
				res, err := hc.Post(url+"/echo", "application/octet-stream", bytes.NewReader(body))
				if err != nil {
					errs <- err
					return
				}
				got, err := io.ReadAll(res.Body)
				res.Body.Close()
				if want := fmt.Sprintf("%s %x", c.proto, sha256.Sum256(body)); err != nil || string(got) != want {
					err = fmt.Errorf("%d bytes: got %q, %v; want %q", len(body), got, err, want)
				}
				errs <- err
			}()
		}
		for range 40 {
			if err := <-errs; err != nil {
				t.Errorf("%s: %v", c.proto, err)
			}
		}
		res, err := hc.Post(url+"/close", "application/octet-stream", bytes.NewReader(make([]byte, 1<<20)))
		if err != nil {
			t.Fatalf("%s: %v", c.proto, err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(got) != c.proto {
			t.Errorf("%s: answered %q before reading the body", c.proto, got)
		}
	}
}
