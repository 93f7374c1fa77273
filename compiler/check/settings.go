package check

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/literal"
)

// settings checks `key value` settings against their declarations and
// returns the ones given. each, when set, sees every valid setting.
func (c *checker) settings(given []*ast.Setting, decls []*types.Setting, en *env, owner string,
	each func(*ast.Setting, *types.Setting)) givenSettings {
	out := make(givenSettings, 0, len(given))
	var meant map[string]*ast.Setting // misspelled settings, by the name they likely mean
	for _, s := range given {
		var decl *types.Setting
		for _, d := range decls {
			if d.Name == s.Key.Name {
				decl = d
			}
		}
		if decl == nil && c.u.actions[owner] != nil {
			if obj, ok := s.Value.(*ast.Ident); ok && c.u.actions[s.Key.Name+" "+obj.Name] != nil {
				// send notification ... text "x" send sms text "y": a second action,
				// whose settings are not this one's.
				r := c.diags.Errorf(s.Key.Pos(), obj.End(), diag.ESyntax, "a rule does one action: %s %s starts another", s.Key.Name, obj.Name)
				r.Hint = fmt.Sprintf("write it as a rule of its own, after this one: on stage %s then: %s %s ...", c.stageName(en), s.Key.Name, obj.Name)
				break
			}
		}
		if decl == nil {
			r := c.diags.Errorf(s.Key.Pos(), s.Key.End(), diag.EUnknownSetting, "unknown setting %q of %s", s.Key.Name, owner)
			if hintName(r, s.Key.Name, types.Names(decls), s.Key.Pos(), s.Key.End(), settingList(decls)) {
				if meant == nil {
					meant = map[string]*ast.Setting{}
				}
				meant[suggest(s.Key.Name, types.Names(decls))] = s
			}
			continue
		}
		if out.get(s.Key.Name) != nil {
			c.diags.Errorf(s.Key.Pos(), s.Key.End(), diag.EDuplicateSet, "setting %s is given twice", s.Key.Name)
			continue
		}
		out = append(out, namedSetting{s.Key.Name, s})
		c.info.Uses[s.Key] = decl
		if s.Name != nil {
			c.diags.Errorf(s.Name.Pos(), s.Name.End(), diag.ESyntax, "unexpected %q: write %s VALUE", s.Name.Name, s.Key.Name)
			continue
		}
		if c.value(s.Value, decl, en, out) && each != nil {
			each(s, decl)
		}
	}
	// A misspelled setting counts as the one it likely means, so that the
	// one mistake is not reported again as that setting missing.
	for name, s := range meant {
		if out.get(name) == nil {
			out = append(out, namedSetting{name, s})
		}
	}
	return out
}

// givenSettings are the settings given to an action, trigger or event, by
// name: a few, so a list, which a map would cost more than for every rule.
type givenSettings []namedSetting

type namedSetting struct {
	name string
	s    *ast.Setting
}

// get returns the setting given by name, or nil.
func (g givenSettings) get(name string) *ast.Setting {
	for _, n := range g {
		if n.name == name {
			return n.s
		}
	}
	return nil
}

func settingList(decls []*types.Setting) string {
	if len(decls) == 0 {
		return "it takes no settings"
	}
	return "settings are " + joinNames(types.Names(decls))
}

