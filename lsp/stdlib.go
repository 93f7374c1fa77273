package lsp

import (
	"os"
	"path/filepath"
)

// The built-in schema (stdlib/crm.rules, compiled into the binary) is
// written to a file so that go-to-definition on a built-in field has
// something to open. The editor then opens that file as any other: the
// server must know it for what it is, since checked as a file of the
// user's it redeclares every built-in field (E111) and its pipelines'
// entities (E210), dozens of errors for a file nobody wrote.

// stdlibDir is the folder the schema is written to.
func (s *Server) stdlibDir() string {
	if s.opts.StdlibDir != "" {
		return s.opts.StdlibDir
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(cache, "stagecraft", "stdlib")
}

// stdlibPath writes the built-in schema where go-to-definition can open
// it, once per session, and returns its path; "" if it cannot be written.
func (s *Server) stdlibPath() string {
	if s.stdPath != "" {
		return s.stdPath
	}
	dir := s.stdlibDir()
	if dir == "" {
		return ""
	}
	p := filepath.Join(absPath(dir), filepath.Base(s.u.Lib.SchemaName))
	if old, err := os.ReadFile(p); err != nil || string(old) != string(s.u.Lib.SchemaSource) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return ""
		}
		if err := os.WriteFile(p, s.u.Lib.SchemaSource, 0o444); err != nil {
			// a read-only copy from an older version: replace it
			os.Remove(p)
			if os.WriteFile(p, s.u.Lib.SchemaSource, 0o444) != nil {
				return ""
			}
		}
	}
	s.stdPath = p
	return p
}

// isStdlib reports whether path is the written-out schema: this session's,
// or where this session would write it (an editor may reopen it from an
// earlier session). Such a file is in no workspace: it is not checked, no
// diagnostics are published for it, and requests on it answer nothing.
func (s *Server) isStdlib(path string) bool {
	base := filepath.Base(s.u.Lib.SchemaName)
	if filepath.Base(path) != base {
		return false
	}
	want := s.stdPath
	if want == "" {
		dir := s.stdlibDir()
		if dir == "" {
			return false
		}
		want = filepath.Join(absPath(dir), base)
	}
	if path == want {
		return true
	}
	// The same file by another path (a symbolic link in the cache path).
	a, errA := os.Stat(path)
	b, errB := os.Stat(want)
	return errA == nil && errB == nil && os.SameFile(a, b)
}
