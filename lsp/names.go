package lsp

import (
	"sort"

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

// index sorts the checker's names by file and position, once per check,
// so that the name under the cursor is a binary search away.
func (w *workspace) index() map[*token.File][]nameRef {
	if w.allNames {
		return w.names
	}
	w.names, w.allNames = map[*token.File][]nameRef{}, true
	add := func(m map[ast.Node]types.Object, def bool) {
		for n, obj := range m {
			if f := w.fset.File(n.Pos()); f != nil {
				w.names[f] = append(w.names[f], nameRef{node: n, obj: obj, def: def})
			}
		}
	}
	add(w.info.Defs, true)
	add(w.info.Uses, false)
	for _, refs := range w.names {
		sort.Slice(refs, func(i, j int) bool { return refs[i].node.Pos() < refs[j].node.Pos() })
	}
	return w.names
}

// namesIn returns the checker's names in one file, sorted: what hover,
// definition and rename look the cursor up in. Unlike index, it keeps
// only the file's names, compared by position range rather than found
// with FileSet.File for each, so that the first request after an edit in
// a large workspace does not index every file (see
// BenchmarkHoverAfterEdit).
func (w *workspace) namesIn(tf *token.File) []nameRef {
	if w.names != nil {
		if refs, ok := w.names[tf]; ok || w.allNames {
			return refs
		}
	} else {
		w.names = map[*token.File][]nameRef{}
	}
	lo, hi := token.Pos(tf.Base()), token.Pos(tf.Base()+tf.Size())
	var refs []nameRef
	add := func(m map[ast.Node]types.Object, def bool) {
		for n, obj := range m {
			if p := n.Pos(); lo <= p && p <= hi {
				refs = append(refs, nameRef{node: n, obj: obj, def: def})
			}
		}
	}
	add(w.info.Defs, true)
	add(w.info.Uses, false)
	sort.Slice(refs, func(i, j int) bool { return refs[i].node.Pos() < refs[j].node.Pos() })
	w.names[tf] = refs
	return refs
}

// nameAt returns the name at a byte offset of a file: the one that
// contains it, or ends right at it (the cursor just after a word).
func (w *workspace) nameAt(src *source, off int) (nameRef, bool) {
	refs := w.namesIn(src.tf)
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
