package stagecraft_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The dependency lattice, like Go's own go/build/deps_test.go: what each
// package may import (allowed), where each third-party module may enter
// (external), and what no package of a layer may ever link, directly or
// not (forbidden). The tests compare them with what `go list` says the
// build links: a new arrow is a design decision, made here on purpose.

const mod = "github.com/stagecraft/stagecraft"

// allowed writes down which of our packages each package may import: lang
// below compiler; compiler/ir a leaf; the runtime takes the compiler's IR,
// never the parser or checker; stdlib declares for the checker and
// implements for the engine through runtime/action, without the engine;
// cmd wires it all. Its transitive closure is the lattice.
var allowed = map[string][]string{
	"lang/token":   {},
	"lang/diag":    {"lang/token"},
	"lang/ast":     {"lang/token"},
	"lang/literal": {},
	"lang/parser":  {"lang/ast", "lang/diag", "lang/literal", "lang/token"}, // literal: a slip's fix writes a duration as the language does
	"lang/format":  {"lang/ast", "lang/parser", "lang/token"},

	"compiler/ir":    {},
	"compiler/types": {"lang/token"},
	"compiler/check": {"compiler/types", "lang/ast", "lang/diag", "lang/format", "lang/literal", "lang/parser", "lang/token", "runtime/value/ops",
		"runtime/wasm/manifest"},
	"compiler/lower": {"compiler/check", "compiler/ir", "compiler/types", "lang/ast", "lang/literal", "lang/token"},
	"compiler/plan":  {"compiler/ir", "lang/literal"},

	"runtime/value":  {"lang/literal"},
	"runtime/interp": {"compiler/ir", "runtime/value", "runtime/value/ops"},
	"runtime/action": {"compiler/ir", "runtime/interp", "runtime/value"},
	"runtime/store":  {},
	// engine: lang/literal writes a duration in a timeline's explanation; ops: a
	// skipped rule's condition is explained by the overload the checker chose.
	"runtime/engine": {"compiler/ir", "compiler/plan", "lang/literal", "runtime/action", "runtime/interp", "runtime/store", "runtime/value",
		"runtime/value/ops"},
	// testrun: a failed expectation is explained by the engine's Explainer, its expression
	// written by compiler/plan as the timeline writes a condition.
	"runtime/testrun": {"compiler/ir", "compiler/plan", "lang/literal", "runtime/engine", "runtime/interp", "runtime/store", "runtime/value"},
	// The table of operators: declarations for the checker (compiler/types,
	// which describes and links nothing) beside implementations over values.
	"runtime/value/ops": {"compiler/types", "runtime/value"},
	// The wasm host: the manifest is plain data (the checker may read it);
	// the host is wazero's only importer, and implements the engine's
	// action.Custom for the IR's modules.
	"runtime/wasm/manifest": {},
	"runtime/wasm":          {"compiler/ir", "runtime/action", "runtime/value", "runtime/wasm/manifest"},

	"stdlib": {"compiler/types", "runtime/action", "runtime/interp", "runtime/value"},

	// The API contract, generated from proto/ (the Connect stubs are
	// connect's importers besides server/).
	"gen":                                   {},
	"gen/stagecraft/v1":                     {},
	"gen/stagecraft/v1/stagecraftv1connect": {"gen/stagecraft/v1"},

	// The server: the only importer of connect besides the stubs.
	"server/auth":    {"internal/atomicfile"},
	"server/metrics": {},
	"server/tenant": {"compiler/ir", "internal/version", "runtime/action", "runtime/engine", "runtime/store", "runtime/value", "runtime/wasm",
		"runtime/wasm/manifest", "server/auth", "internal/atomicfile"},
	"server/delivery": {"runtime/engine", "runtime/store", "runtime/value", "server/tenant", "stdlib"},
	"server/tracking": {"runtime/engine", "runtime/value", "server/auth", "server/tenant"},
	"server/inbound":  {"compiler/ir", "runtime/engine", "runtime/store", "runtime/value", "server/delivery", "server/tenant"},
	"server/rpc": {"compiler/check", "compiler/ir", "compiler/lower", "compiler/plan", "gen/stagecraft/v1", "internal/compile", "lang/diag", "lang/format",
		"lang/parser", "lang/token", "runtime/engine", "runtime/store", "runtime/value", "server/auth", "server/delivery", "server/tenant"},
	"server": {"gen/stagecraft/v1/stagecraftv1connect", "runtime/engine", "server/auth", "server/delivery", "server/inbound", "server/metrics",
		"server/rpc", "server/tenant", "server/tracking", "stdlib"},
	"server/e2e": {},
	// The lean load generator of the server's benchmarks: the standard library and the API's messages.
	"server/internal/loadgen": {"gen/stagecraft/v1", "gen/stagecraft/v1/stagecraftv1connect"},

	"examples":            {},
	"internal/golden":     {},
	"internal/typing":     {},
	"internal/atomicfile": {},
	"internal/version":    {},
	"internal/workspace":  {},
	"internal/compile":    {"compiler/check", "compiler/ir", "compiler/lower", "lang/ast", "lang/diag", "lang/parser", "lang/token", "stdlib"},
	// The language server: the front end, the workspace rules of the CLI,
	// and go.lsp.dev's transport and protocol types.
	"lsp": {"compiler/check", "compiler/types", "internal/compile", "internal/workspace", "lang/ast", "lang/diag", "lang/format",
		"lang/parser", "lang/token"},
	"cmd/stagecraft": {"compiler/check", "compiler/ir", "compiler/lower", "compiler/plan", "examples", "internal/atomicfile", "internal/compile", "internal/version", "internal/workspace",
		"lang/diag", "lang/format", "lang/literal", "lang/parser", "lang/token", "lsp", "runtime/action", "runtime/engine", "runtime/store", "runtime/testrun", "runtime/wasm", "server", "server/auth",
		"server/delivery", "server/tenant", "stdlib"},
	"": {},
}

