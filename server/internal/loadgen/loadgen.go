// Package loadgen is a lean HTTP/1.1 load generator for the server's
// benchmarks, as wrk and h2load are: it opens keep-alive connections over
// the loopback, writes complete requests encoded before the clock starts,
// and reads each answer through a bufio.Reader, one request in flight a
// connection. A call costs the client a write, a read, waiting on the
// network poller and the caller's check of the answer, some 20 µs of CPU,
// where connect-go's client over net/http's transport costs 60–100 µs: on
// a machine of few cores shared by client and server, what it measures is
// mostly the server.
//
// It knows just enough HTTP/1.1 for the answers of Go's net/http server:
// a status line, headers, a body of a Content-Length or chunked. Nothing
// is faked: every request goes over TCP to the server, and the caller's
// check decodes each answer's body. The server's calls the benchmarks
// make, and the checks of their answers, are in calls.go.
package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Connect is a complete HTTP/1.1 request of a Connect unary call with a
// binary protobuf body: POST path, Content-Type application/proto, the key
// as a bearer token (none if key is empty).
func Connect(host, path, key string, body []byte) []byte {
	var b bytes.Buffer
	b.Grow(256 + len(body))
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/proto\r\nConnect-Protocol-Version: 1\r\n", path, host)
	if key != "" {
		fmt.Fprintf(&b, "Authorization: Bearer %s\r\n", key)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes()
}

// Check judges an answer: its status and body (valid only during the
// call). i is the request's index.
type Check func(i, status int, body []byte) error

// Pool is a set of open connections to one server.
type Pool struct {
	conns []*conn
}

type conn struct {
	c    net.Conn
	r    *bufio.Reader
	body []byte // reused for each answer's body
}

// Dial opens n connections to addr (host:port).
func Dial(addr string, n int) (*Pool, error) {
	p := &Pool{}
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			p.Close()
			return nil, err
		}
		p.conns = append(p.conns, &conn{c: c, r: bufio.NewReaderSize(c, 16<<10)})
	}
	return p, nil
}

// Close closes the connections.
func (p *Pool) Close() {
	for _, c := range p.conns {
		c.c.Close()
	}
}

// Result is what a run measured.
type Result struct {
	Calls   int
	Took    time.Duration   // from the first request written to the last answer read
	Latency []time.Duration // each call's, from its request written to its answer read; sorted
}

// Rate is the calls a second.
func (r Result) Rate() float64 { return float64(r.Calls) / r.Took.Seconds() }

// Quantile is the latency below which the fraction q of the calls are.
func (r Result) Quantile(q float64) time.Duration {
	if len(r.Latency) == 0 {
		return 0
	}
	return r.Latency[int(float64(len(r.Latency)-1)*q)]
}

// Run sends reqs, each connection one at a time, taking the next request
// as it is answered, and checks every answer. It stops at the first error
// (a connection's, or a check's) and returns it.
func (p *Pool) Run(reqs [][]byte, check Check) (Result, error) {
	lat := make([]time.Duration, len(reqs))
	var next atomic.Int64
	var failed atomic.Bool
	var errOnce sync.Once
	var first error
	fail := func(err error) {
		errOnce.Do(func() { first = err })
		failed.Store(true)
	}
	var wg sync.WaitGroup
	begin := time.Now()
	for _, c := range p.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(reqs) {
					return
				}
				t0 := time.Now()
				status, body, err := c.call(reqs[i])
				if err == nil {
					err = check(i, status, body)
				}
				if err != nil {
					fail(fmt.Errorf("request %d: %w", i, err))
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	took := time.Since(begin)
	if first != nil {
		return Result{}, first
	}
	slices.Sort(lat)
	return Result{Calls: len(reqs), Took: took, Latency: lat}, nil
}

// call writes a request and reads its answer.
func (c *conn) call(req []byte) (status int, body []byte, err error) {
	if _, err := c.c.Write(req); err != nil {
		return 0, nil, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, fmt.Errorf("reading the status line: %w", err)
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, fmt.Errorf("not an HTTP/1.x status line: %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, fmt.Errorf("status line %q: %w", line, err)
	}
	length, chunked, closing := -1, false, false
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, fmt.Errorf("reading the headers: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, nil, fmt.Errorf("a header line without a colon: %q", line)
		}
		val = bytes.TrimSpace(val)
		switch {
		case asciiEqualFold(name, "Content-Length"):
			if length, err = strconv.Atoi(string(val)); err != nil || length < 0 {
				return 0, nil, fmt.Errorf("Content-Length %q", val)
			}
		case asciiEqualFold(name, "Transfer-Encoding"):
			chunked = asciiEqualFold(val, "chunked")
		case asciiEqualFold(name, "Connection"):
			closing = asciiEqualFold(val, "close")
		}
	}
	c.body = c.body[:0]
	switch {
	case chunked:
		if err := c.readChunked(); err != nil {
			return 0, nil, err
		}
	case length >= 0:
		c.body = slices.Grow(c.body, length)[:length]
		if _, err := io.ReadFull(c.r, c.body); err != nil {
			return 0, nil, fmt.Errorf("reading the body: %w", err)
		}
	default:
		return 0, nil, errors.New("an answer with neither Content-Length nor chunked encoding")
	}
	if closing {
		// The next request would find the connection closed: the server
		// refused this one, or is shutting down.
		return status, c.body, fmt.Errorf("status %d, the server closes the connection: %q", status, c.body)
	}
	return status, c.body, nil
}

// readChunked appends a chunked body to c.body, and skips its trailers.
func (c *conn) readChunked() error {
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("reading a chunk's size: %w", err)
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseUint(string(size), 16, 31)
		if err != nil {
			return fmt.Errorf("chunk size %q", line)
		}
		if n == 0 {
			break
		}
		at := len(c.body)
		c.body = slices.Grow(c.body, int(n))[:at+int(n)]
		if _, err := io.ReadFull(c.r, c.body[at:]); err != nil {
			return fmt.Errorf("reading a chunk: %w", err)
		}
		if err := c.crlf(); err != nil {
			return err
		}
	}
	for { // trailers, up to the empty line
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("reading the trailers: %w", err)
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return nil
		}
	}
}

func (c *conn) crlf() error {
	var b [2]byte
	if _, err := io.ReadFull(c.r, b[:]); err != nil || b != [2]byte{'\r', '\n'} {
		return fmt.Errorf("no CRLF after a chunk (%q, %v)", b, err)
	}
	return nil
}

func asciiEqualFold(b []byte, s string) bool {
	return len(b) == len(s) && strings.EqualFold(string(b), s)
}

// ProcessCPU is the CPU time, user and system, that the process pid has
// used, from /proc/PID/stat (Linux only): the server's own cost, told
// apart from its client's in another process.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command's name, in parentheses, may hold spaces: the fields
	// counted are those after its last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q", pid, f[11], f[12])
	}
	// In clock ticks of USER_HZ, which is 100 on Linux's every
	// architecture Go runs on (sysconf(_SC_CLK_TCK) without cgo).
	return time.Duration(ut+st) * (time.Second / userHZ), nil
}

const userHZ = 100
