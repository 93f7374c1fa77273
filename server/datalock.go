//go:build unix

package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockFile is the file in the data folder that a running server holds
// locked. Each tenant's store locks itself too, but only when it opens:
// without a lock of the whole folder a second server on the same folder
// would start, find every tenant in use, and answer on its port with none
// of them, two dispatchers and two clocks reading one folder's keys and
// tracking secret.
const lockFile = "serve.lock"

// lockData takes the data folder for this process, or says which process
// has it. The lock is the kernel's (flock), so it goes with the process,
// however it ends: a kill -9 leaves no stale lock to clean up by hand.
func lockData(dir string) (release func(), err error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another process"
			if b, _ := os.ReadFile(path); len(b) > 0 {
				holder = "process " + strings.TrimSpace(string(b))
			}
			return nil, fmt.Errorf("the data folder %s is in use by another stagecraft serve (%s): stop it, or give this one another --data", dir, holder)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	// The pid is for the message above only; the lock is what counts.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { f.Close() }, nil
}
