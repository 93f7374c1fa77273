package lsp

import (
	"sort"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/stagecraft/stagecraft/compiler/types"
)

// completion offers what may be written at the cursor. It reads the
// declaration's text before the cursor (scan.go) rather than its tree, so
// that it answers in a line that does not parse yet, and takes names from
// the workspace's last check: stages, fields, resources, variables, and
// from the standard library: actions, settings, events, functions.
func (s *Server) completion(p *protocol.CompletionParams) (*protocol.CompletionList, error) {
	w, src, err := s.source(p.TextDocument.URI)
	if err != nil || src == nil {
		return nil, err
	}
	off := offsetAt(src.text, p.Position)
	c := &completer{s: s, w: w, src: src, off: off, seen: map[string]bool{}}
	c.run()
	sort.SliceStable(c.items, func(i, j int) bool { return c.items[i].SortText < c.items[j].SortText })
	return &protocol.CompletionList{Items: c.items}, nil
}

type completer struct {
	s     *Server
	w     *workspace
	src   *source
	off   int // the cursor
	start int // where the word being completed starts
	items []protocol.CompletionItem
	seen  map[string]bool
	rank  int

	declOff  int   // where the declaration holding the cursor starts
	declToks []tok // its tokens before the word being completed
	scope    []*types.Var

	// In a test block: its items declared before the cursor, by name,
	// and in the order they were.
	testItems     map[string]*types.Type
	testItemOrder []string

	writable bool // only fields an update may change (not read-only ones)
}

// add offers one item that replaces the word being completed with insert.
func (c *completer) add(label string, kind protocol.CompletionItemKind, detail, doc, insert string) {
	if c.seen[label] {
		return
	}
	c.seen[label] = true
	r := rangeOf(c.w.fset, c.src.tf.Pos(c.start), c.src.tf.Pos(c.off))
	it := protocol.CompletionItem{Label: label, Kind: kind, Detail: detail,
		TextEdit: &protocol.TextEdit{Range: r, NewText: insert}, FilterText: insert}
	if doc != "" {
		it.Documentation = protocol.MarkupContent{Kind: protocol.Markdown, Value: doc}
	}
	c.rank++
	it.SortText = string(rune('a'+c.rank/26%26)) + string(rune('a'+c.rank%26))
	c.items = append(c.items, it)
}

func (c *completer) run() {
	text := c.src.text
	c.start = c.off
	for c.start > 0 {
		r, size := utf8.DecodeLastRune(text[:c.start])
		if !isWordRune(r) {
			break
		}
		c.start -= size
	}
	if inComment(text, c.off) {
		return // prose: nothing to offer
	}
	declStart := declStart(text, c.start)
	if c.start == 0 || text[c.start-1] == '\n' {
		// A word in the first column starts a declaration (or continues
		// one, rarely): the declarations are what to offer.
		declStart = c.start
	}
	sc := scan(text[declStart:c.start])
	ts := sc.toks
	c.declOff, c.declToks = declStart, ts
	entity := c.entity(ts)
	if sc.open >= 0 {
		if sc.tmplOff >= 0 {
			c.expr(scan([]byte(sc.template)).toks, entity, ts)
			return
		}
		if stageContext(ts) {
			c.start = declStart + sc.open
			c.stages(entity, "")
		}
		return
	}
	if len(ts) == 0 {
		c.keywords()
		return
	}
	// a label: NAME: on stage ..., NAME: move to stage ...
	if len(ts) >= 2 && ts[0].kind == tWord && ts[1].text == ":" {
		ts = ts[2:]
		if len(ts) == 0 {
			c.add("on stage", protocol.CompletionItemKindKeyword, "a rule", "", "on stage ")
			c.add("move to stage", protocol.CompletionItemKindKeyword, "a trigger", "", "move to stage ")
			return
		}
	}
	switch ts[0].text {
	case "on":
		c.rule(ts, entity)
	case "move":
		c.trigger(ts, entity)
	case "test":
		c.test(text, declStart)
	case "field":
		c.field(ts)
	case "pipeline":
		if len(ts) == 1 {
			for _, e := range c.s.u.Lib.PipelineEntities {
				c.add(e, protocol.CompletionItemKindClass, "entity", "", e)
			}
		} else if lastIs(ts, "{") || len(ts) > 3 && ts[len(ts)-1].kind != tWord {
			c.add("stage", protocol.CompletionItemKindKeyword, "", "", "stage ")
		} else if len(ts) > 3 && ts[len(ts)-2].text == "stage" {
			c.add("won", protocol.CompletionItemKindKeyword, "the stage closes the item as won", "", "won")
			c.add("lost", protocol.CompletionItemKindKeyword, "the stage closes the item as lost", "", "lost")
		}
	default:
		if k := c.s.resourceKind(ts[0].text); k != nil {
			if indexOf(ts, "{") >= 0 {
				c.settings(ts[indexOf(ts, "{")+1:], k.Settings, "", nil)
			}
			return
		}
		if len(ts) == 1 && ts[0].kind == tWord && c.start == declStart {
			c.keywords()
		}
	}
}

