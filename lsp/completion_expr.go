package lsp

import (
	"sort"

	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/types"
)

// expr completes in an expression whose tokens so far are ts: after a
// dotted path, the fields of what it names; else the names in scope.
func (c *completer) expr(ts []tok, entity string, decl []tok) {
	if len(ts) > 0 && ts[len(ts)-1].text == "." {
		c.members(ts[:len(ts)-1], entity, decl)
		return
	}
	if len(ts) > 0 && ts[len(ts)-1].text == "[" {
		if t := c.pathType(ts[:len(ts)-1], entity, decl); t != nil && t.Multi {
			kinds := types.EmailKinds
			if t.Kind == types.Phone {
				kinds = types.PhoneKinds
			}
			for _, k := range append(append([]string(nil), kinds...), "auto") {
				c.add(k, protocol.CompletionItemKindEnumMember, t.Kind.String()+" type", "", k)
			}
			return
		}
	}
	for _, v := range c.vars() {
		c.add(v.Name, protocol.CompletionItemKindVariable, v.Type.String(), "", v.Name)
	}
	for _, name := range c.testItemOrder {
		c.add(name, protocol.CompletionItemKindVariable, c.testItems[name].String(), "", name)
	}
	if entity != "" {
		for _, r := range check.RootNames(entity) {
			c.add(r, protocol.CompletionItemKindVariable, "", "", r)
		}
	}
	for _, b := range check.ClockWords() {
		c.add(b.Name, protocol.CompletionItemKindConstant, b.Type.String(), b.Doc, b.Name)
	}
	for _, f := range c.s.u.Lib.Funcs {
		c.add(f.Name, protocol.CompletionItemKindFunction, "function", f.Doc, f.Name+"(")
	}
	if c.w.info != nil {
		names := make([]string, 0, len(c.w.info.Schema.Resources))
		for n := range c.w.info.Schema.Resources {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			r := c.w.info.Schema.Resources[n]
			c.add(n, protocol.CompletionItemKindValue, r.Kind, "", n)
		}
	}
}

// vars are the variables and results in scope at the cursor: those set
// by the rules that run before the cursor's rule in its then chain (the
// checker's Rule.Previous), nearest first. Rules of the same stage that
// are not before it in the chain are left out: using their names is
// E115.
func (c *completer) vars() []*types.Var {
	if c.scope == nil {
		c.scope = []*types.Var{}
		for r := c.previousRule(); r != nil; r = r.Previous {
			if r.Binds != nil {
				c.scope = append(c.scope, r.Binds)
			}
		}
	}
	return c.scope
}

// previousRule is the rule that the cursor's rule runs after: from the
// last check when the rule parsed; else, in a half-typed rule written
// then, the last checked rule of its stage above it in the file, as the
// checker would chain it.
func (c *completer) previousRule() *check.Rule {
	if c.w.info == nil {
		return nil
	}
	cur := c.src.tf.Pos(c.off)
	start := c.src.tf.Pos(c.declOff)
	for _, r := range c.w.info.Rules {
		if r.Decl.Pos() >= start && r.Decl.Pos() <= cur && cur <= r.Decl.End() && c.w.fset.File(r.Decl.Pos()) == c.src.tf {
			return r.Previous
		}
	}
	// Not a checked rule: read the words before its colon.
	ts := c.declToks
	if len(ts) >= 2 && ts[0].kind == tWord && ts[1].text == ":" {
		ts = ts[2:] // a label
	}
	if len(ts) < 3 || ts[0].text != "on" || ts[1].text != "stage" {
		return nil
	}
	head := ts
	if colon := indexOf(ts, ":"); colon >= 0 {
		head = ts[:colon]
	}
	if indexOf(head, "then") < 0 {
		return nil // the rule starts a chain of its own
	}
	pipeline, stage := "", unquote(ts[2])
	if len(ts) >= 5 && ts[3].text == "." {
		pipeline, stage = stage, unquote(ts[4])
	}
	var last *check.Rule
	for _, r := range c.w.info.Rules {
		if r.Decl.End() <= start && c.w.fset.File(r.Decl.Pos()) == c.src.tf &&
			r.Stage.Name == stage && (pipeline == "" || r.Stage.Pipeline.Name == pipeline) {
			last = r
		}
	}
	return last
}

// members offers the fields of what the dotted path ts names.
func (c *completer) members(ts []tok, entity string, decl []tok) {
	t := c.pathType(ts, entity, decl)
	if t == nil || c.w.info == nil {
		return
	}
	switch t.Kind {
	case types.Entity:
		if e := c.w.info.Schema.Entities[t.Entity]; e != nil {
			for _, f := range append(append([]*types.Field(nil), e.Order...), sortedFields(e)...) {
				if !(c.writable && f.ReadOnly) {
					c.add(f.Name, protocol.CompletionItemKindField, f.Type.String(), f.Label, f.Name)
				}
			}
		}
	case types.Record:
		for _, f := range t.Fields {
			c.add(f.Name, protocol.CompletionItemKindField, f.Type.String(), f.Label, f.Name)
		}
	}
}

func sortedFields(e *types.EntityDef) []*types.Field {
	out := make([]*types.Field, 0, len(e.Fields))
	for _, f := range e.Fields {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// pathType resolves the dotted path at the end of ts (a.b.c) to a type.
func (c *completer) pathType(ts []tok, entity string, decl []tok) *types.Type {
	if c.w.info == nil {
		return nil
	}
	i := len(ts) - 1
	for i >= 2 && ts[i].kind == tWord && ts[i-1].text == "." {
		i -= 2
	}
	if i < 0 || ts[i].kind != tWord {
		return nil
	}
	var t *types.Type
	first := ts[i].text
	for _, v := range c.vars() {
		if v.Name == first {
			t = v.Type
		}
	}
	if t == nil {
		t = c.testItems[first] // expect sofa.amount
	}
	if t == nil && entity != "" {
		for _, r := range check.RootNames(entity) {
			if r == first {
				t = types.EntityOf(first)
				if first == "responsible" {
					t = types.UserType
				}
			}
		}
	}
	if t == nil {
		if r := c.w.resource(first); r != nil && r.Kind == "employee" {
			t = types.UserType
		}
	}
	for j := i + 2; t != nil && j < len(ts); j += 2 {
		var f *types.Field
		switch t.Kind {
		case types.Entity:
			if e := c.w.info.Schema.Entities[t.Entity]; e != nil {
				f = e.Lookup(ts[j].text)
			}
		case types.Record:
			f = t.Field(ts[j].text)
		}
		if f == nil {
			return nil
		}
		t = f.Type
	}
	return t
}