// Third-party modules that mark a layer.
const (
	participle = "github.com/alecthomas/participle/..."
	pebble     = "github.com/cockroachdb/pebble/..."
	wazero     = "github.com/tetratelabs/wazero/..."
	connect    = "connectrpc.com/connect/..."
)

// external lists the only packages allowed to import each of those modules
// (design.md: the parser is participle's only importer, the store Pebble's,
// the wasm host wazero's, the server connect's, besides the Connect stubs
// generated under gen/).
var external = map[string][]string{
	participle: {"lang/parser"},
	pebble:     {"runtime/store"},
	wazero:     {"runtime/wasm"},
	connect:    {"server/...", "gen/..."},
}

// A rule says that no package matching from (except those matching
// fromExcept) links a package matching to (except toExcept). Patterns are
// our packages relative to the module ("runtime/...", "lang/parser") or
// full import paths of other modules, with "/..." matching a whole tree.
type rule struct {
	from, fromExcept, to, toExcept []string
	why                            string
}

// forbidden are the negative rules of the lattice. They hold for the
// allowed arrows themselves and for what the build links.
var forbidden = []rule{
	{from: []string{"lang/..."}, to: []string{mod + "/..."}, toExcept: []string{"lang/..."},
		why: "lang links nothing of ours outside lang"},
	{from: []string{"compiler/ir"}, to: []string{mod + "/..."},
		why: "compiler/ir is a leaf: plain data the runtime imports without the front end"},
	{from: []string{"runtime/..."}, to: []string{"lang/parser", "lang/format", "lang/ast", "compiler/check", "compiler/lower", participle},
		why: "the runtime takes the IR, never the parser or the checker"},
	{from: []string{"lang/...", "compiler/..."}, to: []string{pebble, wazero, connect, "runtime/store", "runtime/engine", "server/..."},
		why: "the front end links no storage, no wasm host and no server"},
	{from: []string{"internal/compile", "stdlib", "runtime/action"}, to: []string{pebble, wazero, connect, "runtime/store", "runtime/engine"},
		why: "stagecraft check and fmt (internal/compile, the stdlib's declarations) link no storage"},
	{from: []string{"runtime/engine", "runtime/action", "runtime/testrun"}, to: []string{wazero, "runtime/wasm"},
		why: "the engine calls custom actions through action.Custom; the wasm host is wired in by the commands and the server"},
}

// pkg is one package of the build, as go list sees it.
type pkg struct {
	imports []string // direct, full paths
	deps    []string // transitive, full paths
	ours    bool
}

// build lists every package of the module and everything they link.
func build(t *testing.T) map[string]*pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f",
		`{{.ImportPath}}|{{join .Imports " "}}|{{join .Deps " "}}|{{.Module}}`, "./...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	pkgs := map[string]*pkg{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		pkgs[f[0]] = &pkg{imports: strings.Fields(f[1]), deps: strings.Fields(f[2]), ours: strings.HasPrefix(f[3], mod)}
	}
	return pkgs
}

// rel is a path relative to the module, or the full path of another's.
func rel(path string) string {
	if path == mod {
		return ""
	}
	if r, ok := strings.CutPrefix(path, mod+"/"); ok {
		return r
	}
	return path
}

// full is a pattern as a full import path.
func full(pattern string) string {
	if first, _, _ := strings.Cut(pattern, "/"); strings.Contains(first, ".") {
		return pattern
	}
	if pattern == "" {
		return mod
	}
	return mod + "/" + pattern
}