// inComment reports whether off is inside a # comment: a # on its line
// before it, outside a string (strings end at their line's end).
func inComment(text []byte, off int) bool {
	lineStart := off
	for lineStart > 0 && text[lineStart-1] != '\n' {
		lineStart--
	}
	inString := false
	for i := lineStart; i < off; i++ {
		switch c := text[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case c == '#' && !inString:
			return true
		}
	}
	return false
}

// declStart returns the offset of the start of the declaration holding
// off: declarations start in the first column, continuation lines are
// indented.
func declStart(text []byte, off int) int {
	lineStart := off
	for {
		for lineStart > 0 && text[lineStart-1] != '\n' {
			lineStart--
		}
		if lineStart < len(text) {
			c := text[lineStart]
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '#' && c != '}' || lineStart == 0 {
				return lineStart
			}
		}
		if lineStart == 0 {
			return 0
		}
		lineStart--
	}
}

func (c *completer) keywords() {
	for _, k := range []string{"on stage", "move to stage", "field", "pipeline", "test"} {
		c.add(k, protocol.CompletionItemKindKeyword, "", "", k+" ")
	}
	for _, k := range c.s.u.Lib.Resources {
		c.add(k.Name, protocol.CompletionItemKindKeyword, "resource", k.Doc, k.Name+" ")
	}
}

// stageContext reports whether the cursor follows `stage` (a stage name
// comes next) or `stage PIPELINE.`.
func stageContext(ts []tok) bool {
	return lastIs(ts, "stage") || len(ts) >= 3 && ts[len(ts)-1].text == "." && ts[len(ts)-3].text == "stage"
}

// entity is the entity whose items the declaration is about: that of the
// stage it names, else the first entity with pipelines.
func (c *completer) entity(ts []tok) string {
	if c.w.info != nil {
		for i := 0; i+1 < len(ts); i++ {
			if ts[i].text != "stage" {
				continue
			}
			name := unquote(ts[i+1])
			if i+2 < len(ts) && ts[i+2].text == "." { // Leady. with the stage still to type
				for _, p := range c.w.info.Schema.Pipelines {
					if p.Name == name {
						return p.Entity
					}
				}
			}
			for _, p := range c.w.info.Schema.Pipelines {
				if p.Lookup(name) != nil {
					return p.Entity
				}
			}
		}
	}
	return c.s.u.Lib.PipelineEntities[0]
}

func unquote(t tok) string {
	if t.kind == tString && len(t.text) >= 2 {
		return t.text[1 : len(t.text)-1]
	}
	return t.text
}

// stages offers the stages of an entity's pipelines (of one pipeline when
// pipeline is set), quoted when they need to be.
func (c *completer) stages(entity, pipeline string) {
	if c.w.info == nil {
		return
	}
	for _, p := range c.w.info.Schema.Pipelines {
		if p.Entity != entity || pipeline != "" && p.Name != pipeline {
			continue
		}
		for _, st := range p.Stages {
			c.add(st.Name, protocol.CompletionItemKindEnumMember, "stage of "+quoteName(p.Name), "", quoteName(st.Name))
		}
	}
	if pipeline == "" {
		for _, p := range c.w.info.Schema.Pipelines {
			if p.Entity == entity {
				c.add(p.Name, protocol.CompletionItemKindModule, "pipeline ("+p.Entity+")", "", quoteName(p.Name))
			}
		}
	}
}

