// Package atomicfile writes a file whole or not at all: a sibling is
// written, synced and renamed over the file, and the folder synced, so that
// a crash or a full disk never leaves half a file, and a written file
// survives a power loss. Rule files (fmt -w), API keys, a tenant's stored
// modules and a tenant's export are written so.
package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Write replaces name with data, with the permissions perm. A symbolic
// link is written through: the file it names is replaced, and the link
// stays a link (as gofmt -w does), instead of becoming a file of its own
// while the file it named is left as it was.
func Write(name string, data []byte, perm os.FileMode) error {
	return WriteFunc(name, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc is Write of what write writes, for a file too large to hold
// in memory first (a tenant's export). When write fails, name is left as
// it was: a failed backup never empties the last good one.
func WriteFunc(name string, perm os.FileMode, write func(io.Writer) error) (err error) {
	if target, err := filepath.EvalSymlinks(name); err == nil {
		name = target
	} else if target, err := os.Readlink(name); err == nil {
		// A link to a file not there yet: the file it names is made.
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(name), target)
		}
		name = target
	}
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err = tmp.Chmod(perm); err == nil {
		if err = write(tmp); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