// value checks one setting's value against its declared type.
func (c *checker) value(v ast.Expr, decl *types.Setting, en *env, given givenSettings) bool {
	want := decl.Type
	if want == nil || want.Kind == types.Invalid {
		c.expr(v, en) // typed by the owner (T-FIELD-CHANGED's field and value)
		return true
	}
	if id, ok := v.(*ast.Ident); ok && decl.Auto && id.Name == "auto" {
		return true
	}
	if want.Multi && (want.Kind == types.Email || want.Kind == types.Phone) { // an employee's email and phone
		// Dropped ones count: whether an error was found must not depend
		// on how many diagnostics came before (a file is checked with a
		// list of its own; incremental.go).
		n := c.diags.Len() + c.diags.Dropped()
		c.addresses(v, decl.Name, want, en)
		return c.diags.Len()+c.diags.Dropped() == n
	}
	if id, ok := v.(*ast.Ident); ok && want.Kind == types.Bool {
		if obj, _ := c.resolve(id.Name, en); obj == nil {
			r := c.diags.Errorf(id.Pos(), id.End(), diag.ESettingType, "%s takes true or false, not %s", decl.Name, id.Name)
			if b := boolWords[strings.ToLower(id.Name)]; b != "" {
				r.Hint = "did you mean " + b + "?"
				r.Replace(id.Pos(), id.End(), b)
			}
			c.record(id, types.InvalidType)
			return false
		}
	}
	if id, ok := v.(*ast.Ident); ok && want.Kind == types.Entity && want.Entity == "user" {
		if obj, _ := c.resolve(id.Name, en); obj == nil {
			return c.resourceValue(id, "employee", en) // an unknown employee: E105, as any resource
		}
	}
	switch want.Kind {
	case types.Resource:
		if want.Name == "pipeline" {
			return c.pipelineValue(v, en) != nil
		}
		return c.resourceValue(v, want.Name, en)
	case types.Stage:
		return c.stageValue(v, decl, en, given)
	case types.Enum:
		if c.member(v, want, en) {
			return c.info.Types[v].Kind != types.Invalid
		}
	case types.List:
		if l, ok := v.(*ast.ListExpr); ok && (want.Elem.Kind == types.Enum || want.Elem.Kind == types.Resource) {
			okAll := true
			for _, el := range l.Elems {
				okAll = c.value(el, &types.Setting{Name: decl.Name, Type: want.Elem}, en, given) && okAll
			}
			return okAll
		}
	}
	if id, ok := v.(*ast.Ident); ok && want.Kind == types.Text {
		c.textValue = id
	}
	t := c.expr(v, en)
	c.textValue = nil
	if t.Kind == types.Invalid {
		return false
	}
	if want.Kind == types.List && want.Elem.Kind == types.File && t.Kind == types.List && isDocument(t.Elem) || testFile(t, want, en) {
		return true // documents attach as files
	}
	if !types.AssignableTo(t, want) || t.Kind == types.Null {
		d := c.diags.Errorf(v.Pos(), v.End(), diag.ESettingType, "%s needs %s, not %s", decl.Name, an(want), an(t))
		if want.Kind == types.Entity && want.Entity == "user" {
			c.hintNamed(d, v, "employee") // responsible "Anna Nowak": anna
		}
		if l, ok := v.(*ast.BasicLit); ok && want.Kind == types.Bool && l.Kind == ast.String && !l.IsTemplate() {
			d.Hint = "a bool is written true or false, without quotes"
			if b := boolWords[strings.ToLower(l.Value)]; b != "" {
				d.Hint += ": did you mean " + b + "?"
				d.Replace(l.Pos(), l.End(), b)
			}
		}
		if l, ok := v.(*ast.BasicLit); ok && want.Kind == types.Duration && l.Kind == ast.Number && !strings.ContainsAny(l.Raw, ".eE-") {
			// timeout 600, as a form says "600 seconds": a duration
			// carries its unit.
			d.Hint = "a duration carries its unit: " + l.Raw + "s, 10m, 2h, 1d"
			d.Replace(l.Pos(), l.End(), l.Raw+"s")
		}
		return false
	}
	if decl.MaxLen > 0 {
		c.textLimit(v, decl, en)
	}
	if want.Kind == types.URL && !c.urlValue(v, decl) {
		return false
	}
	if want.Kind == types.Duration {
		if secs, ok := constDuration(v); ok && secs <= 0 {
			c.diags.Errorf(v.Pos(), v.End(), diag.EBadValue, "%s is %s; it must be longer than zero", decl.Name, exprText(v)).Hint =
				"for example: " + decl.Name + " 10m"
			return false
		}
	}
	if decl.Max > decl.Min {
		if l, ok := v.(*ast.BasicLit); ok && l.Kind == ast.Number {
			if f, err := strconv.ParseFloat(l.Raw, 64); err == nil && (f < decl.Min || f > decl.Max) {
				c.diags.Errorf(v.Pos(), v.End(), diag.EBadValue, "%s is %s; it runs from %g to %g", decl.Name, l.Raw, decl.Min, decl.Max)
				return false
			}
		}
	}
	return true
}

// stageName is the stage of the rule en is in, as a rule's head writes it.
func (c *checker) stageName(en *env) string {
	if en.rule == nil || en.rule.Stage == nil {
		return "STAGE"
	}
	if ref := en.rule.Decl.Stage; ref != nil && ref.Pipeline != nil { // Hurt.Kontakt: as written, or it is E110
		return spellName(ref.Pipeline.Value) + "." + spellName(en.rule.Stage.Name)
	}
	return spellName(en.rule.Stage.Name)
}

