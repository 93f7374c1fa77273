package wasm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// MaxModuleSize bounds a module file the runner reads: it is read whole to
// be hashed. The checker has the same limit: both are the manifest's.
const MaxModuleSize = manifest.MaxModuleSize

// Runner runs the custom actions of programs: the engine's action.Custom.
// It finds a module's file by the path the program records, in its file
// system, and runs it only while the file's bytes have the hash the
// program was checked against. It is safe for concurrent use.
//
// A file is hashed again whenever its size or modification time differs
// from when it was last hashed, so a module replaced on disk after a deploy
// is noticed at its next call (a replacement that keeps both size and
// modification time to the nanosecond is not).
type Runner struct {
	host *Host
	fsys fs.FS

	mu    sync.Mutex
	files map[string]*moduleFile
}

var _ action.Custom = (*Runner)(nil)

type moduleFile struct {
	size    int64
	modTime time.Time
	hash    string
	mod     *Module // nil when it failed to load
	err     error   // the load error, kept so that a bad module is not compiled at every call
}

// NewRunner runs modules with host, reading their files from fsys by the
// paths programs record (slash-separated); nil fsys reads the operating
// system's files, the paths relative to the current directory or
// absolute.
func NewRunner(host *Host, fsys fs.FS) *Runner {
	if fsys == nil {
		fsys = osFiles{}
	}
	return &Runner{host: host, fsys: fsys, files: map[string]*moduleFile{}}
}

// osFiles opens slash-separated paths, absolute ones too (which os.DirFS
// does not take).
type osFiles struct{}

func (osFiles) Open(name string) (fs.File, error) { return os.Open(filepath.FromSlash(name)) }

// ChangedError is a module whose file no longer has the bytes the program
// was checked against: it is not run. Deploy the rules again to check them
// against the new module.
type ChangedError struct {
	Path   string
	Pinned string // the hash the program was checked against
	Found  string // the file's hash now; "" when it cannot be read
	Reason string // why it cannot be read
}

func (e *ChangedError) Error() string {
	if e.Found == "" {
		return fmt.Sprintf("module %s cannot be read: %s (the program was checked against %s)", e.Path, e.Reason, short(e.Pinned))
	}
	return fmt.Sprintf("module %s changed since the rules were checked: its hash is %s, the program's %s; deploy the rules again to check them against it",
		e.Path, short(e.Found), short(e.Pinned))
}

// short is a hash cut for a timeline: "sha256:" and 12 hex digits.
func short(h string) string {
	if len(h) > 19 {
		return h[:19]
	}
	return h
}

// Preload loads each module of p as its calls will (and keeps it for
// them), so that a module the host refuses is known before the first call:
// `stagecraft test` says so once instead of on every call's timeline. It
// returns the path and the host's error of the first module refused; a
// module that cannot be read, or whose bytes changed since the check, is
// left to the calls, which say so each time (*ChangedError).
func (r *Runner) Preload(ctx context.Context, p *ir.Program) (path string, err error) {
	for _, mod := range p.Modules {
		var changed *ChangedError
		m, err := r.module(ctx, mod)
		if err != nil && !errors.As(err, &changed) {
			return mod.Path, err
		}
		if err == nil {
			// An initialisation that traps or never returns fails every
			// call: said once, before the first test, as a refused load.
			if err := m.CheckInit(ctx); err != nil {
				return mod.Path, err
			}
		}
	}
	return "", nil
}

// RunCustom runs call's action of mod with the inputs. Errors are
// *ChangedError, the load errors of Host.Load, and those of Module.Invoke;
// a signature that is not the manifest's (which the hash rules out) is an
// *InputError.
//
// A call made under action.Replaying has Options.ReplayTimeout as its time
// limit. The result is MachineDependent when the error is (MachineDependent).
func (r *Runner) RunCustom(ctx context.Context, mod *ir.Module, call *ir.CustomCall, inputs map[string]value.Value) (action.CustomResult, error) {
	m, err := r.module(ctx, mod)
	if err != nil {
		return action.CustomResult{MachineDependent: MachineDependent(err)}, err
	}
	return m.Run(ctx, call, inputs)
}

