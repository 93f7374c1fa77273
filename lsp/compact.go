package lsp

import (
	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Compaction. Positions are offsets into the workspace's FileSet, which
// only grows: every edit adds the new text as a new file and the old one
// stays (its trees may still be referenced until the next check). Once
// the replaced texts outweigh the live ones (garbageFactor, compactMin),
// the FileSet is rebuilt: every file added again and parsed, and the
// workspace checked from scratch, since the checker's kept results are
// tied to the FileSet. For 5,000 rules that is about 150 ms, ten times an
// edit, so it is not done while the editor waits: a goroutine rebuilds
// from a snapshot of the texts while edits go on in the old FileSet, and
// the next check adopts the result, parsing again only the files that
// changed since the snapshot (usually the one being edited).

// garbageFactor is how many times the live sources' size the FileSet may
// hold before it is rebuilt; compactMin is a floor, so that small
// workspaces are never rebuilt. A rebuild competes with the edits for the
// CPU (BenchmarkEdit on two cores, three runs each: p99 33–39 ms and
// 17–19 ms of CPU an edit at 4, against 31–33 ms and 16 ms at 16), so old
// texts are kept longer: 16 times 450 KB for 5,000 rules is about 7 MB.
const (
	garbageFactor = 16
	compactMin    = 1 << 20
)

// rebuild is a FileSet being rebuilt from a snapshot. Its fields other
// than done belong to the goroutine until done is closed.
type rebuild struct {
	done  chan struct{}
	fset  *token.FileSet
	files map[string]*source // parsed into fset, from the snapshot's texts
	inc   *check.Incremental // checked once with them
}

// garbage returns the bytes of the FileSet that no live source holds.
func (w *workspace) garbage() (garbage, live int) {
	total := 0
	for _, src := range w.files {
		live += len(src.text) + 1
	}
	for _, f := range w.fset.Files() {
		total += f.Size() + 1
	}
	return total - live, live
}

// compact adopts a finished rebuild, or starts one when the garbage
// calls for it. It is called before each check.
func (w *workspace) compact(u *check.Universe) {
	if r := w.rebuild; r != nil {
		select {
		case <-r.done:
			w.adopt(r)
		default:
		}
		return
	}
	if garbage, live := w.garbage(); garbage >= max(garbageFactor*live, compactMin) {
		w.rebuild = startRebuild(w.paths, w.files, u)
	}
}

// startRebuild parses and checks a snapshot of the files in a new
// FileSet, in a goroutine. The texts are never changed in place (an edit
// replaces a source), so the snapshot is a copy of the map.
func startRebuild(paths []string, files map[string]*source, u *check.Universe) *rebuild {
	type snap struct {
		path string
		l    loaded
	}
	snaps := make([]snap, len(paths))
	for i, p := range paths {
		snaps[i] = snap{p, loaded{text: files[p].text, err: files[p].err}}
	}
	r := &rebuild{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		fset := token.NewFileSet()
		srcs := make(map[string]*source, len(snaps))
		asts := make([]*ast.File, 0, len(snaps))
		for _, s := range snaps {
			src := newSource(fset, s.path, s.l, nil)
			srcs[s.path] = src
			if src.file != nil {
				asts = append(asts, src.file)
			}
		}
		inc := check.NewIncremental(check.Config{}, u)
		inc.Check(fset, asts)
		r.fset, r.files, r.inc = fset, srcs, inc
	}()
	return r
}

// adopt switches the workspace to a finished rebuild: a file whose text
// is the snapshot's keeps the rebuild's parse, one that changed since is
// parsed again in the new FileSet. The next check is then incremental
// from the rebuild's.
func (w *workspace) adopt(r *rebuild) {
	w.rebuild = nil
	files := make(map[string]*source, len(w.paths))
	for _, p := range w.paths {
		cur, old := w.files[p], r.files[p]
		if old != nil && sameText(cur, old) {
			files[p] = old
			continue
		}
		// A new cache: the rebuild's FileSet is a new start.
		files[p] = newSource(r.fset, p, loaded{text: cur.text, err: cur.err}, nil)
	}
	w.fset, w.files, w.inc = r.fset, files, r.inc
	w.info, w.names = nil, nil
}

// sameText reports whether two sources of a path hold the same text (or
// the same read error).
func sameText(a, b *source) bool {
	if a.err != nil || b.err != nil {
		return a.err != nil && b.err != nil && a.err.Error() == b.err.Error()
	}
	return string(a.text) == string(b.text)
}
