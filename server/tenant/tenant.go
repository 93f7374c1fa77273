// Package tenant owns the server's tenants: each is an independent unit
// with its own Pebble stores under DATA/tenants/NAME (the engine's: rule
// versions, items, input log, timers, outbox; and the server's own:
// event IDs, delivery state), its own engine, and its own clock. Nothing
// of one tenant is reachable through another.
//
// The clock is the one place that reads the wall clock (spec/semantics.md,
// "Time drains, never drops"): every input a tenant applies gets the
// workspace's time of now, never earlier than the last tick, and a loop
// advances the engine to now every second, so that a due rule fires
// within a second and timers that came due while the server was down
// drain after a start.
package tenant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/wasm"
	"github.com/stagecraft/stagecraft/server/auth"
)

// Tenant is one tenant, open.
type Tenant struct {
	Name   string
	Engine *engine.Engine
	// Modules holds the WebAssembly modules of its versions' custom
	// actions, by hash: a deploy stores them before the version commits.
	Modules *Modules
	host    *lazyHost
	st      *store.Store // the engine's
	side    *store.Store // the server's own: event IDs, delivery state
	log     *slog.Logger
	events  *events
	// DeployMu orders deploys: one checks the running version and
	// deploys over it before the next looks.
	DeployMu sync.Mutex

	// gate orders inputs against ticks: an input holds it shared from
	// reading the clock until its commit is durable; a tick takes it alone
	// only to read the clock, so no input reads a time earlier than a tick
	// that commits before it.
	gate sync.RWMutex
	last atomic.Int64 // the latest workspace time handed out
	zone atomic.Pointer[zone]
	wall func() time.Time

	stop chan struct{}
	done chan struct{}
	// life ends when Close starts: a drain in progress stops between its
	// chunks (what is committed stays; the next start goes on from there)
	// instead of holding the shutdown for the whole backlog.
	life    context.Context
	endLife context.CancelFunc
	// Ticked, if set, is called after each durable chunk of a tick.
	ticked  func(*engine.Result)
	closing atomic.Bool
	closed  atomic.Bool
	// committed, if set, is called after a deploy and after each input
	// that put a message in the outbox (Options.Committed).
	committed func(*Tenant)
	observe   func(tenant, kind string, d time.Duration, err error)

	onClose []func()

	// custom runs the custom actions (nil when the registry's library
	// brings its own); warmed is closed when warm is done.
	custom *runner
	warmed chan struct{}
	// ticked1 is set by the first tick after opening, which fires the
	// timers that fell due while the server was down.
	ticked1 atomic.Bool
}

// OnClose adds a function Close calls first, before the tenant's clock
// and stores stop (to stop a dispatcher, say).
func (t *Tenant) OnClose(f func()) { t.onClose = append(t.onClose, f) }

// Options are a registry's settings.
type Options struct {
	Engine engine.Options
	// Tick is the clock's period; default one second.
	Tick time.Duration
	// Wall is the wall clock; default time.Now. Tests may move it.
	Wall func() time.Time
	// Ticked is called with each durable chunk of every tenant's ticks.
	Ticked func(tenant string, res *engine.Result)
	// Opened is called with each tenant once it is open, before its clock
	// starts (to start its dispatcher, say).
	Opened func(*Tenant)
	// Observe is called with each input a tenant applies (a tick's chunks
	// aside): its kind, how long the engine took to make it durable, and
	// its error if refused.
	Observe func(tenant, kind string, d time.Duration, err error)
	// Committed is called once an input a tenant commits has put
	// messages in the outbox, and after every deploy and every chunk of a
	// tick, to wake its dispatcher, say: an input that sent nothing (most
	// events) does not wake it to find nothing. It must not block.
	Committed func(*Tenant)
	// Wasm are the limits of custom actions (runtime/wasm's defaults for
	// zero fields). One host serves every tenant: modules are shared by
	// hash, never by name, so no tenant can run another's under its name.
	// CacheDir defaults to DATA/cache/wasm, wazero's compiled code, so a
	// restart does not compile every module again.
	Wasm wasm.Options
}