// Run runs call's action of a loaded module as action.Custom does, for
// every runner whatever it finds modules by: the program's signature must
// be the manifest's, and the result is MachineDependent as the error is.
func (m *Module) Run(ctx context.Context, call *ir.CustomCall, inputs map[string]value.Value) (action.CustomResult, error) {
	if err := sameSignature(m.Manifest().Action(call.Action), call); err != nil {
		return action.CustomResult{}, err
	}
	res, err := m.Invoke(ctx, call.Action, inputs)
	return action.CustomResult{Outputs: res.Outputs, Log: res.Log, MachineDependent: MachineDependent(err)}, err
}

// MachineDependent reports whether an error of a call is not a function of
// the module's bytes and the inputs (with the workspace's limits), so that
// calling again elsewhere could end otherwise: a time limit, measured on
// the wall clock (a call's, or _initialize's); a module file that cannot
// be read or changed on this machine's disk (*ChangedError); the caller's
// own context. A memory, input, output or log limit, a trap, a bad reply,
// the action's own error and a module refused at load are functions of
// the bytes and inputs, and a replay reproduces them by calling again
// (spec/semantics.md, "Custom actions").
func MachineDependent(err error) bool {
	var le *LimitError
	var ce *ChangedError
	switch {
	case err == nil:
		return false
	case errors.As(err, &le):
		return le.Limit == LimitTime
	case errors.As(err, &ce):
		return true
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// module is mod's loaded module, if its file still has the pinned hash.
func (r *Runner) module(ctx context.Context, mod *ir.Module) (*Module, error) {
	changed := func(found, reason string) error {
		return &ChangedError{Path: mod.Path, Pinned: mod.Hash, Found: found, Reason: reason}
	}
	f, err := r.fsys.Open(mod.Path)
	if err != nil {
		return nil, changed("", unwrapPath(err).Error())
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, changed("", unwrapPath(err).Error())
	}
	if !st.Mode().IsRegular() {
		return nil, changed("", "not a regular file")
	}
	r.mu.Lock()
	mf := r.files[mod.Path]
	r.mu.Unlock()
	if mf == nil || mf.size != st.Size() || !mf.modTime.Equal(st.ModTime()) {
		if st.Size() > MaxModuleSize {
			return nil, changed("", fmt.Sprintf("%d bytes, larger than the limit of %d MiB", st.Size(), MaxModuleSize>>20))
		}
		b, err := io.ReadAll(io.LimitReader(f, MaxModuleSize+1))
		if err != nil {
			return nil, changed("", err.Error())
		}
		mf = &moduleFile{size: st.Size(), modTime: st.ModTime(), hash: manifest.Hash(b)}
		if mf.hash == mod.Hash {
			mf.mod, mf.err = r.host.load(ctx, b, mf.hash)
			if mf.err != nil && ctx.Err() != nil {
				return nil, mf.err // the caller gave up: not the module's fault, not kept
			}
		}
		r.mu.Lock()
		r.files[mod.Path] = mf
		r.mu.Unlock()
	}
	if mf.hash != mod.Hash {
		return nil, changed(mf.hash, "")
	}
	return mf.mod, mf.err
}

// sameSignature reports an action whose manifest is not the signature the
// program carries: with the hash pinned it cannot happen, unless the IR
// was edited by hand.
func sameSignature(a *manifest.Action, call *ir.CustomCall) error {
	if a == nil {
		return &InputError{Action: call.Action, Reason: "the module has no such action"}
	}
	same := func(ps []manifest.Param, qs []*ir.Param) bool {
		if len(ps) != len(qs) {
			return false
		}
		for i := range ps {
			if ps[i].Name != qs[i].Name || ps[i].Type.String() != qs[i].Type || ps[i].Optional != qs[i].Optional {
				return false
			}
		}
		return true
	}
	if !same(a.Inputs, call.Inputs) || !same(a.Outputs, call.Outputs) {
		return &InputError{Action: call.Action, Reason: "the program's signature of the action is not the module's manifest"}
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
