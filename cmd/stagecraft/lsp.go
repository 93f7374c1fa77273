package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/stagecraft/stagecraft/lsp"
)

// cmdLSP runs the language server on stdin and stdout (spec/lsp.md). It
// exits 0 after the client's shutdown and exit, 1 otherwise, as LSP asks.
func cmdLSP(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := newCommand("lsp", "(a language server on stdin and stdout, for editors)", stdout, stderr)
	stdlibDir := c.fl.String("stdlib-dir", "", "`folder` to write the built-in schema to, for go-to-definition (default: the user's cache)")
	maxMessage := c.fl.Int64("max-message", lsp.DefaultMaxMessage, "the largest message taken from the editor, in `bytes`; a larger one ends the session")
	paths, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(paths) > 0 {
		return c.fail("takes no arguments: the editor talks to it on stdin and stdout")
	}
	if *maxMessage < minMaxMessage || *maxMessage > maxMaxMessage {
		return c.fail("--max-message %d is out of range: from %d (64 KiB) to %d (1 GiB) bytes", *maxMessage, minMaxMessage, maxMaxMessage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := lsp.Serve(ctx, stdio{stdin, stdout}, lsp.Options{StdlibDir: *stdlibDir, MaxMessage: *maxMessage}); err != nil {
		fmt.Fprintln(stderr, "stagecraft lsp:", err)
		return 1
	}
	return 0
}

// The range of --max-message: below 64 KiB an ordinary file could not be
// opened; above 1 GiB the limit would not protect anything.
const (
	minMaxMessage = 64 << 10
	maxMaxMessage = 1 << 30
)

// stdio joins stdin and stdout into the one stream a connection reads
// and writes.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return nil }
