package lower

import "github.com/stagecraft/stagecraft/compiler/ir"

// customCall is the typed signature of the custom action declared as name,
// from the manifest the checker read, with its module added to
// Program.Modules once (by path and hash). Nil when the checker found no
// module, which it reported as an error.
func (l *lowerer) customCall(name string) *ir.CustomCall {
	ca := l.info.Custom[name]
	if !ca.Valid() {
		return nil
	}
	idx := -1
	for i, m := range l.p.Modules {
		if m.Path == ca.Module.Path && m.Hash == ca.Module.Hash {
			idx = i
		}
	}
	if idx < 0 {
		idx = len(l.p.Modules)
		man := ca.Module.Manifest
		l.p.Modules = append(l.p.Modules, &ir.Module{Path: ca.Module.Path, Hash: ca.Module.Hash, Name: man.Name, Version: man.Version})
	}
	call := &ir.CustomCall{Module: idx, Action: ca.Action.Name}
	for _, p := range ca.Action.Inputs {
		call.Inputs = append(call.Inputs, &ir.Param{Name: p.Name, Type: p.Type.String(), Optional: p.Optional})
	}
	for _, p := range ca.Action.Outputs {
		call.Outputs = append(call.Outputs, &ir.Param{Name: p.Name, Type: p.Type.String(), Optional: p.Optional})
	}
	return call
}
