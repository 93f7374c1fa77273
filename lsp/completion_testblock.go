package lsp

import (
	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/compiler/check"
	"github.com/stagecraft/stagecraft/compiler/types"
)

// Completion in a test block. Statements are one per line, so the line
// before the cursor says what comes next; a given block's fields may be
// on its own line or on the given's (given deal sofa { title "Sofa" | }),
// so an open given block is found in the whole test's text.

// test completes a statement of a test block.
func (c *completer) test(text []byte, declStart int) {
	lineStart := c.start
	for lineStart > declStart && text[lineStart-1] != '\n' {
		lineStart--
	}
	line := scan(text[lineStart:c.start]).toks
	all := scan(text[declStart:c.start]).toks
	c.testItems, c.testItemOrder = testItems(all)
	if entity, settings, ok := openGiven(all); ok {
		c.givenBlock(entity, settings)
		return
	}
	if len(line) == 0 {
		for _, k := range []string{"given", "at", "wait", "move", "set", "event", "expect"} {
			c.add(k, protocol.CompletionItemKindKeyword, "", "", k+" ")
		}
		return
	}
	switch {
	case line[0].text == "given" && len(line) == 1:
		for _, e := range c.s.u.Lib.Entities {
			c.add(e, protocol.CompletionItemKindClass, "entity", "", e+" ")
		}
	case line[0].text == "move" && stageContext(append(line, tok{text: "stage"})[:len(line)]) || line[0].text == "move" && lastIs(line, "to"):
		c.stages(c.s.u.Lib.PipelineEntities[0], "")
		for _, e := range c.s.u.Lib.PipelineEntities[1:] {
			c.stages(e, "")
		}
	case line[0].text == "move" && len(line) == 1:
		c.itemNames(true)
	case line[0].text == "move" && lastIs(line, "by"):
		c.employees()
	case line[0].text == "event" && len(line) == 1:
		for _, t := range c.s.u.Lib.Triggers {
			c.add(t.Name(), protocol.CompletionItemKindEvent, t.ID, t.Doc, t.Name()+" ")
		}
	case line[0].text == "expect":
		c.expect(line[1:])
	case line[0].text == "set":
		c.expr(line[1:], "", nil)
	}
}

// expect completes after expect: an effect's kind and settings, or a
// condition on the test's items.
func (c *completer) expect(ts []tok) {
	if len(ts) > 0 && ts[0].text == "no" {
		ts = ts[1:]
	}
	if len(ts) == 0 {
		for _, k := range []string{"sent", "created", "timeline", "no"} {
			c.add(k, protocol.CompletionItemKindKeyword, "", "", k+" ")
		}
		c.expr(nil, "", nil)
		return
	}
	kinds := check.EffectKinds[ts[0].text]
	switch {
	case kinds != nil && len(ts) == 1:
		for _, k := range kinds {
			c.add(k[0], protocol.CompletionItemKindEnumMember, ts[0].text+" by "+k[1], "", k[0]+" ")
		}
		return
	case kinds != nil:
		var decl *types.ActionDecl
		for _, k := range kinds {
			if k[0] == ts[1].text {
				decl = c.s.u.Action(k[1])
			}
		}
		rest := ts[2:]
		if decl == nil || lastIs(rest, "as") || lastIs(rest, "count") || lastIs(rest, "at") || lastIs(rest, "after") || lastIs(rest, "to") {
			return // a new name, a time, a named effect or an address: nothing to pick from
		}
		if len(rest) == 0 && decl.Target != types.NoTarget {
			// to comes first, as in the rule: expect sent sms to "+48..." text ...
			c.add("to", protocol.CompletionItemKindKeyword, "the address, number or employee", "", "to ")
		}
		c.settings(rest, decl.Settings, "", nil)
		if c.settingKeyBefore(rest, decl.Settings) == nil {
			c.add("count", protocol.CompletionItemKindKeyword, "how many were "+ts[0].text, "", "count ")
			c.add("at", protocol.CompletionItemKindKeyword, "when: a date or a datetime", "", "at ")
			c.add("after", protocol.CompletionItemKindKeyword, "made after the effect named", "", "after ")
			c.add("as", protocol.CompletionItemKindKeyword, "name the effect", "", "as ")
		}
		return
	case ts[0].text == "timeline":
		if len(ts) == 1 {
			c.itemNames(true)
		}
		return
	}
	c.expr(ts, "", nil)
}

// givenBlock completes in a given block: a field not given yet where a
// field's name goes, or what the field just named takes.
func (c *completer) givenBlock(entity string, ts []tok) {
	keys, atKey := settingPairs(ts)
	if c.w.info == nil {
		return
	}
	e := c.w.info.Schema.Entities[entity]
	if e == nil {
		return
	}
	given := map[string]bool{}
	for _, k := range keys {
		given[k] = true
	}
	if !atKey {
		if len(keys) == 0 {
			return // inside a value: a list or a call
		}
		switch key := keys[len(keys)-1]; {
		case key == "pipeline":
			c.pipelines(entity)
		case e.Lookup(key) != nil:
			c.itemValues(e.Lookup(key).Type)
		}
		return
	}
	for _, f := range e.Order {
		// A test item starts in the first stage of its pipeline: its
		// stage cannot be given (E307).
		if !given[f.Name] && f.Name != "stage" {
			c.add(f.Name, protocol.CompletionItemKindField, f.Type.String(), f.Label, f.Name+" ")
		}
	}
	for _, f := range sortedFields(e) {
		if !given[f.Name] && f.Name != "stage" {
			c.add(f.Name, protocol.CompletionItemKindField, f.Type.String(), f.Label, f.Name+" ")
		}
	}
	if contains(c.s.u.Lib.PipelineEntities, entity) && !given["pipeline"] {
		c.add("pipeline", protocol.CompletionItemKindProperty, "the pipeline the item starts in", "", "pipeline ")
	}
}

