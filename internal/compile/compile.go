// Package compile takes *.rules sources through the whole front end: parse,
// check against the standard library, lower to the IR. It is the one place
// the commands and the runtime's tests go from text to a Program.
package compile

import (
	"errors"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/lower"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/parser"
	"github.com/stagecraft/stagecraft/lang/token"
	"github.com/stagecraft/stagecraft/stdlib"
)

// Universe is the standard library's universe, built once.
var Universe = sync.OnceValues(func() (*check.Universe, error) { return check.NewUniverse(stdlib.Load()) })

// Source is one file.
type Source struct {
	Name string
	Src  []byte
	Err  error // the file could not be read: reported as E008 at its start, the others still checked
}

// Checked is a workspace parsed and checked.
type Checked struct {
	Fset  *token.FileSet
	Files []*ast.File
	Info  *check.Info
	Diags diag.List // of parsing and checking, together
}

// Check parses and checks sources as one workspace, reading the modules of
// custom actions from the operating system's files. The error is only for
// a broken standard library; the workspace's own problems are in Diags.
func Check(srcs []Source) (*Checked, error) { return CheckWith(srcs, check.Config{}) }

// CheckWith is Check with conf's way to read modules.
func CheckWith(srcs []Source, conf check.Config) (*Checked, error) {
	u, err := Universe()
	if err != nil {
		return nil, err
	}
	c := &Checked{Fset: token.NewFileSet()}
	for _, s := range srcs {
		if s.Err != nil {
			tf := c.Fset.AddFile(s.Name, nil)
			c.Diags.Errorf(tf.Pos(0), tf.Pos(0), diag.EUnreadable, "cannot read the file: %v", s.Err).Hint = "remove it, or make it a readable regular file"
			continue
		}
		f, ds := parser.ParseFile(c.Fset.AddFile(s.Name, s.Src))
		c.Diags.Append(ds)
		c.Files = append(c.Files, f)
	}
	info, ds := conf.Check(c.Fset, c.Files, u)
	c.Diags.Append(ds)
	c.Info = info
	return c, nil
}

// Program compiles sources. With errors, it returns them rendered as text
// (positions, carets, hints) in the error.
func Program(srcs []Source) (*ir.Program, error) { return ProgramWith(srcs, check.Config{}) }

// ProgramWith is Program with conf's way to read modules.
func ProgramWith(srcs []Source, conf check.Config) (*ir.Program, error) {
	c, err := CheckWith(srcs, conf)
	if err != nil {
		return nil, err
	}
	if c.Diags.HasErrors() {
		var b strings.Builder
		diag.WriteText(&b, c.Fset, c.Diags.Sorted(), c.Diags.Dropped())
		return nil, errors.New(b.String())
	}
	return lower.Program(c.Fset, c.Files, c.Info)
}

// Files reads the named files of fsys as sources, or with no names every
// *.rules file at its top, in name order. Names are given the prefix.
func Files(fsys fs.FS, prefix string, names ...string) ([]Source, error) {
	if len(names) == 0 {
		var err error
		if names, err = fs.Glob(fsys, "*.rules"); err != nil {
			return nil, err
		}
		sort.Strings(names)
	}
	var srcs []Source
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, Source{Name: prefix + n, Src: b})
	}
	return srcs, nil
}

// ProgramFiles compiles files of fsys, as Files reads them; the modules of
// custom actions are read from fsys too (FS).
func ProgramFiles(fsys fs.FS, prefix string, names ...string) (*ir.Program, error) {
	srcs, err := Files(fsys, prefix, names...)
	if err != nil {
		return nil, err
	}
	return ProgramWith(srcs, check.Config{Modules: FS(fsys, prefix)})
}

// FS is fsys with every name given the prefix, as Files names its
// sources: the module a rules file "examples/workspace.rules" names as
// "actions/x.wasm" is "examples/actions/x.wasm", read from fsys as
// "actions/x.wasm". The checker and the runtime read modules through it.
func FS(fsys fs.FS, prefix string) fs.FS { return prefixFS{fsys, prefix} }

type prefixFS struct {
	fsys   fs.FS
	prefix string
}

func (p prefixFS) Open(name string) (fs.File, error) {
	rest, ok := strings.CutPrefix(name, p.prefix)
	if !ok || !fs.ValidPath(rest) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return p.fsys.Open(rest)
}
