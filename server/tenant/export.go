package tenant

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/stagecraft/stagecraft/internal/version"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/wasm"
)

// A tenant's export is its input log, what its inputs need that is not
// in the log (the modules of custom actions), the state that is not in
// the log (the dispatcher's: which messages went out), and a checksum, as
// JSON lines:
//
//	{"stagecraft":"tenant","format":2,"tenant":"acme","build":"stagecraft ..."}
//	{"module":{"hash":"sha256:...","data":"BASE64"}}  each stored module
//	{"input":{...}}          each acknowledged input, in order
//	{"side":{"k":...,"v":...}} each delivery record of the side store
//	{"end":{"inputs":N,"sides":M,"modules":K,"sha256":"..."}}  of every line before
//
// Importing stores the modules, then replays the inputs into a fresh
// store, with the limits they ran under, which gives the engine's store
// byte for byte (the log and the modules are enough to rebuild
// everything: spec/storage.md; a custom action called again with the same
// module and inputs gives the same outputs); the event-ID table is
// rebuilt from the log as at any opening. The modules come before the
// inputs because replaying an item's input runs them.

// ExportFormat is the format of an export. Format 1, from before modules
// were kept, has no module lines and is still imported.
const ExportFormat = 2

// exportModule is one stored module.
type exportModule struct {
	Hash string `json:"hash"`
	Data []byte `json:"data"`
}

type exportLine struct {
	Stagecraft string        `json:"stagecraft,omitempty"`
	Format     int           `json:"format,omitempty"`
	Tenant     string        `json:"tenant,omitempty"`
	Build      string        `json:"build,omitempty"`
	Module     *exportModule `json:"module,omitempty"`
	Input      *engine.Input `json:"input,omitempty"`
	Side       *sideKV       `json:"side,omitempty"`
	End        *exportEnd    `json:"end,omitempty"`
}

type sideKV struct {
	K string `json:"k"`
	V []byte `json:"v"`
}

type exportEnd struct {
	Inputs  int    `json:"inputs"`
	Sides   int    `json:"sides"`
	Modules int    `json:"modules,omitempty"`
	SHA256  string `json:"sha256"`
}

// Export writes a tenant of a data folder (its server stopped: the stores
// are locked while it runs).
func Export(data, name string, w io.Writer, lib engine.Library) (inputs int, err error) {
	dir := Dir(data, name)
	if _, err := os.Stat(EngineDir(dir)); err != nil {
		return 0, fmt.Errorf("tenant %s: no store in %s", name, dir)
	}
	st, err := store.Open(EngineDir(dir), nil)
	if err != nil {
		return 0, fmt.Errorf("tenant %s: %w (stop the server first: it holds the store)", name, err)
	}
	defer st.Close()
	side, err := store.Open(SideDir(dir), nil)
	if err != nil {
		return 0, fmt.Errorf("tenant %s: %w", name, err)
	}
	defer side.Close()
	e, err := engine.Open(st, lib, engine.Options{})
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(w)
	h := sha256.New()
	write := func(l exportLine) error {
		b, err := json.Marshal(l)
		if err != nil {
			return err
		}
		b = append(b, '\n')
		h.Write(b)
		_, err = bw.Write(b)
		return err
	}
	if err := write(exportLine{Stagecraft: "tenant", Format: ExportFormat, Tenant: name, Build: version.String()}); err != nil {
		return 0, err
	}
	mods := NewModules(ModulesDir(dir))
	hashes, err := mods.List()
	if err != nil {
		return 0, fmt.Errorf("tenant %s: listing its modules: %w", name, err)
	}
	for _, h := range hashes {
		b, err := mods.Get(h) // a damaged module fails the export, not the import
		if err != nil {
			return 0, fmt.Errorf("tenant %s: %w", name, err)
		}
		if err := write(exportLine{Module: &exportModule{Hash: h, Data: b}}); err != nil {
			return 0, err
		}
	}
	var werr error
	err = e.LogFrom(1, func(in engine.Input) bool {
		inputs++
		werr = write(exportLine{Input: &in})
		return werr == nil
	})
	if err := errors.Join(err, werr); err != nil {
		return 0, err
	}
	sides := 0
	err = side.Scan([]byte("dlv/"), func(k, v []byte) bool {
		sides++
		werr = write(exportLine{Side: &sideKV{K: string(k), V: v}})
		return werr == nil
	})
	if err := errors.Join(err, werr); err != nil {
		return 0, err
	}
	b, _ := json.Marshal(exportLine{End: &exportEnd{Inputs: inputs, Sides: sides, Modules: len(hashes), SHA256: hex.EncodeToString(h.Sum(nil))}})
	if _, err := bw.Write(append(b, '\n')); err != nil {
		return 0, err
	}
	return inputs, bw.Flush()
}

