package tenant

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/internal/atomicfile"
	"github.com/stagecraft/stagecraft/runtime/action"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/wasm"
	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// A tenant's custom actions (R-WASM, spec/wasm.md) run the modules its
// deployed versions pin by hash. The server never reads a module from
// where the rules say it lies: a deploy sends the bytes, and the tenant
// keeps every module a version runs in its module store, a folder of
// files named by their SHA-256 (DATA/tenants/NAME/modules/HEX.wasm). A
// file is written once, atomically, and never changed, so a version stays
// runnable after a restart, whatever was deployed since, and a rollback
// finds its modules; an export carries them.

// MaxModuleBytes bounds one module the server takes: a request holds it
// in memory whole, and the engine's host compiles it. The checker's own
// limit (check.MaxModuleSize, 64 MiB) is for files on a disk.
const MaxModuleBytes = 16 << 20

// ModulesDir is the folder of a tenant's module store.
func ModulesDir(tenantDir string) string { return filepath.Join(tenantDir, "modules") }

// Modules is a tenant's module store. It is safe for concurrent use:
// files are only ever added, each by a rename.
type Modules struct{ dir string }

// NewModules is the module store in dir (made on the first Put).
func NewModules(dir string) *Modules { return &Modules{dir: dir} }

// hexOf is the hex digits of a hash written "sha256:HEX", or an error for
// anything else, so that a hash never names a file outside the store.
func hexOf(hash string) (string, error) {
	h, ok := strings.CutPrefix(hash, "sha256:")
	if !ok || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%q is not a module hash (sha256: and 64 lower-case hex digits)", hash)
	}
	return h, nil
}

func (m *Modules) file(hash string) (string, error) {
	h, err := hexOf(hash)
	if err != nil {
		return "", err
	}
	return filepath.Join(m.dir, h+".wasm"), nil
}

// Put stores a module and returns its hash. A module already stored
// intact is not written again; one whose file no longer has its hash
// (damage) is replaced. The file and the folder are synced before Put
// returns, so a deploy that follows never pins a module a crash can lose.
func (m *Modules) Put(b []byte) (string, error) {
	if len(b) > MaxModuleBytes {
		return "", fmt.Errorf("a module of %d bytes: at most %d MiB", len(b), MaxModuleBytes>>20)
	}
	hash := manifest.Hash(b)
	name, _ := m.file(hash)
	if _, err := m.Get(hash); err == nil {
		return hash, nil
	}
	if err := os.MkdirAll(m.dir, 0o700); err != nil {
		return "", err
	}
	err := atomicfile.Write(name, b, 0o600)
	if err != nil {
		return "", fmt.Errorf("storing module %s: %w", hash, err)
	}
	return hash, nil
}

// HashError is a stored module whose bytes are not those of its name.
type HashError struct{ Want, Found string }

func (e *HashError) Error() string {
	return fmt.Sprintf("the stored module %s is damaged: its bytes hash to %s", e.Want, e.Found)
}

// Get reads a module by its hash, refusing a file whose bytes do not have
// it (*HashError). A module not stored is fs.ErrNotExist.
func (m *Modules) Get(hash string) ([]byte, error) {
	name, err := m.file(hash)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxModuleBytes+1))
	if err != nil {
		return nil, err
	}
	if found := manifest.Hash(b); found != hash {
		return nil, &HashError{Want: hash, Found: found}
	}
	return b, nil
}