// urlValue reports a url written as a text that does not start with
// http:// or https:// (magazyn.example/api, "not a url"): it could never
// be fetched or clicked. A text that starts with a value ({doc.url}) is
// left to run time.
func (c *checker) urlValue(v ast.Expr, decl *types.Setting) bool {
	l, ok := v.(*ast.BasicLit)
	if !ok || l.Kind != ast.String || len(l.Parts) == 0 || l.Parts[0].Expr != nil {
		return true
	}
	text := l.Parts[0].Text
	lower := strings.ToLower(text)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") || (len(l.Parts) > 1 && strings.HasPrefix("https://", lower)) {
		return true
	}
	d := c.diags.Errorf(v.Pos(), v.End(), diag.EBadValue, "%s needs a url that starts with https:// or http://, not %s", decl.Name, l.Raw)
	host, _, _ := strings.Cut(text, "/")
	if !strings.ContainsAny(text, " \t") && strings.Contains(host, ".") && !strings.Contains(text, "://") {
		fixed := "https://" + l.Raw[1:]
		d.Hint = "write " + `"` + fixed
		d.Replace(v.Pos(), v.End(), `"`+fixed)
	} else if decl.Doc != "" {
		d.Hint = fmt.Sprintf("%s is %s, such as \"https://example.com/...\"", decl.Name, decl.Doc)
	} else {
		d.Hint = `for example: "https://example.com/..."`
	}
	return false
}

// textLimit reports a text that is longer than its limit (an error: it
// could never be sent), and warns about one that can become longer with
// the values inserted into it. A rule's condition may bound an inserted
// value (if len(deal.title) <= 150), as a text(N) field is bounded.
func (c *checker) textLimit(v ast.Expr, decl *types.Setting, en *env) {
	c.limit(v, decl.Name, decl.MaxLen, "sent", true, en)
}

// limit is textLimit for a value v stored as name, at most max characters
// long; outcome says what a text over the limit could never be. v is a
// text literal, with its inserted values, or one value. reach warns about
// a text whose bounded values can make it too long; without it, only a
// value without a bound is warned about (a new item's name inserts the
// title, text(120) itself, in almost every workspace: "Serwis: {deal.title}").
func (c *checker) limit(v ast.Expr, name string, max int, outcome string, reach bool, en *env) {
	parts := []ast.TemplatePart{{Expr: v}}
	l, ok := v.(*ast.BasicLit)
	switch {
	case ok && l.Kind == ast.String:
		parts = l.Parts
	case ok:
		return
	}
	var cond ast.Expr
	if en.rule != nil {
		cond = en.rule.Decl.Cond
	}
	fixed, most, bounded := 0, 0, true
	var unbounded ast.Expr
	for _, p := range parts {
		if p.Expr == nil {
			fixed += utf8.RuneCountInString(p.Text)
			continue
		}
		t := c.info.Types[p.Expr]
		if t == nil {
			continue // a bad placeholder, reported
		}
		if t.Kind == types.Invalid {
			return // its error is reported; a warning about its length would follow from it
		}
		if t.Kind == types.Stage { // {deal.stage}: its longest name, which len cannot bound
			most += c.longestStage(t.Entity)
		} else if n := types.PrintedMax(t); n > 0 {
			most += n
		} else if n := lenBound(cond, exprString(p.Expr)); n >= 0 && t.Kind == types.Text {
			// len counts a text's characters; of a phone or e-mail field,
			// its numbers or addresses, which bounds nothing here.
			most += n
		} else if bounded {
			bounded, unbounded = false, p.Expr
		}
	}
	switch {
	case fixed > max:
		c.diags.Errorf(v.Pos(), v.End(), diag.EBadValue, "%s is %d characters; the limit is %d, so it could never be %s", name, fixed, max, outcome).Hint =
			fmt.Sprintf("shorten it by %s", plural(fixed-max, "character"))
	case bounded && fixed+most > max && reach:
		c.diags.Warnf(v.Pos(), v.End(), diag.WTextTooLong, "%s can reach %d characters with the longest field values; the limit is %d",
			name, fixed+most, max).Hint = "a longer text fails at run time and the timeline says so"
	case !bounded:
		r := c.diags.Warnf(unbounded.Pos(), unbounded.End(), diag.WTextTooLong, "%s has no length limit, so %s can exceed %d characters",
			exprString(unbounded), name, max)
		room := max - fixed - most
		guard := fmt.Sprintf("if len(%s) <= %d", exprString(unbounded), room)
		t := c.info.Types[unbounded]
		switch f := c.fieldOf(unbounded); {
		case t.Multi && (t.Kind == types.Phone || t.Kind == types.Email):
			// {company.phone}: all its numbers; one of them has a bound.
			what := "number"
			if t.Kind == types.Email {
				what = "address"
			}
			r.Hint = fmt.Sprintf("insert one %s, by its type: {%s[work]} or {%s[mobile]}", what, exprString(unbounded), exprString(unbounded))
		case room <= 0:
			r.Hint = fmt.Sprintf("the rest of the text already takes %d of the %d characters: shorten it, and bound %s in the rule's condition", fixed+most, max, exprString(unbounded))
		case f != nil && !f.Builtin:
			r.Hint = fmt.Sprintf("declare the field as text(%d), or bound it in the rule's condition: %s", room, guard)
		case t.Kind == types.Text:
			r.Hint = "bound it in the rule's condition: " + guard
		}
	}
}