// ruleHead offers what may come next before a rule's colon, in the
// order of the grammar: on stage S [then] [after D | at X] [worktime]
// [keep] [if C]. A word out of that order is a syntax error (E001), and
// worktime and keep follow a delay only.
func (c *completer) ruleHead(ts []tok) {
	delay := indexOf(ts, "after") >= 0 || indexOf(ts, "at") >= 0
	var next []string
	if !delay && indexOf(ts, "then") < 0 {
		next = append(next, "then")
	}
	if !delay {
		next = append(next, "after", "at")
	} else {
		for _, k := range timingOptions {
			if indexOf(ts, k) < 0 {
				next = append(next, k)
			}
		}
	}
	for _, k := range append(next, "if") {
		c.add(k, protocol.CompletionItemKindKeyword, "", "", k)
	}
}

// timingOptions may follow a rule's delay (the checker's list).
var timingOptions = []string{"worktime", "keep"}

// rule completes in a rule: on stage S [then] [after D] [if C]: ACTION.
func (c *completer) rule(ts []tok, entity string) {
	colon := indexOf(ts, ":")
	if colon < 0 {
		switch {
		case lastIs(ts, "on"):
			c.add("stage", protocol.CompletionItemKindKeyword, "", "", "stage ")
		case stageContext(ts):
			c.stages(entity, c.pipelineBefore(ts))
		case indexOf(ts, "if") >= 0:
			c.expr(ts[indexOf(ts, "if")+1:], entity, ts)
		case lastIs(ts, "after"), lastIs(ts, "at"):
		default:
			c.ruleHead(ts)
		}
		return
	}
	c.action(ts[colon+1:], entity, ts)
}

func (c *completer) pipelineBefore(ts []tok) string {
	if len(ts) >= 2 && ts[len(ts)-1].text == "." {
		return unquote(ts[len(ts)-2])
	}
	return ""
}

// action completes after a rule's colon.
func (c *completer) action(ts []tok, entity string, all []tok) {
	lib := c.s.u.Lib
	if len(ts) == 0 {
		for _, a := range lib.Actions {
			if a.Entities == nil || contains(a.Entities, entity) {
				c.add(a.Name(), protocol.CompletionItemKindFunction, a.ID, a.Doc, a.Name()+" ")
			}
		}
		c.add("let", protocol.CompletionItemKindKeyword, "set a variable", "", "let ")
		c.add("calc", protocol.CompletionItemKindKeyword, "compute a variable", "", "calc ")
		c.add("update", protocol.CompletionItemKindKeyword, "change a field of the item", "", "update ")
		c.add(lib.RunVerb, protocol.CompletionItemKindKeyword, "a custom action", "", lib.RunVerb+" ")
		return
	}
	verb := ts[0].text
	switch verb {
	case "let", "calc", "update":
		if eq := indexOf(ts, "="); eq >= 0 {
			c.expr(ts[eq+1:], entity, all)
		} else if verb == "update" {
			// the field to change: the system sets id, stage and created (E208)
			c.writable = true
			c.expr(ts[1:], entity, all)
		}
		return
	case lib.RunVerb:
		if len(ts) == 1 {
			for _, r := range c.resources("action") {
				c.add(r.Name, protocol.CompletionItemKindFunction, signature(r), "", r.Name+" ")
			}
			return
		}
		if r := c.w.resource(ts[1].text); r != nil && r.Action != nil {
			c.settings(ts[2:], r.Action.Settings, entity, all)
		}
		return
	}
	if len(ts) == 1 {
		for _, a := range lib.Actions {
			if a.Verb == verb {
				c.add(a.Object, protocol.CompletionItemKindFunction, a.ID, a.Doc, a.Object+" ")
			}
		}
		return
	}
	var decl *types.ActionDecl
	for _, a := range lib.Actions {
		if a.Verb == verb && a.Object == ts[1].text {
			decl = a
		}
	}
	if decl == nil {
		return
	}
	rest := ts[2:]
	if lastIs(rest, ".") || lastIs(rest, "[") {
		c.expr(rest, entity, all) // a path being written: deal.  contact.email[
		return
	}
	if lastIs(rest, "to") {
		if decl.Target == types.UserTarget {
			c.employees()
		}
		c.expr(nil, entity, all)
		return
	}
	if lastIs(rest, "as") {
		return // a new name
	}
	if decl.Target != types.NoTarget && len(rest) == 0 {
		// to comes right after the action, before any setting (E001 after one)
		c.add("to", protocol.CompletionItemKindKeyword, "to "+decl.TargetDefault, "", "to ")
	}
	c.settings(rest, decl.Settings, entity, all)
	if decl.Result != nil && c.settingKeyBefore(rest, decl.Settings) == nil {
		c.add("as", protocol.CompletionItemKindKeyword, "name the result ("+decl.Result.String()+")", "", "as ")
	}
}

