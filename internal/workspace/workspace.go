// Package workspace decides which *.rules files belong together, the way
// go.mod marks a Go module: a workspace is a folder holding a file named
// workspace.rules (the schema: pipelines, fields, resources) and every
// *.rules file below it, except hidden folders and folders that are
// workspaces of their own. The CLI and the language server both use it, so
// that `stagecraft check FILE` and an editor opening FILE see the same files.
//
// It also reads the files, and a file it cannot read (a dangling symbolic
// link, a named pipe, a folder called x.rules) is reported on its own while
// the others are still read: one bad entry never hides the rest.
package workspace

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Marker is the name of the file that makes a folder a workspace root.
const Marker = "workspace.rules"

// Ext is the extension of source files.
const Ext = ".rules"

// Root returns the workspace root of the file or folder at path: the
// nearest folder, starting at path itself (a folder) or at the file's
// folder, that holds a Marker file. ok is false when no folder up to the
// file system's root holds one.
func Root(path string) (root string, ok bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	dir := abs
	if info, err := os.Stat(abs); err != nil || !info.IsDir() {
		dir = filepath.Dir(abs)
	}
	for {
		if isMarker(filepath.Join(dir, Marker)) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func isMarker(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular()
}

// Problem is a file that was found but cannot be read.
type Problem struct {
	Path string
	Err  error
}

func (p Problem) Error() string { return p.Path + ": " + p.Err.Error() }

// Files expands command-line paths into the *.rules files to read, sorted
// within each argument and without repeats:
//   - a folder stands for every *.rules file below it; when the folder is a
//     workspace root, subfolders that are workspaces of their own are left
//     out (as go ./... leaves out nested modules);
//   - a file inside a workspace stands for its whole workspace, so that it
//     is checked against the schema it is written for; a file in no
//     workspace stands for itself.
//
// An argument that does not exist is an error (a usage mistake). Entries
// found below a folder that cannot be read are returned as problems, with
// the other files still listed.
func Files(args []string) (files []string, problems []Problem, err error) {
	return expand(args, true)
}

// List expands paths as Files does, except that a file stands for itself
// only: what fmt works on.
func List(args []string) (files []string, problems []Problem, err error) {
	return expand(args, false)
}

func expand(args []string, whole bool) (files []string, problems []Problem, err error) {
	seen := map[string]bool{}
	add := func(p string) {
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			files = append(files, p)
		}
	}
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, nil, err
		}
		dir := arg
		if !info.IsDir() {
			if !whole {
				add(arg)
				continue
			}
			root, ok := Root(arg)
			if !ok {
				add(arg)
				continue
			}
			dir = relTo(arg, root)
		}
		found, probs, err := walk(dir)
		if err != nil {
			return nil, nil, err
		}
		problems = append(problems, probs...)
		for _, f := range found {
			add(f)
		}
		if !info.IsDir() {
			add(arg) // a file the walk leaves out (hidden folder, nested workspace) is still checked
		}
	}
	if len(files) == 0 && len(problems) == 0 {
		return nil, nil, fmt.Errorf("no *%s files in %s", Ext, strings.Join(args, " "))
	}
	return files, problems, nil
}

// relTo names root in the same manner as arg: relative when arg is
// relative, so that printed paths stay short.
func relTo(arg, root string) string {
	if filepath.IsAbs(arg) {
		return root
	}
	wd, err := os.Getwd()
	if err != nil {
		return root
	}
	if r, err := filepath.Rel(wd, root); err == nil {
		return r
	}
	return root
}

func walk(top string) (files []string, problems []Problem, err error) {
	topIsRoot := isMarker(filepath.Join(top, Marker))
	err = filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == top {
				return err
			}
			problems = append(problems, Problem{path, err})
			return nil
		}
		if d.IsDir() {
			if path == top {
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") || topIsRoot && isMarker(filepath.Join(path, Marker)) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), Ext) {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, problems, err
}

// ErrNotRegular is returned by Read for a named pipe, a device, a socket or
// a folder: reading one could block forever or means nothing.
var ErrNotRegular = errors.New("not a regular file")

// Read reads one source file, refusing what is not a regular file (after
// following symbolic links) before opening it, so that a named pipe never
// blocks the reader.
func Read(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		if _, lerr := os.Lstat(path); lerr == nil && errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("symbolic link to a missing file")
		}
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (%s)", ErrNotRegular, kind(info.Mode()))
	}
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	}
	return m.Type().String()
}
