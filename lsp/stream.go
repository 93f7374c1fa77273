package lsp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
)

// The transport: JSON-RPC messages framed by Content-Length headers, as
// LSP sends them. It replaces jsonrpc2.NewStream, which believes any
// Content-Length up to 2 GiB and allocates it before reading a byte of
// the body, reads header lines of any length, and ends the session on
// the first body that is not JSON. Here every limit is explicit: a
// message over MaxMessage ends the session with an error that says so,
// before anything is allocated for it; a header line over
// maxHeaderLine, or more than maxHeaders of them, ends it too; a body
// that is not a JSON-RPC message is answered with ParseError or
// InvalidRequest (id null), as JSON-RPC 2.0 says, and the session goes on,
// since the framing tells where the next message starts.

// DefaultMaxMessage is the largest message a session accepts unless
// Options.MaxMessage says otherwise: four times the parser's 1 MiB file
// limit leaves room for JSON escapes of a whole file sent on each change.
const DefaultMaxMessage = 16 << 20

const (
	maxHeaderLine = 4096 // bytes of one header line
	maxHeaders    = 32   // header lines of one message
)

// ErrMessageTooLarge is why a session ended on a message over the limit.
var ErrMessageTooLarge = errors.New("message too large")

type stream struct {
	rwc io.ReadWriteCloser
	in  *bufio.Reader
	max int64
	wmu sync.Mutex // Write and the error answers of Read share the output
}

func newStream(rwc io.ReadWriteCloser, max int64) *stream {
	if max <= 0 {
		max = DefaultMaxMessage
	}
	return &stream{rwc: rwc, in: bufio.NewReaderSize(rwc, maxHeaderLine), max: max}
}

// Read returns the next message. A body that does not decode is answered
// with an error response and skipped; framing errors end the session.
func (s *stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, total, err
		}
		body, n, err := s.readFrame()
		total += n
		if err != nil {
			if !errors.Is(err, io.EOF) {
				// The session ends: tell the user why in the editor too,
				// as the output still works.
				s.writeRaw(notification("window/showMessage", map[string]any{"type": 1, "message": "stagecraft lsp stops: " + err.Error()}))
			}
			return nil, total, err
		}
		msg, err := jsonrpc2.DecodeMessage(body)
		if err == nil {
			return msg, total, nil
		}
		code, why := jsonrpc2.ParseError, "the message is not JSON: "+err.Error()
		if json.Valid(body) {
			code, why = jsonrpc2.InvalidRequest, "the message is not a JSON-RPC request, notification or response"
		}
		if werr := s.writeRaw(errorResponse(code, why)); werr != nil {
			return nil, total, werr
		}
	}
}

// readFrame reads one message's headers and body.
func (s *stream) readFrame() ([]byte, int64, error) {
	var total int64
	length := int64(-1)
	for lines := 0; ; lines++ {
		if lines == maxHeaders {
			return nil, total, fmt.Errorf("more than %d header lines in one message", maxHeaders)
		}
		line, err := s.in.ReadSlice('\n')
		total += int64(len(line))
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, total, fmt.Errorf("a header line longer than %d bytes", maxHeaderLine)
		}
		if err != nil {
			if err == io.EOF && total == 0 {
				return nil, 0, io.EOF // the client closed the stream between messages
			}
			return nil, total, fmt.Errorf("reading a header: %w", err)
		}
		text := strings.TrimSpace(string(line))
		if text == "" {
			if lines == 0 {
				continue // a stray blank line between messages
			}
			break
		}
		name, value, ok := strings.Cut(text, ":")
		if !ok {
			return nil, total, fmt.Errorf("invalid header line %q: want Name: value", text)
		}
		if strings.EqualFold(strings.TrimSpace(name), jsonrpc2.HdrContentLength) {
			value = strings.TrimSpace(value)
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n <= 0 {
				return nil, total, fmt.Errorf("invalid Content-Length %q: want a positive number of bytes", value)
			}
			length = n
		}
	}
	if length < 0 {
		return nil, total, errors.New("a message without a Content-Length header")
	}
	if length > s.max {
		return nil, total, fmt.Errorf("%w: %d bytes, the limit is %d (stagecraft lsp --max-message)", ErrMessageTooLarge, length, s.max)
	}
	body := make([]byte, length)
	n, err := io.ReadFull(s.in, body)
	total += int64(n)
	if err != nil {
		return nil, total, fmt.Errorf("reading a body of %d bytes: %w", length, err)
	}
	return body, total, nil
}

// errorResponse is a JSON-RPC error response to a message whose id could
// not be read: id null, as the specification says.
func errorResponse(code jsonrpc2.Code, msg string) []byte {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": code, "message": msg}})
	return b
}

func notification(method string, params any) []byte {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
	return b
}

func (s *stream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("encoding a message: %w", err)
	}
	return int64(len(data)), s.writeRaw(data)
}

// writeRaw writes one framed message in a single Write, so that a reader
// never sees a header without its body.
func (s *stream) writeRaw(data []byte) error {
	var b bytes.Buffer
	b.Grow(len(data) + 32)
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(data))
	b.Write(data)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.rwc.Write(b.Bytes()); err != nil {
		return fmt.Errorf("writing a message: %w", err)
	}
	return nil
}

func (s *stream) Close() error { return s.rwc.Close() }
