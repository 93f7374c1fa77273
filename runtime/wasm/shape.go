package wasm

import "fmt"

// The shape of a function's code. wazero's compiler (wazevo) takes time
// linear in a function's size for most of its passes, but a few of them
// walk the dominator tree of the function's basic blocks from each block
// or each edge: its loop detection asks, for every edge, whether the
// block it leaves is dominated by the block it enters, by walking up the
// tree from one to the other or to the entry; its loop nesting forest
// walks up from every block to the nearest loop header. That is the
// number of edges times the tree's depth, quadratic in the code for
// shapes that make the tree deep: blocks or loops nested ten thousand
// deep, or twenty thousand blocks in a row, each with a branch to its
// end, took wazero from 6 s to over 10 minutes to compile, one core held
// and nothing to cancel it (found by a hostile module; spec/wasm.md,
// Limits). A module of a few kilobytes is enough. So before wazero sees
// a module, the host holds each function to limits of its shape: how
// deep its blocks and its loops nest, how many labels a br_table has
// (counts.go, on the module's code), and, on the rewritten code, its
// size and branchWork, an upper bound of those walks. Real code is far
// inside them: the Go example's functions (Go's backend nests a block per
// resume point in one loop, all dispatched by one br_table) reach a
// nesting of 549, one loop deep, br_tables of 965 labels, 54 KB of
// rewritten code and a branchWork of 94,043 (3.4 million for the whole
// module; TestShapeOfExamples).

const (
	// maxNesting is how deep a function's blocks, loops and ifs may nest
	// (the Go example's deepest: 549).
	maxNesting = 10000
	// maxLoopNesting is how deep its loops may nest within each other
	// (the examples': 1 for Go and AssemblyScript, 2 for the WAT one).
	// The rewrite gives each loop a check at its start and after its
	// end, which wazero compiles to two blocks more each; 4,000 loops
	// nested took wazero 5.6 s to compile rewritten (0.28 s as they are).
	maxLoopNesting = 500
	// maxBrTable is how many labels a br_table may have, its default
	// included (the Go example's largest: 965).
	maxBrTable = 1 << 15
	// maxFuncCode is how large a function's code may be once rewritten,
	// in bytes (the Go example's largest: 54,435, 29,238 before).
	maxFuncCode = 4 << 20
	// maxBranchWork bounds a function's branchWork (the Go example's
	// largest: see TestShapeOfExamples); maxModuleBranchWork, the sum
	// over the module's functions.
	maxBranchWork       = 64_000_000
	maxModuleBranchWork = 2 * maxBranchWork
)

// branchWork bounds the walks of wazero's passes over the dominator tree
// of the function w has decoded and weighed, checks included (each an if
// with a call: two blocks more). It follows the basic blocks wazero makes
// of the code: a loop's start, an if's arms, an else, the code after a
// block's end or after a br_if are blocks of their own. A block's depth
// in the dominator tree is at most its distance from the entry (every
// block that dominates it is on every path to it, the shortest one
// included), and since every branch goes forward but those to a loop's
// start, which never make a shorter path to it, one pass in the order of
// the code finds every block's distance. branchWork is the sum, over the
// edges between blocks and the blocks, of the distance of the block the
// edge leaves, or of the block: what those walks take at most; and,
// for every block, the square of the edges that enter it (wazero looks
// through them for a duplicate as it adds one: a br_table of 300,000
// labels to one block took it 32 s).
func (w *weigher) branchWork() uint64 {
	const unreached = ^uint32(0)
	// follow[b] is the distance of the block after block b's end, the
	// least over the edges found so far that go there.
	follow := w.follow[:0]
	for range w.blocks {
		follow = append(follow, unreached)
	}
	w.follow = follow
	arm, preds := w.arm[:0], w.preds[:0] // an if's distance, for its else; how many edges enter the block (after its end; a loop's start)
	for range w.blocks {
		arm, preds = append(arm, unreached), append(preds, 0)
	}
	w.arm, w.preds = arm, preds
	var work uint64
	cur := uint32(0) // the distance of the block the code is in; unreached: none
	// edge adds an edge from the current block to the block after b's
	// end (or to b's start, a loop's: a back edge, which shortens
	// nothing).
	edge := func(b int32) {
		// wazero looks through the block's edges for the same one as
		// it adds one: quadratic in a block's edges.
		work += uint64(cur) + uint64(preds[b])
		preds[b]++
		if !w.blocks[b].loop && b != 0 && cur+1 < follow[b] {
			follow[b] = cur + 1
		}
	}
	// enter starts a new block after an edge from the current one.
	enter := func() {
		work += 2 * uint64(cur) // the edge, and the block's own walk
		cur++
	}
	for i := range w.ops {
		op := &w.ops[i]
		if op.weight != 0 && cur != unreached {
			// The check's if: an edge to its arm (the call) and one
			// past it, and the arm's own to the block after it.
			work += 3*uint64(cur) + 2
			cur++
		}
		switch op.kind {
		case opLoop:
			if cur != unreached {
				enter()
			}
		case opIf:
			arm[op.label] = cur
			if cur != unreached {
				if w.blocks[op.label].els < 0 {
					edge(op.label) // the false arm goes past the end
				}
				enter()
			}
		case opElse:
			if cur != unreached {
				edge(op.label)
			}
			cur = arm[op.label]
			if cur != unreached {
				enter()
			}
		case opEnd:
			if op.label == 0 {
				continue // the function's end: a return
			}
			if w.blocks[op.label].loop { // the code after it: a block, reached from the loop's last one
				if cur != unreached {
					enter()
				}
				continue
			}
			if cur != unreached {
				edge(op.label)
			}
			if cur = follow[op.label]; cur != unreached {
				work += uint64(cur) // the block after the end
			}
		case opBr:
			if cur != unreached {
				edge(op.label)
			}
			cur = unreached
		case opBrIf:
			if cur != unreached {
				edge(op.label)
				enter()
			}
		case opBrTable:
			if cur != unreached {
				// wazero makes a block of each label (a trampoline),
				// entered from this one, that goes to the label.
				for _, b := range w.labels[op.label : op.label+op.n] {
					work += 2*uint64(cur) + 1
					cur++
					edge(b)
					cur--
				}
			}
			cur = unreached
		case opLeave:
			cur = unreached
		}
	}
	return work
}

// shapeError is a function over a limit of its shape: the module is
// refused before wazero compiles it.
type shapeError struct {
	fn  uint32 // the function's index in the code section
	why string
}

func (e *shapeError) Error() string {
	return fmt.Sprintf("section 10: function %d: %s (spec/wasm.md, Limits)", e.fn, e.why)
}

// shapeHook, when set (by a test), is given every function's index,
// branchWork and rewritten size.
var shapeHook func(fn uint32, work uint64, size int)