// Registry is the set of open tenants of a data folder.
type Registry struct {
	dir  string // DATA/tenants
	lib  engine.Library
	opts Options
	log  *slog.Logger
	host *lazyHost

	mu      sync.Mutex
	tenants map[string]*Tenant
	closed  bool
}

// NewRegistry returns the tenants of a data folder, none open yet.
func NewRegistry(data string, lib engine.Library, opts Options, log *slog.Logger) *Registry {
	if opts.Tick <= 0 {
		opts.Tick = time.Second
	}
	if opts.Wall == nil {
		opts.Wall = time.Now
	}
	if opts.Wasm.CacheDir == "" {
		opts.Wasm.CacheDir = WasmCacheDir(data)
	}
	return &Registry{dir: filepath.Join(data, "tenants"), lib: lib, opts: opts, log: log, tenants: map[string]*Tenant{},
		host: &lazyHost{opts: opts.Wasm, log: log}}
}

// OpenAll opens every tenant that has a folder, so that their clocks run
// (and overdue timers drain) before any request names them.
func (r *Registry) OpenAll() error {
	ents, err := os.ReadDir(r.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range ents {
		if !e.IsDir() || auth.ValidTenant(e.Name()) != nil {
			continue
		}
		if _, err := r.Get(e.Name()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Names lists the open tenants.
func (r *Registry) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for n := range r.tenants {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ErrClosed is the error of a registry shutting down.
var ErrClosed = errors.New("the server is shutting down")

// Get returns the tenant, opening it (and creating its stores) on first use.
func (r *Registry) Get(name string) (*Tenant, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if t := r.tenants[name]; t != nil { // an open tenant's name was valid when it opened
		return t, nil
	}
	if err := auth.ValidTenant(name); err != nil {
		return nil, err
	}
	t, err := open(filepath.Join(r.dir, name), name, r.lib, r.host, r.opts, r.log.With("tenant", name))
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", name, err)
	}
	r.tenants[name] = t
	if r.opts.Opened != nil {
		r.opts.Opened(t)
	}
	go t.clock(r.opts.Tick)
	go t.warm()
	return t, nil
}

// ErrNoTenant is the error of Existing for a tenant with no folder.
var ErrNoTenant = errors.New("no such tenant")

// Existing returns the tenant if it is open or has a folder, opening it;
// unlike Get it never creates one, for callers that hold no key (the
// providers' inbound webhooks).
func (r *Registry) Existing(name string) (*Tenant, error) {
	if err := auth.ValidTenant(name); err != nil {
		return nil, err
	}
	r.mu.Lock()
	t := r.tenants[name]
	r.mu.Unlock()
	if t != nil {
		return t, nil
	}
	if fi, err := os.Stat(filepath.Join(r.dir, name)); err != nil || !fi.IsDir() {
		return nil, ErrNoTenant
	}
	return r.Get(name)
}

// Close stops every tenant's clock and closes its stores.
func (r *Registry) Close() error {
	r.mu.Lock()
	r.closed = true
	ts := r.tenants
	r.tenants = map[string]*Tenant{}
	r.mu.Unlock()
	var errs []error
	for _, t := range ts {
		errs = append(errs, t.Close())
	}
	errs = append(errs, r.host.close()) // no engine calls it any more
	return errors.Join(errs...)
}

// Dir is where a tenant of the data folder keeps its stores.
func Dir(data, name string) string { return filepath.Join(data, "tenants", name) }

// WasmCacheDir is where the WebAssembly host of a data folder caches
// compiled modules: wazero's own files, shared by the tenants (a module is
// compiled once whichever tenant runs it) and safe to delete.
func WasmCacheDir(data string) string { return filepath.Join(data, "cache", "wasm") }

// EngineDir and SideDir are the folders of a tenant's two stores.
func EngineDir(tenantDir string) string { return filepath.Join(tenantDir, "engine") }
func SideDir(tenantDir string) string   { return filepath.Join(tenantDir, "server") }

func open(dir, name string, lib engine.Library, host *lazyHost, opts Options, log *slog.Logger) (*Tenant, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	mods := NewModules(ModulesDir(dir))
	var custom *runner
	if lib.Custom == nil { // lib is a copy: this runner is this tenant's
		custom = newRunner(host, mods)
		lib.Custom = custom
	}
	st, err := store.Open(EngineDir(dir), nil)
	if err != nil {
		return nil, err
	}
	side, err := store.Open(SideDir(dir), nil)
	if err != nil {
		st.Close()
		return nil, err
	}
	e, err := engine.Open(st, lib, opts.Engine)
	if err != nil {
		st.Close()
		side.Close()
		return nil, err
	}
	t := &Tenant{Name: name, Engine: e, Modules: mods, host: host, custom: custom, st: st, side: side, log: log, wall: opts.Wall,
		stop: make(chan struct{}), done: make(chan struct{}), warmed: make(chan struct{})}
	t.life, t.endLife = context.WithCancel(context.Background())
	if opts.Ticked != nil {
		t.ticked = func(res *engine.Result) { opts.Ticked(name, res) }
	}
	t.committed, t.observe = opts.Committed, opts.Observe
	// The clock goes on from the last input, not only the last tick: a
	// workspace held still by a change of zone is held after a restart too.
	last, err := e.LastTime()
	if err != nil {
		st.Close()
		side.Close()
		return nil, err
	}
	t.last.Store(last)
	if t.events, err = openEvents(t); err != nil {
		st.Close()
		side.Close()
		return nil, err
	}
	return t, nil
}

// Side is the tenant's own store of the server (not the engine's): for
// the dispatcher's cursor and delivery state.
func (t *Tenant) Side() *store.Store { return t.side }

// Close stops the clock, waits for its tick, writes what the event table
// holds in memory and closes the stores.
func (t *Tenant) Close() error {
	if t.closing.Swap(true) {
		return nil
	}
	for _, f := range t.onClose {
		f()
	}
	t.closed.Store(true)
	close(t.stop)
	t.endLife()
	<-t.done
	<-t.warmed    // a compilation in progress ends before the host can close
	t.gate.Lock() // no input in flight
	defer t.gate.Unlock()
	err := t.events.close()
	return errors.Join(err, t.st.Close(), t.side.Close())
}

// Apply applies an input at the workspace's time of now and returns once
// it is durable.
func (t *Tenant) Apply(in engine.Input) (*engine.Result, error) {
	t.gate.RLock()
	defer t.gate.RUnlock()
	if t.closed.Load() {
		return nil, ErrClosed
	}
	in.Time = t.now()
	start := time.Now()
	res, err := t.Engine.Apply(in)
	if t.observe != nil {
		t.observe(t.Name, in.Kind, time.Since(start), err)
	}
	if err == nil && res.Sent > 0 && t.committed != nil {
		t.committed(t)
	}
	return res, err
}

// Deploy deploys a program at the workspace's time of now. A tenant's
// first input, when it is a deploy, is at the time of the program's own
// calendar: there is no clock yet to hold still, where reading it in UTC
// first would hold a workspace west of UTC still for hours (every timer
// with it) until its wall clock caught up.
func (t *Tenant) Deploy(p *ir.Program) (*engine.Result, error) {
	// The timers already due fire first, under the version they were
	// started by: after a downtime the clock drains them in chunks, and a
	// deploy taken between two chunks gave the rest the new definition
	// (or cancelled them) depending on how fast the backlog drained.
	t.tick()
	// A first deploy takes the gate whole: an input beside it would read
	// the clock before its zone is known, and be logged ahead of it.
	loc, calendar := CalendarZone(p)
	first := calendar && t.Engine.Seq() == 0
	if first {
		t.gate.Lock()
		defer t.gate.Unlock()
		first = t.Engine.Seq() == 0
	} else {
		t.gate.RLock()
		defer t.gate.RUnlock()
	}
	if t.closed.Load() {
		return nil, ErrClosed
	}
	start := time.Now()
	var at int64
	if first {
		at = Workspace(t.wall(), loc)
	} else {
		at = t.now()
	}
	res, err := t.Engine.Deploy(p, at)
	if first && err == nil {
		t.setZone()      // before the clock: Now, which takes no gate, reads it in the new zone
		t.last.Store(at) // nothing was handed out before: the clock starts here
	}
	if t.observe != nil {
		t.observe(t.Name, "deploy", time.Since(start), err)
	}
	if res != nil {
		t.logParked("deploy", res)
	}
	t.setZone() // the calendar may have changed, even if the deploy failed midway
	if err == nil && t.committed != nil {
		t.committed(t)
	}
	return res, err
}

// Now is the workspace's time of now, as the next input would get it.
func (t *Tenant) Now() int64 { return t.now() }

// now reads the wall clock as the workspace's (its calendar's time zone),
// never going back: not behind a time already handed out, so not behind
// the last tick (a clock set back, or the hour repeated when summer time
// ends, holds time still instead).
func (t *Tenant) now() int64 {
	wall := t.workspace(t.wall())
	for {
		last := t.last.Load()
		if wall <= last {
			return last
		}
		if t.last.CompareAndSwap(last, wall) {
			return wall
		}
	}
}

// warm loads the modules of the running program in the background, so
// that the first input after a start that calls a custom action does not
// wait for its module to compile (~0.1 s for the Go example from the
// cache, ~1 s without). A deploy loads its modules itself (LoadModule).
func (t *Tenant) warm() {
	defer close(t.warmed)
	if t.custom != nil {
		t.custom.warm(t.life, t.Engine.Program())
	}
}

// clock advances the engine to now every period until the tenant closes.
func (t *Tenant) clock(period time.Duration) {
	defer close(t.done)
	tk := time.NewTicker(period)
	defer tk.Stop()
	for {
		t.tick()
		select {
		case <-t.stop:
			return
		case <-tk.C:
		}
	}
}

// tick fires the due timers, in chunks, each durable before the next.
func (t *Tenant) tick() {
	first := t.ticked1.CompareAndSwap(false, true)
	if t.Engine.Version() == 0 {
		return // nothing deployed: nothing can be due
	}
	due, ok, err := t.Engine.NextDue()
	if err != nil {
		t.log.Error("tick: reading the next timer", "err", err)
		return
	}
	if !ok || due > t.now() {
		return // nothing due: no tick input, so the log holds no empty ones
	}
	t.gate.Lock()
	now := t.now()
	t.gate.Unlock()
	fired := 0
	if first {
		// The first tick after opening drains what fell due while the
		// server was down: the operator reads how much.
		defer func() {
			if fired > 0 {
				t.log.Info("timers due while the server was down fired", "fired", fired, "oldest_due", time.Unix(due, 0).UTC().Format("2006-01-02T15:04:05"))
			}
		}()
	}
	err = t.Engine.AdvanceContext(t.life, now, func(res *engine.Result) {
		fired += res.Fired
		t.logParked("tick", res)
		if t.ticked != nil {
			t.ticked(res)
		}
		if t.committed != nil {
			t.committed(t)
		}
	})
	switch {
	case err != nil && t.life.Err() != nil && errors.Is(err, context.Canceled):
		t.log.Info("tick: stopped by the shutdown; the due timers left drain at the next start", "err", err)
	case err != nil:
		t.log.Error("tick", "err", err)
	}
}

// logParked says what an input parked: damage, kept aside and never
// dropped (spec/storage.md), which an operator must see.
func (t *Tenant) logParked(what string, res *engine.Result) {
	for _, p := range res.Parked {
		t.log.Error(what+": a damaged timer was parked", "timer", p.Key, "reason", p.Reason, "seq", p.Seq)
	}
}

// TickNow fires the due timers at once, as the clock does every second.
func (t *Tenant) TickNow() { t.tick() }