// Has reports whether a module is stored (without reading it).
func (m *Modules) Has(hash string) bool {
	name, err := m.file(hash)
	if err != nil {
		return false
	}
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

// List is the hashes of the stored modules, sorted.
func (m *Modules) List() ([]string, error) {
	ents, err := os.ReadDir(m.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		h, ok := strings.CutSuffix(e.Name(), ".wasm")
		if !ok || !e.Type().IsRegular() {
			continue // a temporary file of a Put cut short by a crash
		}
		if _, err := hexOf("sha256:" + h); err == nil {
			out = append(out, "sha256:"+h)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Missing is the modules of p not in the store, as "PATH (HASH)".
func (m *Modules) Missing(p *ir.Program) []string {
	var out []string
	for _, mod := range p.Modules {
		if mod != nil && !m.Has(mod.Hash) {
			out = append(out, fmt.Sprintf("%s (%s)", mod.Path, mod.Hash))
		}
	}
	return out
}

// LoadModule loads a module with the host the tenant's custom actions run
// on, so that a deploy refuses a module the host would refuse at every
// run (an import not granted, code that does not validate, a memory over
// the limit, an action without its export), which the checker, reading
// only the manifest, lets through. The host keeps what it loaded, by
// hash, so the first run does not compile it again. Errors are those of
// wasm.Host.Load, or the caller's ctx's.
func (t *Tenant) LoadModule(ctx context.Context, b []byte) error {
	host, err := t.host.get(ctx)
	if err != nil {
		return err
	}
	m, err := host.Load(ctx, b)
	if err != nil {
		return err
	}
	// A module whose initialisation traps or never returns would fail
	// every call: a deploy of it is refused, as a module that does not
	// load is.
	return m.CheckInit(ctx)
}

// lazyHost is a WebAssembly host made on first use: a tenant that runs
// no custom action never compiles anything, and a server whose tenants
// run none starts no wazero runtime. A failure to make it is not kept:
// the next call tries again, so one bad moment (a request cancelled, a
// cache folder not writable yet, memory short) does not disable custom
// actions for every tenant until a restart. The host outlives the call
// that made it, so it is made under a context that is never cancelled.
type lazyHost struct {
	opts wasm.Options
	log  *slog.Logger // where an unusable cache folder is said; nil says nothing

	mu     sync.Mutex
	host   *wasm.Host
	closed bool
}

// errNoHost marks a call that found no host to run on: a fact about this
// machine at this moment, never about the module or the inputs.
type errNoHost struct{ err error }

func (e *errNoHost) Error() string { return "no WebAssembly host: " + e.err.Error() }
func (e *errNoHost) Unwrap() error { return e.err }

func (o *lazyHost) get(ctx context.Context) (*wasm.Host, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil, &errNoHost{errors.New("the tenants are closed")}
	}
	if o.host != nil {
		return o.host, nil
	}
	ctx = context.WithoutCancel(ctx)
	host, err := wasm.New(ctx, o.opts)
	if err == nil && host.CacheErr() != nil && o.log != nil {
		o.log.Warn("custom actions compile in memory only", "err", host.CacheErr())
	}
	if err != nil {
		return nil, &errNoHost{err}
	}
	o.host = host
	return host, nil
}

func (o *lazyHost) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true // none made after this
	if o.host == nil {
		return nil
	}
	h := o.host
	o.host = nil
	return h.Close(context.Background())
}

// runner runs a tenant's custom actions: the engine's action.Custom. It
// loads a module by the hash the program pins from the tenant's module
// store, never by the path the rules wrote, and refuses bytes that do not
// have that hash.
type runner struct {
	host *lazyHost
	mods *Modules

	mu     sync.Mutex
	loaded map[string]*loadedModule // by hash
}

// loadedModule is a module as the host took it, or the host's refusal:
// the same bytes are refused again, so the refusal is kept rather than
// compiling a bad module at every call. A refusal another machine or
// moment could reverse (wasm.MachineDependent: _initialize out of time,
// the caller gone) is not kept. Until done is closed the module is being
// loaded, and callers of the same hash wait for that load instead of
// compiling it again (a Go module takes ~0.1 s from the cache, ~1 s
// without): the tenant's warm-up and the first calls after a restart.
type loadedModule struct {
	done chan struct{}
	mod  *wasm.Module
	err  error
}

var _ action.Custom = (*runner)(nil)

func newRunner(host *lazyHost, mods *Modules) *runner {
	return &runner{host: host, mods: mods, loaded: map[string]*loadedModule{}}
}

// RunCustom runs one action of a pinned module. Its errors are those of
// wasm.Runner: a module missing or damaged is a *wasm.ChangedError, then
// the host's load errors and Module.Invoke's; or no host at all. The
// result is MachineDependent as wasm.Runner's is (wasm.MachineDependent),
// and when there is no host, so that the engine records the outcome with
// the input and a replay (tenant import, with its long ReplayTimeout)
// uses the record instead of calling again and deciding otherwise.
func (r *runner) RunCustom(ctx context.Context, mod *ir.Module, call *ir.CustomCall, inputs map[string]value.Value) (action.CustomResult, error) {
	m, err := r.module(ctx, mod)
	if err != nil {
		return action.CustomResult{MachineDependent: machineDependent(err)}, err
	}
	return m.Run(ctx, call, inputs)
}

// machineDependent is wasm.MachineDependent, and a call that found no host.
func machineDependent(err error) bool {
	var nh *errNoHost
	return errors.As(err, &nh) || wasm.MachineDependent(err)
}

func (r *runner) module(ctx context.Context, mod *ir.Module) (*wasm.Module, error) {
	for {
		r.mu.Lock()
		l, loading := r.loaded[mod.Hash]
		if !loading {
			l = &loadedModule{done: make(chan struct{})}
			r.loaded[mod.Hash] = l
		}
		r.mu.Unlock()
		if !loading {
			return r.load(ctx, mod, l)
		}
		select {
		case <-l.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if l.mod != nil || l.err != nil && !machineDependent(l.err) {
			return l.mod, l.err
		}
		// The load waited for ended in what is not kept (its caller gave
		// up, say): this caller tries for itself.
	}
}

// load loads a module for l, which module has just put in r.loaded, and
// keeps the outcome there unless it is not to be kept (a module not in
// the store, which a deploy may put there later; no host; the caller gone
// or _initialize out of time).
func (r *runner) load(ctx context.Context, mod *ir.Module, l *loadedModule) (*wasm.Module, error) {
	defer close(l.done)
	l.mod, l.err = r.loadModule(ctx, mod)
	if l.err != nil && machineDependent(l.err) {
		r.mu.Lock()
		delete(r.loaded, mod.Hash)
		r.mu.Unlock()
	}
	return l.mod, l.err
}

func (r *runner) loadModule(ctx context.Context, mod *ir.Module) (*wasm.Module, error) {
	b, err := r.mods.Get(mod.Hash)
	if err != nil {
		// Not kept (a ChangedError is machine-dependent): a deploy may
		// store the module (or mend it) later.
		ce := &wasm.ChangedError{Path: mod.Path, Pinned: mod.Hash}
		var he *HashError
		switch {
		case errors.As(err, &he):
			ce.Found = he.Found
		case errors.Is(err, fs.ErrNotExist):
			ce.Reason = "it is not in the tenant's module store (deploy the rule set again with its modules)"
		default:
			ce.Reason = err.Error()
		}
		return nil, ce
	}
	host, err := r.host.get(ctx)
	if err != nil {
		return nil, err
	}
	return host.Load(ctx, b)
}

// warm loads the modules p pins, one after another, and readies each
// one's first instance, so that the first calls after a restart find them
// compiled and initialised; what fails here is left for
// a call to meet and put on an item's timeline. It stops early when ctx
// ends.
func (r *runner) warm(ctx context.Context, p *ir.Program) {
	if p == nil {
		return
	}
	for _, mod := range p.Modules {
		if ctx.Err() != nil {
			return
		}
		if mod == nil {
			continue
		}
		if m, err := r.module(ctx, mod); err == nil {
			m.Prepare(ctx) // its error, if any, is the first call's to meet
		}
	}
}
