package loadgen

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestRun: each answer, of a Content-Length or chunked (longer than
// net/http buffers before it chunks), is read whole and in its order on
// the connection; a status other than the check wants fails the run.
func TestRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "Bearer k" || r.Header.Get("Content-Type") != "application/proto" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		n := 0
		fmt.Sscan(string(body), &n)
		w.Write(bytes.Repeat([]byte("x"), n)) // over 2 kB: chunked
		fmt.Fprintf(w, "%s|%s", r.URL.Path, body)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	p, err := Dial(host, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var reqs [][]byte
	for i := range 100 {
		reqs = append(reqs, Connect(host, "/s/M", "k", []byte(fmt.Sprint(i*97%5000))))
	}
	res, err := p.Run(reqs, func(i, status int, body []byte) error {
		n := i * 97 % 5000
		want := strings.Repeat("x", n) + fmt.Sprintf("/s/M|%d", n)
		if status != 200 || string(body) != want {
			return fmt.Errorf("status %d, %d bytes, want 200, %d bytes", status, len(body), len(want))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Calls != 100 || len(res.Latency) != 100 || res.Quantile(0.5) > res.Quantile(0.99) {
		t.Errorf("result %d calls, %d latencies", res.Calls, len(res.Latency))
	}
	_, err = p.Run([][]byte{Connect(host, "/s/M", "wrong", []byte("1"))}, func(i, status int, body []byte) error {
		if status != 200 {
			return fmt.Errorf("status %d", status)
		}
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "status 401") {
		t.Errorf("a refused request: %v", err)
	}
}

func TestProcessCPU(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := ProcessCPU(os.Getpid()); err != nil {
		t.Fatal(err)
	}
}