func match(patterns []string, path string) bool {
	for _, p := range patterns {
		p = full(p)
		if tree, ok := strings.CutSuffix(p, "/..."); ok {
			if path == tree || strings.HasPrefix(path, tree+"/") {
				return true
			}
		} else if path == p {
			return true
		}
	}
	return false
}

func (r rule) matches(from, to string) bool {
	return match(r.from, from) && !match(r.fromExcept, from) && match(r.to, to) && !match(r.toExcept, to)
}

// allowedArrow reports whether from may import to: an arrow of allowed
// between our packages, an entry of a module listed in external, or
// anything else (the standard library, other modules' insides).
func allowedArrow(from, to string) bool {
	if strings.HasPrefix(from, mod) && strings.HasPrefix(to, mod) {
		return contains(allowed[rel(from)], rel(to))
	}
	for m, users := range external {
		if match([]string{m}, to) && !match([]string{m}, from) {
			return match(users, from)
		}
	}
	return true
}

// path is the shortest chain of imports from a package to one that
// reaches satisfies (nil if there is none), and the first arrow on it that
// the lattice does not allow (or a note that it allows them all).
func path(pkgs map[string]*pkg, from string, reaches func(string) bool) (chain []string, newArrow string) {
	prev := map[string]string{from: ""}
	queue := []string{from}
	to := ""
	for len(queue) > 0 && to == "" {
		p := queue[0]
		queue = queue[1:]
		if pkgs[p] == nil {
			continue
		}
		for _, q := range pkgs[p].imports {
			if _, seen := prev[q]; seen {
				continue
			}
			prev[q] = p
			queue = append(queue, q)
			if reaches(q) {
				to = q
				break
			}
		}
	}
	if to == "" {
		return nil, ""
	}
	for p := to; p != ""; p = prev[p] {
		chain = append([]string{p}, chain...)
	}
	for i := 0; i+1 < len(chain); i++ {
		if !allowedArrow(chain[i], chain[i+1]) {
			return chain, rel(chain[i]) + " -> " + rel(chain[i+1])
		}
	}
	return chain, "none: every arrow on it is allowed, so the lattice itself is wrong"
}

func show(chain []string) string {
	out := make([]string, len(chain))
	for i, p := range chain {
		out[i] = rel(p)
	}
	return strings.Join(out, " -> ")
}

// TestDeps: every package of ours is in the lattice, and imports only what
// it allows.
func TestDeps(t *testing.T) {
	pkgs := build(t)
	for _, path := range sortedKeys(pkgs) {
		p := pkgs[path]
		if !p.ours {
			continue
		}
		if _, known := allowed[rel(path)]; !known {
			t.Errorf("package %q is not in deps_test.go: add it to allowed with its imports", rel(path))
			continue
		}
		for _, imp := range p.imports {
			if !allowedArrow(path, imp) {
				t.Errorf("new arrow %s -> %s: deps_test.go does not allow it", rel(path), rel(imp))
			}
		}
	}
	for name := range allowed {
		if pkgs[full(name)] == nil {
			t.Errorf("deps_test.go lists %q, which is not a package of the module: remove it", name)
		}
	}
}

// TestLattice: the allowed arrows have no cycle and break no negative rule,
// even through packages that do not use them yet.
func TestLattice(t *testing.T) {
	closure := map[string]map[string]bool{}
	var visit func(p string, stack []string) map[string]bool
	visit = func(p string, stack []string) map[string]bool {
		if c, ok := closure[p]; ok {
			if c == nil {
				t.Fatalf("the allowed arrows have a cycle: %s -> %s", strings.Join(stack, " -> "), p)
			}
			return c
		}
		closure[p] = nil
		c := map[string]bool{}
		for _, q := range allowed[p] {
			c[q] = true
			for r := range visit(q, append(stack, p)) {
				c[r] = true
			}
		}
		closure[p] = c
		return c
	}
	for _, p := range sortedKeys(allowed) {
		reach := map[string]bool{}
		for q := range visit(p, nil) {
			reach[q] = true
		}
		// The modules p may link: those entering at p or below it.
		for m, users := range external {
			for u := range reach {
				if match(users, full(u)) {
					reach[m] = true
				}
			}
			if match(users, full(p)) {
				reach[m] = true
			}
		}
		for _, r := range forbidden {
			for _, q := range sortedKeys(reach) {
				to := full(q)
				if tree, ok := strings.CutSuffix(to, "/..."); ok {
					to = tree // a module: match its root
				}
				if r.matches(full(p), to) {
					t.Errorf("the allowed arrows let %s reach %s, but %s", p, q, r.why)
				}
			}
		}
	}
}

