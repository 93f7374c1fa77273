package compile

import (
	"sort"

	"github.com/stagecraft/stagecraft/lang/diag"
)

// LoadModules asks the WebAssembly host about each module the workspace's
// custom actions name, once per module, and reports a module it refuses
// as an error at each declaration that names it. The checker reads only a
// module's manifest; the host also refuses an import not granted, code
// that does not validate, a memory over its limit or an action without
// its export, which would otherwise pass `check` and fail at every run.
// `check`, `test` and a deploy ask the same question, so that a rule set
// they accept is one the host runs.
//
// load answers for the module at path: refused is the host's reason, err
// a failure to ask at all (the caller gone), which stops LoadModules and
// is returned. The front end links no host, so the caller brings it.
func LoadModules(c *Checked, load func(path string) (refused, err error)) error {
	if c.Diags.HasErrors() {
		return nil // a rule set with errors is refused already; nothing would run
	}
	names := make([]string, 0, len(c.Info.Custom))
	for n, ca := range c.Info.Custom {
		if ca.Module != nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	answers := map[string]error{}
	for _, n := range names {
		ca := c.Info.Custom[n]
		p := ca.Module.Path
		refused, asked := answers[p]
		if !asked {
			var err error
			if refused, err = load(p); err != nil {
				return err
			}
			answers[p] = refused
		}
		if refused == nil {
			continue
		}
		d := ca.Decl
		at, end := d.Pos(), d.End()
		if d.Value != nil {
			at, end = d.Value.Pos(), d.Value.End()
		}
		c.Diags.Errorf(at, end, diag.EBadValue, "module %s is refused by the WebAssembly host: %v", p, refused).Hint =
			"spec/wasm.md says what a module must export and may import; `stagecraft module check` shows what the host says"
	}
	return nil
}
