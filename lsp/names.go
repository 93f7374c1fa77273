package lsp

import (
	"cmp"
	"slices"
	"sort"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/token"
)

// nameRef is a name of the source and what the checker resolved it to:
// an entry of Info.Defs (def) or Info.Uses.
type nameRef struct {
	node ast.Node // *ast.Ident or *ast.Name
	obj  types.Object
	def  bool
}

// fileNames is one file's names, sorted by position, with the parts of
// the checker's side tables they were read from: the declarations' and
// the file's own. They are kept as long as both parts are the same ones,
// so that an edit of one file indexes that file only.
type fileNames struct {
	decls, own *check.Info
	refs       []nameRef
}

// index returns the names of every file of the workspace: what
// references and rename search.
func (w *workspace) index() map[*token.File][]nameRef {
	out := make(map[*token.File][]nameRef, len(w.paths))
	for _, p := range w.paths {
		src := w.files[p]
		out[src.tf] = w.namesIn(src)
	}
	return out
}

// namesIn returns the checker's names in one file, sorted: what hover,
// definition and rename look the cursor up in. The checker keeps its side
// tables per file (check.Incremental.Tables), so only the file's part and
// the declarations' are read, not the whole workspace's (see
// BenchmarkHoverAfterEdit).
func (w *workspace) namesIn(src *source) []nameRef {
	parts := w.inc.Tables()
	if len(parts) == 0 {
		return nil
	}
	decls := parts[0]
	var own *check.Info
	if src.file != nil {
		own = w.inc.FileTables(src.file)
	}
	if n, ok := w.names[src.tf]; ok && n.decls == decls && n.own == own {
		return n.refs
	}
	lo, hi := token.Pos(src.tf.Base()), token.Pos(src.tf.Base()+src.tf.Size())
	var refs []nameRef
	if own != nil {
		refs = make([]nameRef, 0, len(own.Defs)+len(own.Uses))
	}
	add := func(m map[ast.Node]types.Object, def bool) {
		for n, obj := range m {
			if p := n.Pos(); lo <= p && p <= hi {
				refs = append(refs, nameRef{node: n, obj: obj, def: def})
			}
		}
	}
	for _, part := range []*check.Info{decls, own} {
		if part != nil {
			add(part.Defs, true)
			add(part.Uses, false)
		}
	}
	slices.SortFunc(refs, func(a, b nameRef) int { return cmp.Compare(a.node.Pos(), b.node.Pos()) })
	if w.names == nil {
		w.names = map[*token.File]fileNames{}
	}
	w.names[src.tf] = fileNames{decls: decls, own: own, refs: refs}
	return refs
}

// pruneNames forgets the names of files replaced or removed since they
// were indexed.
func (w *workspace) pruneNames() {
	for tf := range w.names {
		if src := w.files[tf.Name()]; src == nil || src.tf != tf {
			delete(w.names, tf)
		}
	}
}

// nameAt returns the name at a byte offset of a file: the one that
// contains it, or ends right at it (the cursor just after a word).
func (w *workspace) nameAt(src *source, off int) (nameRef, bool) {
	refs := w.namesIn(src)
	p := src.tf.Pos(off)
	i := sort.Search(len(refs), func(i int) bool { return refs[i].node.End() >= p })
	for ; i < len(refs) && refs[i].node.Pos() <= p; i++ {
		if refs[i].node.End() > p || refs[i].node.End() == p {
			return refs[i], true
		}
	}
	return nameRef{}, false
}

// refsTo returns every name of the workspace that declares or refers to
// obj, in file and position order.
func (w *workspace) refsTo(obj types.Object) []nameRef {
	var out []nameRef
	for _, refs := range w.index() {
		for _, r := range refs {
			if r.obj == obj {
				out = append(out, r)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		fi, fj := w.fset.File(out[i].node.Pos()).Name(), w.fset.File(out[j].node.Pos()).Name()
		if fi != fj {
			return fi < fj
		}
		return out[i].node.Pos() < out[j].node.Pos()
	})
	return out
}
