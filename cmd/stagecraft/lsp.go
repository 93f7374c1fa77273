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
	paths, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(paths) > 0 {
		return c.fail("takes no arguments: the editor talks to it on stdin and stdout")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := lsp.Serve(ctx, stdio{stdin, stdout}, lsp.Options{StdlibDir: *stdlibDir}); err != nil {
		fmt.Fprintln(stderr, "stagecraft lsp:", err)
		return 1
	}
	return 0
}

// stdio joins stdin and stdout into the one stream a connection reads
// and writes.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return nil }