// itemValues offers what a given field of type t takes, where there is a
// list to pick from.
func (c *completer) itemValues(t *types.Type) {
	if t.Kind == types.List {
		t = t.Elem
	}
	switch {
	case t.Kind == types.Entity && t.Entity == "user":
		c.employees()
	case t.Kind == types.Entity:
		for _, name := range c.testItemOrder {
			if c.testItems[name].Entity == t.Entity {
				c.add(name, protocol.CompletionItemKindVariable, t.Entity, "", name)
			}
		}
	case t.Kind == types.Enum:
		for _, v := range t.Values {
			c.add(v, protocol.CompletionItemKindEnumMember, "", "", v)
		}
	case t.Kind == types.Bool:
		c.add("true", protocol.CompletionItemKindValue, "", "", "true")
		c.add("false", protocol.CompletionItemKindValue, "", "", "false")
	}
}

func (c *completer) pipelines(entity string) {
	if c.w.info == nil {
		return
	}
	for _, p := range c.w.info.Schema.Pipelines {
		if p.Entity == entity {
			c.add(p.Name, protocol.CompletionItemKindModule, "pipeline ("+p.Entity+")", "", quoteName(p.Name))
		}
	}
}

// itemNames offers the test's items (of pipeline entities only, when
// staged: what can be moved or has a timeline).
func (c *completer) itemNames(staged bool) {
	for _, name := range c.testItemOrder {
		t := c.testItems[name]
		if !staged || contains(c.s.u.Lib.PipelineEntities, t.Entity) {
			c.add(name, protocol.CompletionItemKindVariable, t.Entity, "", name+" ")
		}
	}
}

// testItems reads the items a test declared before the cursor from its
// text (it may not parse yet): given ENTITY NAME, and a deal or lead
// named by expect created ... as NAME, whose fields can be read.
func testItems(ts []tok) (map[string]*types.Type, []string) {
	items := map[string]*types.Type{}
	var order []string
	add := func(name, entity string) {
		if items[name] == nil {
			order = append(order, name)
		}
		items[name] = types.EntityOf(entity)
	}
	for i := 0; i+2 < len(ts); i++ {
		switch {
		case ts[i].text == "given" && ts[i+1].kind == tWord && ts[i+2].kind == tWord:
			add(ts[i+2].text, ts[i+1].text)
		case ts[i].text == "created" && (ts[i+1].text == "deal" || ts[i+1].text == "lead"):
			// the as of the same statement: before the next expect or given
			for j := i + 2; j+1 < len(ts) && ts[j].text != "expect" && ts[j].text != "given"; j++ {
				if ts[j].text == "as" && ts[j+1].kind == tWord {
					add(ts[j+1].text, ts[i+1].text)
					break
				}
			}
		}
	}
	return items, order
}

// openGiven returns the entity of a given block still open at the end,
// and the tokens written in it.
func openGiven(ts []tok) (entity string, in []tok, ok bool) {
	depth, open := 0, -1
	for i, t := range ts {
		if t.kind != tPunct {
			continue
		}
		switch t.text {
		case "{":
			depth++
			if depth == 2 && i >= 3 && ts[i-3].text == "given" {
				entity, open = ts[i-2].text, i
			}
		case "}":
			depth--
			if depth < 2 {
				open = -1
			}
		}
	}
	if open < 0 {
		return "", nil, false
	}
	return entity, ts[open+1:], true
}

// settingPairs reads KEY VALUE pairs, as a given block holds them: a value
// is one token, a call (work("...")), a list ([...]) or a negative number.
// It returns the keys and whether the next token would be a key; not when
// the text ends inside a value (an open bracket) or after a key.
func settingPairs(ts []tok) (keys []string, atKey bool) {
	atKey = true
	for i := 0; i < len(ts); {
		if atKey {
			keys = append(keys, ts[i].text)
			atKey = false
			i++
			continue
		}
		end := valueEnd(ts, i)
		if end < 0 {
			return keys, false
		}
		i, atKey = end, true
	}
	return keys, atKey
}

// valueEnd returns the index after the value starting at ts[i], or -1 if
// it is not closed before the end.
func valueEnd(ts []tok, i int) int {
	switch {
	case ts[i].text == "-" && i+1 < len(ts):
		return i + 2
	case ts[i].text == "[" || ts[i].text == "(":
	case ts[i].kind == tWord && i+1 < len(ts) && ts[i+1].text == "(":
		i++
	default:
		return i + 1
	}
	depth := 0
	for ; i < len(ts); i++ {
		switch ts[i].text {
		case "[", "(":
			depth++
		case "]", ")":
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}
