// Package ast owns the syntax tree of *.rules files. Every node knows its
// source span (Pos, End); comments are kept on the File, in source order, for
// the formatter to weave back in. The tree is what was written: names are not
// resolved here and the checker records what it learns in side tables.
package ast

import "github.com/stagecraft/stagecraft/lang/token"

// Node is any node of the tree.
type Node interface {
	Pos() token.Pos // first byte
	End() token.Pos // the byte just after the node
}

// File is one parsed source file.
type File struct {
	Name     string
	Decls    []Decl     // in source order; a declaration that failed to parse is a *BadDecl
	Comments []*Comment // every comment, in source order
	Size     int        // length of the source in bytes
	Base     token.Pos  // position of the first byte
}

func (f *File) Pos() token.Pos { return f.Base }
func (f *File) End() token.Pos { return f.Base + token.Pos(f.Size) }

// Comment is a '#' comment up to the end of its line.
type Comment struct {
	Hash token.Pos
	Text string // including the leading '#'
	// Trailing reports whether code precedes the comment on its line.
	Trailing bool
}

func (c *Comment) Pos() token.Pos { return c.Hash }
func (c *Comment) End() token.Pos { return c.Hash + token.Pos(len(c.Text)) }

// Ident is a name: a field, variable, resource, item or keyword-like word
// such as an action's verb.
type Ident struct {
	NamePos token.Pos
	Name    string
}

func (x *Ident) Pos() token.Pos { return x.NamePos }
func (x *Ident) End() token.Pos { return x.NamePos + token.Pos(len(x.Name)) }

// Name is a name that may be written bare or quoted: stage and pipeline
// names, which may hold spaces and any Unicode ("Zamknięty wygrany").
type Name struct {
	NamePos token.Pos
	Raw     string // as written, quotes included if quoted
	Value   string // the name itself
}

func (x *Name) Pos() token.Pos { return x.NamePos }
func (x *Name) End() token.Pos { return x.NamePos + token.Pos(len(x.Raw)) }

// StageRef names a stage, optionally qualified by its pipeline: Dostawa, Sales.Dostawa.
type StageRef struct {
	Pipeline *Name // may be nil
	Stage    *Name
}

func (x *StageRef) Pos() token.Pos {
	if x.Pipeline != nil {
		return x.Pipeline.Pos()
	}
	return x.Stage.Pos()
}
func (x *StageRef) End() token.Pos { return x.Stage.End() }

// Setting is one `key value` pair of an action, trigger, resource, test item
// or expectation. Name is set for a typed entry of a block, `input amount: money`.
type Setting struct {
	Key   *Ident
	Name  *Ident // may be nil
	Value Expr
}

func (x *Setting) Pos() token.Pos { return x.Key.Pos() }
func (x *Setting) End() token.Pos { return x.Value.End() }
