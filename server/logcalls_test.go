package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// TestLogCallsCode: a call's line gives the code its client gets. A
// context's own error, which connect-go hands the interceptor when the
// deadline passed before the handler ran, is DeadlineExceeded or
// Canceled at INFO, not the server's failure (Unknown, at ERROR).
func TestLogCallsCode(t *testing.T) {
	for _, c := range []struct {
		err   error
		level string
		code  string
	}{
		{context.DeadlineExceeded, "INFO", "deadline_exceeded"},
		{context.Canceled, "INFO", "canceled"},
		{fmt.Errorf("reading: %w", context.DeadlineExceeded), "INFO", "deadline_exceeded"},
		{connect.NewError(connect.CodeInvalidArgument, errors.New("bad")), "INFO", "invalid_argument"},
		{connect.NewError(connect.CodeInternal, context.DeadlineExceeded), "ERROR", "internal"},
		{errors.New("the store is closed"), "ERROR", "unknown"},
	} {
		var out bytes.Buffer
		log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
		call := logCalls(log)(func(context.Context, connect.AnyRequest) (connect.AnyResponse, error) {
			return nil, c.err
		})
		if _, err := call(context.Background(), connect.NewRequest(&v1.CheckRequest{})); err != c.err {
			t.Fatalf("%v: the interceptor returned %v", c.err, err)
		}
		line := out.String()
		if !strings.Contains(line, "level="+c.level) || !strings.Contains(line, "code="+c.code+" ") {
			t.Errorf("%v: logged %q, want level=%s code=%s", c.err, line, c.level, c.code)
		}
	}
}
