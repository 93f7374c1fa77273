package lsp

import (
	"os"
	"path/filepath"
	"sort"

	"github.com/stagecraft/stagecraft/compiler/check"
	ws "github.com/stagecraft/stagecraft/internal/workspace"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
)

// A workspace is the files checked together: those below a folder holding
// workspace.rules (package internal/workspace decides which), or one file
// that belongs to no workspace.
//
// All its files share one FileSet, and each keeps its parse until its text
// changes: an edit adds the new text to the FileSet as a new file, parses
// the rules whose text changed (the others are moved from the last
// parse), and checks the workspace from the kept trees. The replaced text
// leaves the FileSet after that check, when no tree or result refers to
// its positions any more.
type workspace struct {
	root  string // the workspace's folder; for a lone file, the file
	lone  bool
	fset  *token.FileSet
	files map[string]*source // by absolute path
	paths []string           // sorted: the order files are checked in, as the CLI's

	// inc keeps what the last check found per file, so that a check after
	// an edit re-checks the edited file (and the files whose results
	// depended on it) only. It needs the kept parses and the same FileSet.
	inc *check.Incremental

	// What the last check found. The side tables are inc's, in parts
	// (check.Incremental.Tables): a file's part is emptied and reused when
	// the file is checked again, so names keeps what it read from them.
	info    *check.Info
	diags   map[string][]diag.Diagnostic // by path, sorted
	dropped int                          // past diag.MaxDiagnostics
	names   map[*token.File]fileNames    // by file, built on first use (names.go)

	// retired are the files of fset whose sources were replaced or
	// removed since the last check: they leave fset after the next.
	retired []*token.File
}

// source is one file of a workspace.
type source struct {
	path  string
	text  []byte
	err   error // the file could not be read: reported as check reports it
	tf    *token.File
	file  *ast.File // nil when err is set
	parse *diag.List
	// cache holds the rules of this parse, for the parse of the file's
	// next text to take those whose text did not change: the next source
	// takes it over, and this one's tree is not used after.
	cache *parser.Cache
}

// workspaceOf returns the workspace a file belongs to, loading it from
// disk the first time.
func (s *Server) workspaceOf(path string) *workspace {
	root, ok := ws.Root(path)
	key := root
	if !ok {
		key = path
	}
	if w := s.spaces[key]; w != nil {
		if _, in := w.files[path]; !in {
			w.set(path, s.textOf(path)) // a new file of a known workspace
		}
		return w
	}
	if !s.rehoming {
		for _, other := range s.spaces {
			if _, in := other.files[path]; in {
				// The file was in another workspace: a workspace.rules
				// appeared or went away and the client did not say so
				// (not every client watches files).
				s.rehome()
				if w := s.spaces[key]; w != nil {
					return w
				}
				break
			}
		}
	}
	w := &workspace{root: key, lone: !ok, fset: token.NewFileSet(), files: map[string]*source{}}
	s.spaces[key] = w
	if ok {
		files, problems, err := ws.Files([]string{root})
		if err == nil {
			for _, p := range problems {
				w.setErr(absPath(p.Path), p.Err)
			}
			for _, f := range files {
				if f = absPath(f); s.isStdlib(f) {
					continue // the built-in schema written into the workspace (--stdlib-dir): not the user's
				}
				w.set(f, s.textOf(f))
			}
		}
	}
	if _, in := w.files[path]; !in {
		w.set(path, s.textOf(path))
	}
	return w
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// loaded is the text of a file: the editor's when it is open, else the
// disk's.
type loaded struct {
	text []byte
	err  error
}

func (s *Server) textOf(path string) loaded {
	if d := s.docs[path]; d != nil {
		return loaded{text: d.text}
	}
	b, err := ws.Read(path)
	return loaded{text: b, err: err}
}

// set replaces a file's text and parses it.
func (w *workspace) set(path string, l loaded) {
	if l.err != nil {
		w.setErr(path, l.err)
		return
	}
	old := w.files[path]
	if old != nil && old.err == nil && string(old.text) == string(l.text) {
		return
	}
	var cache *parser.Cache
	if old != nil {
		cache = old.cache
	}
	w.put(newSource(w.fset, path, l, cache))
}

// setErr records a file that cannot be read.
func (w *workspace) setErr(path string, err error) {
	w.put(newSource(w.fset, path, loaded{err: err}, nil))
}

// newSource adds a file to fset and parses it, taking from cache (the
// file's last parse, which is not used after; nil for none) the rules
// whose text did not change. A file that cannot be read is recorded as
// compile.Check records it: an error at its start, the other files still
// checked.
func newSource(fset *token.FileSet, path string, l loaded, cache *parser.Cache) *source {
	if l.err != nil {
		src := &source{path: path, err: l.err, tf: fset.AddFile(path, nil), parse: &diag.List{}}
		src.parse.Errorf(src.tf.Pos(0), src.tf.Pos(0), diag.EUnreadable, "cannot read the file: %v", l.err).Hint = "remove it, or make it a readable regular file"
		return src
	}
	if cache == nil {
		cache = new(parser.Cache)
	}
	src := &source{path: path, text: l.text, tf: fset.AddFile(path, l.text), cache: cache}
	src.file, src.parse = cache.ParseFile(src.tf)
	return src
}

func (w *workspace) put(src *source) {
	if old, in := w.files[src.path]; !in {
		w.paths = append(w.paths, src.path)
		sort.Strings(w.paths)
	} else {
		w.retired = append(w.retired, old.tf)
	}
	w.files[src.path] = src
	w.info = nil
}

// remove drops a file that was deleted.
func (w *workspace) remove(path string) {
	old, in := w.files[path]
	if !in {
		return
	}
	w.retired = append(w.retired, old.tf)
	delete(w.files, path)
	i := sort.SearchStrings(w.paths, path)
	w.paths = append(w.paths[:i], w.paths[i+1:]...)
	w.info = nil
}

// check checks the workspace from the kept parses, if anything changed
// since the last check, and reports whether it did. Parse diagnostics come
// first and the checker's after, in file order, as compile.Check lists
// them, so that the cap on diagnostics keeps the same ones.
func (w *workspace) check(u *check.Universe) bool {
	if w.info != nil {
		return false
	}
	var all diag.List
	files := make([]*ast.File, 0, len(w.paths))
	for _, p := range w.paths {
		src := w.files[p]
		all.Append(src.parse)
		if src.file != nil {
			files = append(files, src.file)
		}
	}
	if w.inc == nil {
		w.inc = check.NewIncremental(check.Config{}, u)
	}
	info, ds := w.inc.Check(w.fset, files)
	all.Append(ds)
	w.info = info
	w.pruneNames()
	w.dropped = all.Dropped()
	w.diags = map[string][]diag.Diagnostic{}
	for _, d := range all.Sorted() {
		if f := w.fset.File(d.Pos); f != nil {
			w.diags[f.Name()] = append(w.diags[f.Name()], d)
		}
	}
	// The check replaced every tree and result that held a position in
	// the texts that edits replaced: they can go.
	for _, tf := range w.retired {
		w.fset.RemoveFile(tf)
	}
	w.retired = nil
	return true
}

// exists reports whether a path is still a file on disk.
func exists(path string) bool { return isFile(path) }

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