// Import makes a tenant of a data folder from an export, storing its
// modules and replaying its inputs; the tenant must not have a store yet.
// A damaged or cut export is refused (the stores made so far are
// removed). Custom actions run on a WebAssembly host of the import's own,
// caching compiled code where the server does, unless lib has its Custom.
func Import(data, name string, r io.Reader, lib engine.Library, opts engine.Options) (inputs int, err error) {
	im, err := ImportFrom(data, name, r, lib, opts)
	return im.Inputs, err
}

// Imported is what an import did: the inputs it replayed, and the build
// that wrote the export ("" when it did not say).
type Imported struct {
	Inputs int
	Build  string
}

// OtherBuild reports whether the export was written by a build other than
// this one (version.String): its replay follows this build's rules, which
// may make what the exporting one did not (a message, a record).
func (im Imported) OtherBuild() bool { return im.Build != "" && im.Build != version.String() }

// ImportFrom is Import, saying which build wrote the export.
func ImportFrom(data, name string, r io.Reader, lib engine.Library, opts engine.Options) (im Imported, err error) {
	inputs := 0
	defer func() { im.Inputs = inputs }()
	dir := Dir(data, name)
	if _, err := os.Stat(dir); err == nil {
		return im, fmt.Errorf("tenant %s already has a folder (%s): import into a new tenant or data folder", name, dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return im, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	st, err := store.Open(EngineDir(dir), nil)
	if err != nil {
		return im, err
	}
	defer func() { err = errors.Join(err, st.Close()) }()
	side, err := store.Open(SideDir(dir), nil)
	if err != nil {
		return im, err
	}
	defer func() { err = errors.Join(err, side.Close()) }()
	mods := NewModules(ModulesDir(dir))
	if lib.Custom == nil {
		host := &lazyHost{opts: wasm.Options{CacheDir: WasmCacheDir(data)}}
		defer host.close()
		lib.Custom = newRunner(host, mods)
	}
	e, err := engine.Open(st, lib, opts)
	if err != nil {
		return im, err
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var h hash.Hash = sha256.New()
	line, sides, modules, ended := 0, 0, 0, false
	format := 0
	b := side.NewBatch()
	defer b.Discard()
	for sc.Scan() {
		line++
		if ended {
			return im, fmt.Errorf("line %d: more after the end", line)
		}
		var l exportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return im, fmt.Errorf("line %d: %v", line, err)
		}
		switch {
		case line == 1:
			if l.Stagecraft != "tenant" || l.Format < 1 || l.Format > ExportFormat {
				return im, fmt.Errorf("not a tenant export of format 1 to %d", ExportFormat)
			}
			format, im.Build = l.Format, l.Build
		case l.Module != nil:
			switch {
			case format < 2:
				return im, fmt.Errorf("line %d: a module in an export of format %d", line, format)
			case inputs > 0:
				return im, fmt.Errorf("line %d: a module after the inputs: the inputs that run it would have replayed without it", line)
			}
			h, err := mods.Put(l.Module.Data)
			if err != nil {
				return im, fmt.Errorf("line %d: %v", line, err)
			}
			if h != l.Module.Hash {
				return im, fmt.Errorf("line %d: the module named %s has the bytes of %s: the export is damaged", line, l.Module.Hash, h)
			}
			modules++
		case l.Input != nil:
			want := int64(inputs + 1)
			if l.Input.Seq != want {
				return im, fmt.Errorf("line %d: input %d where %d comes next", line, l.Input.Seq, want)
			}
			if _, err := e.Apply(*l.Input); err != nil {
				return im, fmt.Errorf("line %d: input %d: %v", line, l.Input.Seq, err)
			}
			inputs++
		case l.Side != nil:
			b.Set([]byte(l.Side.K), l.Side.V)
			sides++
		case l.End != nil:
			if l.End.Inputs != inputs || l.End.Sides != sides || l.End.Modules != modules || l.End.SHA256 != hex.EncodeToString(h.Sum(nil)) {
				return im, fmt.Errorf("line %d: the export is damaged: its checksum or counts do not match", line)
			}
			ended = true
			continue
		default:
			return im, fmt.Errorf("line %d: not an export line", line)
		}
		h.Write(sc.Bytes())
		h.Write([]byte{'\n'})
	}
	if err := sc.Err(); err != nil {
		return im, err
	}
	if !ended {
		return im, errors.New("the export is cut short: no end line")
	}
	if err := b.Apply(); err != nil {
		return im, err
	}
	return im, b.Wait()
}