// longestStage is the length in characters of the longest stage name of
// the entity's pipelines (of every pipeline when entity is "").
func (c *checker) longestStage(entity string) int {
	n := 0
	for _, p := range c.schema.Pipelines {
		if entity == "" || p.Entity == entity {
			for _, s := range p.Stages {
				n = max(n, utf8.RuneCountInString(s.Name))
			}
		}
	}
	return n
}

// fieldOf is the field that a path like deal.title selects, or nil.
func (c *checker) fieldOf(e ast.Expr) *types.Field {
	if sel, ok := e.(*ast.SelectorExpr); ok {
		f, _ := c.info.Uses[sel.Sel].(*types.Field)
		return f
	}
	return nil
}

// lenBound is the bound that a condition's conjuncts put on the length of
// the text path (len(path) <= N, len(path) < N), or -1 without one.
func lenBound(cond ast.Expr, path string) int {
	if cond == nil {
		return -1
	}
	var conj []ast.Expr
	conjuncts(cond, &conj)
	best := -1
	for _, x := range conj {
		b, ok := x.(*ast.BinaryExpr)
		if !ok || b.Op != "<=" && b.Op != "<" {
			continue
		}
		call, ok := ast.Unparen(b.X).(*ast.CallExpr)
		n, isNum := number(b.Y)
		if !ok || !isNum || call.Fun.Name != "len" || len(call.Args) != 1 || exprString(call.Args[0]) != path || n < 0 {
			continue
		}
		bound := int(n)
		if b.Op == "<" && float64(bound) == n {
			bound--
		}
		if best < 0 || bound < best {
			best = max(bound, 0)
		}
	}
	return best
}

// constDuration is the value in seconds of a duration literal, negated or
// not.
func constDuration(e ast.Expr) (int64, bool) {
	e = ast.Unparen(e)
	neg := false
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == "-" {
		neg, e = true, ast.Unparen(u.X)
	}
	l, ok := e.(*ast.BasicLit)
	if !ok || l.Kind != ast.Duration {
		return 0, false
	}
	secs, err := literal.Duration(l.Raw)
	if err != nil {
		return 0, false
	}
	if neg {
		secs = -secs
	}
	return secs, true
}

// hintNamed hints the name of the resource of the kind whose value a
// string gives (from "sklep@meble.example": sklep; to "Piotr Magazynier":
// piotr), with the name as the fix: rules name resources by their names.
func (c *checker) hintNamed(r *diag.Diagnostic, v ast.Expr, kind string) {
	l, ok := v.(*ast.BasicLit)
	if !ok || l.Kind != ast.String {
		return
	}
	for _, name := range slices.Sorted(maps.Keys(c.schema.Resources)) {
		if res := c.schema.Resources[name]; res.Kind == kind && res.Value == l.Value {
			r.Hint = fmt.Sprintf("rules name %s by its name: write %s (the %s %q)", an(kind), name, kind, l.Value)
			r.Replace(v.Pos(), v.End(), name)
			return
		}
	}
}