// trigger completes in a trigger: move to stage S when WORD WORD SETTINGS [if C] [as USER].
func (c *completer) trigger(ts []tok, entity string) {
	when := indexOf(ts, "when")
	switch {
	case lastIs(ts, "move"):
		c.add("to stage", protocol.CompletionItemKindKeyword, "", "", "to stage ")
		return
	case lastIs(ts, "to"):
		c.add("stage", protocol.CompletionItemKindKeyword, "", "", "stage ")
		return
	case when < 0 && stageContext(ts):
		c.stages(entity, c.pipelineBefore(ts))
		return
	case when < 0:
		c.add("when", protocol.CompletionItemKindKeyword, "", "", "when ")
		return
	}
	ev := ts[when+1:]
	lib := c.s.u.Lib
	if len(ev) == 0 {
		for _, t := range lib.Triggers {
			c.add(t.Name(), protocol.CompletionItemKindEvent, t.ID, t.Doc, t.Name()+" ")
		}
		return
	}
	if len(ev) == 1 {
		for _, t := range lib.Triggers {
			if t.Event[0] == ev[0].text {
				c.add(t.Event[1], protocol.CompletionItemKindEvent, t.ID, t.Doc, t.Event[1]+" ")
			}
		}
		return
	}
	decl := c.s.u.Trigger(ev[0].text + " " + ev[1].text)
	if decl == nil {
		return
	}
	rest := ev[2:]
	switch {
	case lastIs(rest, ".") || lastIs(rest, "["):
		c.expr(rest, entity, ts)
		return
	case lastIs(rest, "as"):
		c.employees()
		return
	case indexOf(rest, "if") >= 0:
		c.expr(rest[indexOf(rest, "if")+1:], entity, ts)
		return
	}
	all := append(append([]*types.Setting(nil), decl.Settings...), lib.TriggerSettings...)
	c.settings(rest, all, entity, ts)
	if c.settingKeyBefore(rest, all) == nil {
		c.add("if", protocol.CompletionItemKindKeyword, "a condition", "", "if ")
		c.add("as", protocol.CompletionItemKindKeyword, "the employee who moves the item", "", "as ")
	}
}

// field completes a field declaration: field ENTITY.NAME: TYPE "LABEL".
func (c *completer) field(ts []tok) {
	switch {
	case len(ts) == 1:
		for _, e := range c.s.u.Lib.Entities {
			c.add(e, protocol.CompletionItemKindClass, "entity", "", e)
		}
	case lastIs(ts, ":"):
		// time and duration are types of expressions, not of fields (E109)
		for _, t := range []string{"text", "number", "money", "date", "datetime", "bool", "file", "url", "email", "phone", "user", "contact", "company", "enum", "list"} {
			c.add(t, protocol.CompletionItemKindTypeParameter, "type", "", t)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