// TestForbidden: what each package links, transitively, breaks no negative
// rule. The message names the chain and the arrow on it that is new.
func TestForbidden(t *testing.T) {
	pkgs := build(t)
	for _, from := range sortedKeys(pkgs) {
		if !pkgs[from].ours {
			continue
		}
		for _, r := range forbidden {
			chain, arrow := path(pkgs, from, func(to string) bool { return r.matches(from, to) })
			if chain != nil {
				t.Errorf("%s links %s (%s), but %s; new arrow: %s", rel(from), rel(chain[len(chain)-1]), show(chain), r.why, arrow)
			}
		}
	}
}

// storage are the packages that hold or serve data; the commands that only
// read source (check, fmt) must link none of them.
var storage = []string{pebble, wazero, connect, "runtime/store", "runtime/engine", "runtime/testrun", "server/..."}

// TestCheckLinksNoStorage: cmd/stagecraft links everything (serve, test and
// demo need the engine), but what `check` and `fmt` use does not. It follows
// the calls from cmdCheck and cmdFmt through the command's own declarations
// and collects the packages they use, then asks go list what those link.
func TestCheckLinksNoStorage(t *testing.T) {
	used, err := usedPackages("cmd/stagecraft", "cmdCheck", "cmdFmt")
	if err != nil {
		t.Fatal(err)
	}
	if !contains(used, mod+"/internal/compile") || !contains(used, mod+"/lang/format") {
		t.Fatalf("the walk from cmdCheck and cmdFmt found %v: it should find internal/compile and lang/format", used)
	}
	args := append([]string{"list", "-deps", "-f", `{{.ImportPath}}|{{join .Imports " "}}`}, used...)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatal(err)
	}
	pkgs := map[string]*pkg{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		pkgs[f[0]] = &pkg{imports: strings.Fields(f[1])}
	}
	for _, u := range used {
		if match(storage, u) {
			t.Errorf("stagecraft check and fmt use %s; new arrow: cmd/stagecraft (check, fmt) -> %s", rel(u), rel(u))
			continue
		}
		chain, arrow := path(pkgs, u, func(p string) bool { return match(storage, p) })
		if chain != nil {
			t.Errorf("stagecraft check and fmt use %s, which links storage (%s); new arrow: %s", rel(u), show(chain), arrow)
		}
	}
}

// usedPackages parses a package's non-test files and returns the import
// paths that the named functions use, following references to the
// package's own functions, types (with all their methods), variables and
// constants. It errs on the side of more: a local name that shadows a
// top-level one still counts.
func usedPackages(dir string, roots ...string) ([]string, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	type decl struct {
		node    ast.Node
		imports map[string]string // the file's imports by name
	}
	decls := map[string][]decl{} // top-level name (or a type's name for its methods) -> declarations
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		imports := map[string]string{}
		for _, is := range f.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			n := p[strings.LastIndex(p, "/")+1:]
			if elems := strings.Split(p, "/"); len(elems) > 1 && len(n) > 1 && n[0] == 'v' && strings.Trim(n[1:], "0123456789") == "" {
				n = elems[len(elems)-2] // a major version's suffix: example.com/m/v2 is m
			}
			if is.Name != nil {
				n = is.Name.Name
			}
			imports[n] = p
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				key := d.Name.Name
				if d.Recv != nil && len(d.Recv.List) > 0 {
					key = receiverType(d.Recv.List[0].Type)
				}
				decls[key] = append(decls[key], decl{d, imports})
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						decls[s.Name.Name] = append(decls[s.Name.Name], decl{s, imports})
					case *ast.ValueSpec:
						for _, n := range s.Names {
							decls[n.Name] = append(decls[n.Name], decl{s, imports})
						}
					}
				}
			}
		}
	}
	seen := map[string]bool{}
	used := map[string]bool{}
	var walk func(name string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		for _, d := range decls[name] {
			ast.Inspect(d.node, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if x, ok := n.X.(*ast.Ident); ok {
						if p, ok := d.imports[x.Name]; ok {
							used[p] = true
							return false
						}
					}
				case *ast.Ident:
					if _, ok := decls[n.Name]; ok {
						walk(n.Name)
					}
				}
				return true
			})
		}
	}
	for _, r := range roots {
		if decls[r] == nil {
			return nil, fmt.Errorf("%s has no function %s", dir, r)
		}
		walk(r)
	}
	return sortedKeys(used), nil
}

// receiverType is the name of a method's receiver type.
func receiverType(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return receiverType(e.X)
	case *ast.IndexExpr:
		return receiverType(e.X)
	case *ast.IndexListExpr:
		return receiverType(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
