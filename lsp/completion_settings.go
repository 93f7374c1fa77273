package lsp

import (
	"sort"

	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/compiler/types"
)

// settingKeyBefore returns the setting whose key is the last token, its
// value not written yet.
func (c *completer) settingKeyBefore(ts []tok, decls []*types.Setting) *types.Setting {
	if len(ts) == 0 || ts[len(ts)-1].kind != tWord {
		return nil
	}
	for _, st := range decls {
		if st.Name == ts[len(ts)-1].text {
			return st
		}
	}
	return nil
}

// settings offers the keys not given yet, or the values of the key just
// written.
func (c *completer) settings(ts []tok, decls []*types.Setting, entity string, all []tok) {
	if st := c.settingKeyBefore(ts, decls); st != nil {
		c.values(st, entity, all)
		return
	}
	// inside a list value [a, b, ...: the values of its key
	if open := lastOpenBracket(ts); open > 0 {
		if st := c.settingKeyBefore(ts[:open], decls); st != nil {
			c.values(st, entity, all)
			return
		}
	}
	given := map[string]bool{}
	for _, t := range ts {
		given[t.text] = true
	}
	for _, st := range decls {
		if !given[st.Name] {
			c.add(st.Name, protocol.CompletionItemKindProperty, st.Type.String()+", "+settingFacts(st), st.Doc, st.Name+" ")
		}
	}
}

func lastOpenBracket(ts []tok) int {
	depth := 0
	for i := len(ts) - 1; i >= 0; i-- {
		switch ts[i].text {
		case "]":
			depth++
		case "[":
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// values offers what a setting takes: enum members, resources of its
// kind, employees, stages, true and false; else expressions.
func (c *completer) values(st *types.Setting, entity string, all []tok) {
	t := st.Type
	if t.Kind == types.List {
		t = t.Elem
	}
	if st.Auto {
		c.add("auto", protocol.CompletionItemKindKeyword, "picked for you", "", "auto")
	}
	switch {
	case t.Kind == types.Enum:
		for _, v := range t.Values {
			c.add(v, protocol.CompletionItemKindEnumMember, st.Name, "", v)
		}
		return
	case t.Kind == types.Resource:
		for _, r := range c.resources(t.Name) {
			c.add(r.Name, protocol.CompletionItemKindValue, r.Kind+" "+r.Value, "", r.Name)
		}
		return
	case t.Kind == types.Entity && t.Entity == "user":
		c.employees()
		c.add("responsible", protocol.CompletionItemKindVariable, "the item's responsible", "", "responsible")
		return
	case t.Kind == types.Bool:
		c.add("true", protocol.CompletionItemKindValue, "", "", "true")
		c.add("false", protocol.CompletionItemKindValue, "", "", "false")
		return
	case t.Kind == types.Stage:
		c.stages(entity, "")
		return
	}
	c.expr(nil, entity, all)
}

func (c *completer) resources(kind string) []*types.ResourceDef {
	if c.w.info == nil {
		return nil
	}
	var out []*types.ResourceDef
	for _, r := range c.w.info.Schema.Resources {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (w *workspace) resource(name string) *types.ResourceDef {
	if w.info == nil {
		return nil
	}
	return w.info.Schema.Resources[name]
}

func (c *completer) employees() {
	for _, r := range c.resources("employee") {
		c.add(r.Name, protocol.CompletionItemKindValue, "employee "+r.Value, "", r.Name)
	}
}
