//go:build unix

package server_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/server"
)

// TestDataFolderLocked: a second server on a folder that a running one
// holds refuses to start, naming the process, instead of listening with
// every tenant's store in use; once the first stops, the folder is free.
func TestDataFolderLocked(t *testing.T) {
	data := t.TempDir()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := func() (stop func() error, err error) {
		ctx, cancel := context.WithCancel(context.Background())
		addr, done := make(chan string, 1), make(chan error, 1)
		go func() {
			done <- server.Run(ctx, server.Config{Data: data, Addr: "127.0.0.1:0", Log: quiet,
				Listening: func(a string) { addr <- a }})
		}()
		select {
		case <-addr:
			return func() error { cancel(); return <-done }, nil
		case err := <-done:
			cancel()
			return nil, err
		}
	}
	stop, err := start()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := start(); err == nil {
		t.Fatal("a second server on the same data folder started")
	} else if want := "in use by another stagecraft serve (process " + strconv.Itoa(os.Getpid()) + ")"; !strings.Contains(err.Error(), want) {
		t.Errorf("second server: %v; want it to say %q", err, want)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	stop, err = start()
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
