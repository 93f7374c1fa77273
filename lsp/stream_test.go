package lsp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawClient writes bytes to a server on a pipe and reads its framed
// messages, for tests of the transport itself.
type rawClient struct {
	conn net.Conn
	in   *bufio.Reader
	done chan error
}

func startRaw(t *testing.T, opts Options) *rawClient {
	t.Helper()
	a, b := net.Pipe()
	c := &rawClient{conn: b, in: bufio.NewReader(b), done: make(chan error, 1)}
	go func() { c.done <- Serve(context.Background(), a, opts) }()
	t.Cleanup(func() { b.Close() })
	return c
}

func (c *rawClient) send(t *testing.T, body string) {
	t.Helper()
	c.sendRaw(t, fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body))
}

func (c *rawClient) sendRaw(t *testing.T, s string) {
	t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c.conn, s); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// read returns the body of the next message.
func (c *rawClient) read(t *testing.T) string {
	t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n := -1
	for {
		line, err := c.in.ReadString('\n')
		if err != nil {
			t.Fatalf("read header: %v", err)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c.in, body); err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(body)
}

func (c *rawClient) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-c.done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
		return nil
	}
}

// A message over the limit ends the session before its body is read (the
// client here never sends one), and the server says why: to the client
// as window/showMessage, to its caller as ErrMessageTooLarge.
func TestMessageLimit(t *testing.T) {
	c := startRaw(t, Options{StdlibDir: t.TempDir(), MaxMessage: 1 << 20})
	c.send(t, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`)
	if got := c.read(t); !strings.Contains(got, `"id":1`) || !strings.Contains(got, `"result"`) {
		t.Fatalf("initialize: %s", got)
	}
	c.sendRaw(t, "Content-Length: 1048577\r\n\r\n")
	if got := c.read(t); !strings.Contains(got, "window/showMessage") || !strings.Contains(got, "1048577 bytes, the limit is 1048576 (stagecraft lsp --max-message)") {
		t.Fatalf("the server's last word: %s", got)
	}
	if err := c.wait(t); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("Serve: %v, want ErrMessageTooLarge", err)
	}
}

// A message of exactly the limit is read.
func TestMessageAtLimit(t *testing.T) {
	const limit = 4096
	c := startRaw(t, Options{StdlibDir: t.TempDir(), MaxMessage: limit})
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"x":"`
	body += strings.Repeat("a", limit-len(body)-3) + `"}}`
	if len(body) != limit {
		t.Fatalf("body of %d bytes", len(body))
	}
	c.send(t, body)
	if got := c.read(t); !strings.Contains(got, `"result"`) {
		t.Fatalf("a message of the limit: %s", got)
	}
}

// A body that is not JSON, or not JSON-RPC, is answered with an error of
// id null, and the session goes on: the framing says where the next
// message starts.
func TestBadBodies(t *testing.T) {
	c := startRaw(t, Options{StdlibDir: t.TempDir()})
	c.send(t, `{"jsonrpc":"2.0","id":1,"method":"initi`)
	if got := c.read(t); !strings.Contains(got, `"id":null`) || !strings.Contains(got, `"code":-32700`) {
		t.Fatalf("not JSON: %s", got)
	}
	c.send(t, `[1,2,3]`)
	if got := c.read(t); !strings.Contains(got, `"id":null`) || !strings.Contains(got, `"code":-32700`) && !strings.Contains(got, `"code":-32600`) {
		t.Fatalf("not JSON-RPC: %s", got)
	}
	c.send(t, `{"jsonrpc":"2.0","result":1}`)
	if got := c.read(t); !strings.Contains(got, `"code":-32600`) {
		t.Fatalf("a response without an id: %s", got)
	}
	c.sendRaw(t, "\r\n") // a stray blank line between messages
	c.send(t, `{"jsonrpc":"2.0","id":2,"method":"initialize","params":{}}`)
	if got := c.read(t); !strings.Contains(got, `"id":2`) || !strings.Contains(got, `"result"`) {
		t.Fatalf("after bad bodies: %s", got)
	}
}

// Broken framing ends the session with a reason.
func TestBadFraming(t *testing.T) {
	for _, c := range []struct{ name, send, want string }{
		{"no length", "Content-Type: x\r\n\r\n", "without a Content-Length"},
		{"bad length", "Content-Length: -5\r\n\r\n", `invalid Content-Length "-5"`},
		{"huge length", "Content-Length: 99999999999999999999\r\n\r\n", "invalid Content-Length"},
		{"not a header", "hello\r\n\r\n", "invalid header line"},
		{"long header", "X-Junk: " + strings.Repeat("x", 10000) + "\r\n", "longer than 4096 bytes"},
		{"many headers", strings.Repeat("X-Junk: 1\r\n", 40), "more than 32 header lines"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc := startRaw(t, Options{StdlibDir: t.TempDir()})
			go io.WriteString(rc.conn, c.send)
			if got := strings.ReplaceAll(rc.read(t), `\"`, `"`); !strings.Contains(got, c.want) {
				t.Errorf("showMessage: %s, want %q", got, c.want)
			}
			if err := rc.wait(t); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Serve: %v, want %q", err, c.want)
			}
		})
	}
}

// stdinLike is a stream whose Close stops nothing, as stdin's cannot
// stop a read in progress: its reads block until the test ends.
type stdinLike struct {
	io.Reader
	io.Writer
}

func (stdinLike) Close() error { return nil }

// TestExitOverStdin: the client's exit ends Serve, with 0 after
// shutdown, even when closing the stream does not stop its reader (the
// editor keeps stdin open until the server's process is gone).
func TestExitOverStdin(t *testing.T) {
	for _, shutdown := range []bool{true, false} {
		inR, inW := io.Pipe()
		defer inW.Close()
		done := make(chan error, 1)
		go func() { done <- Serve(context.Background(), stdinLike{inR, io.Discard}, Options{}) }()
		send := func(body string) {
			fmt.Fprintf(inW, "Content-Length: %d\r\n\r\n%s", len(body), body)
		}
		send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":1,"capabilities":{}}}`)
		if shutdown {
			send(`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`)
		}
		send(`{"jsonrpc":"2.0","method":"exit"}`)
		select {
		case err := <-done:
			if shutdown && err != nil || !shutdown && !errors.Is(err, errExitWithoutShutdown) {
				t.Errorf("shutdown %v: Serve returned %v", shutdown, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("shutdown %v: Serve still running 10 s after exit", shutdown)
		}
	}
}

// TestCancelOverStdin: a cancelled context (the process's interrupt)
// ends Serve too, however its stream's reader is blocked.
func TestCancelOverStdin(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, stdinLike{inR, io.Discard}, Options{}) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Serve returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve still running 10 s after its context was cancelled")
	}
}