func (c *checker) resourceValue(v ast.Expr, kind string, en *env) bool {
	id, ok := v.(*ast.Ident)
	if !ok {
		r := c.diags.Errorf(v.Pos(), v.End(), diag.ESettingType, "expected the name of %s, not %s", an(kind), exprString(v))
		c.hintNamed(r, v, kind)
		return false
	}
	r := c.schema.Resources[id.Name]
	if r != nil && r.Kind == kind {
		c.info.Uses[id] = r
		c.record(id, types.ResourceOf(kind))
		return true
	}
	var names []string
	for n, x := range c.schema.Resources {
		if x.Kind == kind {
			names = append(names, n)
		}
	}
	if r != nil {
		c.diags.Errorf(id.Pos(), id.End(), diag.ESettingType, "%s is %s, not %s", id.Name, an(r.Kind), an(kind))
		return false
	}
	hintName(c.diags.Errorf(id.Pos(), id.End(), diag.EUnknownResource, "unknown %s %q", kind, id.Name),
		id.Name, names, id.Pos(), id.End(), fmt.Sprintf("declare it: %s %s", kind, id.Name))
	return false
}

func (c *checker) pipelineValue(v ast.Expr, en *env) *types.Pipeline {
	name := nameOf(v)
	entity := en.entity
	if p := c.schema.Pipeline(entity, name); p != nil {
		c.useName(v, p)
		return p
	}
	var names []string
	for _, p := range c.schema.PipelinesOf(entity) {
		names = append(names, p.Name)
	}
	hintStage(c.diags.Errorf(v.Pos(), v.End(), diag.EUnknownPipeline, "unknown %s pipeline %q", entity, name), name, names, v.Pos(), v.End(), "")
	return nil
}

// stageValue checks a stage setting against the pipeline setting it depends
// on (copy deal: stage belongs to the target pipeline), or the rule's own.
func (c *checker) stageValue(v ast.Expr, decl *types.Setting, en *env, given givenSettings) bool {
	ref := stageRefOf(v)
	if ref == nil {
		c.diags.Errorf(v.Pos(), v.End(), diag.ESettingType, "%s needs a stage name", decl.Name)
		return false
	}
	if p := given.get(decl.StageOf); p != nil && decl.StageOf != "" {
		pl := c.schema.Pipeline(en.entity, nameOf(p.Value))
		if pl == nil {
			return false // reported by the pipeline setting
		}
		if s := pl.Lookup(ref.Stage.Value); s != nil {
			c.useName(v, s)
			return true
		}
		var names []string
		for _, s := range pl.Stages {
			names = append(names, s.Name)
		}
		hintStage(c.diags.Errorf(v.Pos(), v.End(), diag.EUnknownStage, "pipeline %q has no stage %q", pl.Name, ref.Stage.Value),
			ref.Stage.Value, names, ref.Stage.Pos(), ref.Stage.End(), "")
		return false
	}
	if decl.StageOf != "" && ref.Pipeline == nil && en.rule != nil && en.rule.Stage != nil && en.rule.Stage.Pipeline.Entity == en.entity {
		// copy deal stage S without pipeline: the copy goes to the
		// item's own pipeline, and S must be one of its stages.
		pl := en.rule.Stage.Pipeline
		if s := pl.Lookup(ref.Stage.Value); s != nil {
			c.useName(v, s)
			return true
		}
		d := c.diags.Errorf(v.Pos(), v.End(), diag.EUnknownStage, "without %s, the copy goes to the %s's own pipeline %q, which has no stage %q", decl.StageOf, en.entity, pl.Name, ref.Stage.Value)
		var names, others []string
		for _, s := range pl.Stages {
			names = append(names, s.Name)
		}
		for _, p := range c.schema.PipelinesOf(en.entity) {
			if p.Lookup(ref.Stage.Value) != nil {
				others = append(others, p.Name)
			}
		}
		if len(others) > 0 {
			d.Hint = fmt.Sprintf("%q is a stage of %q: add %s %s", ref.Stage.Value, others[0], decl.StageOf, spellName(others[0]))
		} else {
			hintStage(d, ref.Stage.Value, names, ref.Stage.Pos(), ref.Stage.End(), "choose one of "+joinNames(quoteAll(names)))
		}
		return false
	}
	s := c.stage(ref, en.entity)
	if s == nil {
		return false
	}
	c.useName(v, s)
	return true
}

// nameOf is the name a bare identifier or a string literal spells.
func nameOf(v ast.Expr) string {
	switch x := v.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.BasicLit:
		return x.Value
	}
	return ""
}
