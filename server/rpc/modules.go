package rpc

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing/fstest"

	"connectrpc.com/connect"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/ir"
	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/server/tenant"
)

// MaxModules is the most modules one request may carry; a rule set of a
// thousand files rarely names a handful.
const MaxModules = 100

// MaxModuleBytes is the most bytes one module may have (within the
// request's size limit, which counts every module's bytes too).
const MaxModuleBytes = tenant.MaxModuleBytes

// requestModules is the file system the checker reads a request's modules
// from: only the bytes the request carries, by their paths, so that a rule
// set names nothing on the server's disk (an absolute path or one that
// climbs out with ".." in a rules file finds nothing here, E008). A
// module's path must be one a rules file can name: relative, clean,
// slash-separated.
func requestModules(mods []*v1.ModuleFile) (fs.FS, error) {
	if len(mods) > MaxModules {
		return nil, invalid("%d modules; a request carries at most %d", len(mods), MaxModules)
	}
	fsys := fstest.MapFS{}
	for i, m := range mods {
		p := m.GetPath()
		switch {
		case p == "":
			return nil, invalid("module %d has no path: give the path its custom action resolves to (the rules file's folder joined with the path it writes)", i+1)
		case strings.HasPrefix(p, "/") || path.IsAbs(p):
			return nil, invalid("module path %q is absolute: give it relative to the rule set, as the rules files' paths are", p)
		case strings.Contains(p, `\`):
			return nil, invalid("module path %q has a backslash: separate folders with /", p)
		case !fs.ValidPath(p):
			return nil, invalid("module path %q is not a clean relative path (no \"..\", \".\" or empty elements, no trailing /)", p)
		case len(m.GetData()) == 0:
			return nil, invalid("module %q has no data: send the module's bytes (base64 in JSON)", p)
		case len(m.GetData()) > MaxModuleBytes:
			return nil, invalid("module %q has %d bytes; a module has at most %d MiB", p, len(m.GetData()), MaxModuleBytes>>20)
		}
		if _, dup := fsys[p]; dup {
			return nil, invalid("module %q is given twice", p)
		}
		fsys[p] = &fstest.MapFile{Data: m.GetData(), Mode: 0o444}
	}
	return fsys, nil
}

// checkConfig is the checker's configuration for a request's modules.
func checkConfig(mods []*v1.ModuleFile) (check.Config, error) {
	fsys, err := requestModules(mods)
	if err != nil {
		return check.Config{}, err
	}
	return check.Config{Modules: fsys,
		MissingModule: "the server reads no files of its own: send the module in the request's modules, with the path %s (its bytes base64 in JSON)"}, nil
}

// storeModules keeps with the tenant the modules that prog pins, from the
// request's bytes, before the version that runs them commits: a crash in
// between leaves a module no version names, never a version without its
// module. The checker read the same bytes, so each must have the hash the
// program pins; anything else is the server's bug, not the caller's.
func storeModules(t *tenant.Tenant, prog *ir.Program, mods []*v1.ModuleFile) error {
	byPath := make(map[string][]byte, len(mods))
	for _, m := range mods {
		byPath[m.GetPath()] = m.GetData()
	}
	for _, mod := range prog.Modules {
		b, ok := byPath[mod.Path]
		if !ok {
			return fmt.Errorf("module %s was checked but is not in the request", mod.Path)
		}
		h, err := t.Modules.Put(b)
		if err != nil {
			return err
		}
		if h != mod.Hash {
			return fmt.Errorf("module %s: stored as %s, checked as %s", mod.Path, h, mod.Hash)
		}
	}
	return nil
}

// hostCheck loads every module the rule set's custom actions name with
// load (the tenant's WebAssembly host), and adds an error at each
// declaration whose module the host refuses: the checker reads only the
// manifest, and a module with a valid one may still be refused at load
// (an import not granted, code that does not validate, no export of an
// action), which would otherwise fail every run of it on the timelines.
// Plan and Deploy do this, so a deploy is refused with diagnostics;
// Check answers what `stagecraft check` does. The caller's deadline
// bounds the loads (a Go module compiles in seconds, once per server).
func hostCheck(ctx context.Context, ch *compile.Checked, mods []*v1.ModuleFile, load func(context.Context, []byte) error) error {
	byPath := make(map[string][]byte, len(mods))
	for _, m := range mods {
		byPath[m.GetPath()] = m.GetData()
	}
	names := make([]string, 0, len(ch.Info.Custom))
	for n, ca := range ch.Info.Custom {
		if ca.Module != nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	refused := map[string]error{}
	for _, n := range names {
		ca := ch.Info.Custom[n]
		p := ca.Module.Path
		err, done := refused[p]
		if !done {
			err = load(ctx, byPath[p])
			if cerr := ctx.Err(); cerr != nil {
				code := connect.CodeCanceled
				if cerr == context.DeadlineExceeded {
					code = connect.CodeDeadlineExceeded
				}
				return connect.NewError(code, fmt.Errorf("loading module %s: %w", p, cerr))
			}
			refused[p] = err
		}
		if err == nil {
			continue
		}
		d := ca.Decl
		at, end := d.Pos(), d.End()
		if d.Value != nil {
			at, end = d.Value.Pos(), d.Value.End()
		}
		ch.Diags.Errorf(at, end, diag.EBadValue, "module %s is refused by the WebAssembly host: %v", p, err).Hint =
			"spec/wasm.md says what a module must export and may import; `stagecraft module check` shows what the host says"
	}
	return nil
}
