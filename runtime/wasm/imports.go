package wasm

import (
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero/api"

	"github.com/stagecraft/stagecraft/runtime/wasm/manifest"
)

// What a module may import (spec/wasm.md, "Imports"): the host's own log
// function, and the part of WASI preview 1 that a Go reactor's runtime
// links, every one of them deterministic here: arguments and environment
// are empty, the clocks are fake (they start at a fixed instant on every
// call and advance 1 ms a reading), random_get is a fixed-seed stream,
// stdout and stderr go to the call's log, there are no files (no
// preopened directory, so fd_prestat_get says EBADF) and no sockets; and
// fd_seek, which wasi-libc's stdio links into a C module as soon as it
// formats text (snprintf), and which seeks nothing (host.go).
// Anything else is refused when the module is loaded, naming the import.
var granted = map[string]map[string]bool{
	hostModule: {"log": true},
	wasiModule: {
		"args_get": true, "args_sizes_get": true, "environ_get": true, "environ_sizes_get": true,
		"clock_res_get": true, "clock_time_get": true, "random_get": true,
		"proc_exit": true, "sched_yield": true, "poll_oneoff": true,
		"fd_write": true, "fd_seek": true, "fd_close": true, "fd_fdstat_get": true, "fd_fdstat_set_flags": true,
		"fd_prestat_get": true, "fd_prestat_dir_name": true,
	},
}

var importKinds = [...]string{"func", "table", "memory", "global", "tag"}

// checkImports refuses every import that is not a granted function with
// the granted signature. Tables, memories, globals and tags are never
// granted; wazero's own list has functions only, so the import section is
// read here first (checkImportKinds).
func checkImports(wasm []byte, funcs []api.FunctionDefinition, hostDefs map[string]map[string]api.FunctionDefinition) error {
	if err := checkImportKinds(wasm); err != nil {
		return err
	}
	return checkImportedFuncs(funcs, hostDefs)
}

// checkImportKinds refuses an import that is not a function. The host
// reads it before wazero compiles the module (Host.loadNew): a module
// that imports a memory and defines one too was otherwise refused by
// wazero, with its "at most one table allowed in module" (sic), instead
// of named for its import.
func checkImportKinds(wasm []byte) error {
	secs, err := manifest.Sections(wasm)
	if err != nil {
		return &ModuleError{Reason: err.Error()}
	}
	for _, s := range secs {
		if s.ID != 2 {
			continue
		}
		b := s.Body
		n, k, err := manifest.Uvarint(b)
		if err != nil {
			return &ModuleError{Reason: "import section: " + err.Error()}
		}
		b = b[k:]
		for i := uint64(0); i < n; i++ {
			var mod, name string
			if mod, b, err = readName(b); err == nil {
				name, b, err = readName(b)
			}
			if err != nil || len(b) == 0 {
				return &ModuleError{Reason: "import section: truncated"}
			}
			kind := b[0]
			if kind != 0 {
				what := "unknown"
				if int(kind) < len(importKinds) {
					what = importKinds[kind]
				}
				return &ImportError{Module: mod, Name: name, Kind: what, Reason: "a module imports functions only (spec/wasm.md, Imports)"}
			}
			if _, k, err = manifest.Uvarint(b[1:]); err != nil {
				return &ModuleError{Reason: "import section: " + err.Error()}
			}
			b = b[1+k:]
		}
	}
	return nil
}

// checkImportedFuncs refuses an imported function that is not granted,
// or is imported with another signature than the host's.
func checkImportedFuncs(funcs []api.FunctionDefinition, hostDefs map[string]map[string]api.FunctionDefinition) error {
	for _, f := range funcs {
		mod, name, _ := f.Import()
		if !granted[mod][name] {
			reason := "not granted: a module may import stagecraft.log and the deterministic part of wasi_snapshot_preview1 (spec/wasm.md, Imports)"
			switch mod {
			case "wasi_snapshot_preview1":
				reason = "not granted: no files, sockets or other WASI calls in a deterministic sandbox (spec/wasm.md, Imports)"
			case "env":
				// "env" is where toolchains put what a module declares and
				// does not define: C's undefined functions, AssemblyScript's
				// abort. Most often the author meant the host's log.
				reason = "not granted: nothing is provided in \"env\" (no clock, no randomness, no I/O): define the function in the module; " +
					"for AssemblyScript's abort build with --use abort=NAME (spec/wasm.md, Imports)"
				if name == "log" {
					reason = "not granted: the host's log is \"stagecraft\".\"log\", not \"env\".\"log\": import it from the module \"stagecraft\" " +
						"(C: __attribute__((import_module(\"stagecraft\"), import_name(\"log\"))); AssemblyScript: @external(\"stagecraft\", \"log\"); " +
						"Rust: #[link(wasm_import_module = \"stagecraft\")]) (spec/wasm.md, Imports)"
				}
			}
			return &ImportError{Module: mod, Name: name, Kind: "func", Reason: reason}
		}
		def := hostDefs[mod][name]
		if def == nil || !slices.Equal(def.ParamTypes(), f.ParamTypes()) || !slices.Equal(def.ResultTypes(), f.ResultTypes()) {
			want := "?"
			if def != nil {
				want = signature(def)
			}
			return &ImportError{Module: mod, Name: name, Kind: "func",
				Reason: fmt.Sprintf("imported as %s, granted as %s", signature(f), want)}
		}
	}
	return nil
}

func readName(b []byte) (string, []byte, error) {
	n, k, err := manifest.Uvarint(b)
	if err != nil || n > uint64(len(b)-k) {
		return "", nil, fmt.Errorf("bad name")
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}

func signature(f api.FunctionDefinition) string {
	s := "("
	for i, t := range f.ParamTypes() {
		if i > 0 {
			s += " "
		}
		s += api.ValueTypeName(t)
	}
	s += ") -> ("
	for i, t := range f.ResultTypes() {
		if i > 0 {
			s += " "
		}
		s += api.ValueTypeName(t)
	}
	return s + ")"
}
