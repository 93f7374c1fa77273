package check

import (
	"fmt"
	"strconv"

	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
)

// collect enters the schema declarations of all files (fields, pipelines,
// resources) before any rule is checked, so that declaration order across
// files never matters.
func (c *checker) collect(files []*ast.File) {
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FieldDecl:
				c.field(d)
			case *ast.PipelineDecl:
				c.pipeline(d)
			case *ast.ResourceDecl:
				c.resource(d)
			}
		}
	}
}

func (c *checker) entity(id *ast.Ident) *types.EntityDef {
	e := c.schema.Entities[id.Name]
	if e == nil || id.Name == "client" {
		hintName(c.diags.Errorf(id.Pos(), id.End(), diag.EUnknownEntity, "unknown entity type %q", id.Name),
			id.Name, c.u.Lib.Entities, id.Pos(), id.End(), "entity types are deal, lead, contact, company and user")
		return nil
	}
	c.info.Uses[id] = e
	return e
}

func hintOr(h, otherwise string) string {
	if h != "" {
		return h
	}
	return otherwise
}

func (c *checker) field(d *ast.FieldDecl) {
	e := c.entity(d.Entity)
	t := c.fieldType(d.Type)
	if e == nil || t == nil {
		entity := ""
		if e != nil {
			entity = e.Name
		}
		if c.brokenFields == nil {
			c.brokenFields = map[string]map[string]bool{}
		}
		if c.brokenFields[entity] == nil {
			c.brokenFields[entity] = map[string]bool{}
		}
		c.brokenFields[entity][d.Name.Name] = true
		return
	}
	if old := e.Fields[d.Name.Name]; old != nil {
		r := c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.EDuplicate, "field %s.%s is already declared", e.Name, d.Name.Name)
		if old.Builtin {
			r.Hint = "it is a built-in field; choose another name"
		} else {
			r.Hint = "rename or remove one of them"
			r.Relate(old.Pos, old.Pos+tokenPos(len(old.Name)), "the first declaration")
		}
		return
	}
	f := &types.Field{Name: d.Name.Name, Type: t, Pos: d.Name.Pos(), Builtin: c.builtin}
	if d.Label != nil {
		f.Label = d.Label.Value
	}
	f.ReadOnly = c.builtin && (f.Name == "id" || f.Name == "stage" || f.Name == "created")
	e.Fields[f.Name] = f
	e.Order = append(e.Order, f)
	c.info.Defs[d.Name] = f
	if c.builtin && !e.Pos.IsValid() {
		e.Pos = d.Entity.Pos() // a built-in entity is declared by its first field
	}
}

var simpleTypes = map[string]*types.Type{
	"text": types.TextType, "number": types.NumberType, "money": types.MoneyType, "date": types.DateType,
	"datetime": types.DateTimeType, "bool": types.BoolType, "file": types.FileType, "url": types.URLType,
	"email": types.EmailsType, "phone": types.PhonesType, "user": types.UserType,
	"contact": types.EntityOf("contact"), "company": types.EntityOf("company"),
}

var typeNames = []string{"text", "number", "money", "date", "datetime", "bool", "file", "url", "enum", "email", "phone", "user", "contact", "company", "list", "stage"}

// typeObjects are the objects of the type names, for Uses.
var typeObjects = func() map[string]*types.TypeName {
	m := map[string]*types.TypeName{}
	for _, n := range typeNames {
		m[n] = &types.TypeName{Name: n, Type: simpleTypes[n]}
	}
	return m
}()

// fieldType resolves a field's type: text, text(60), enum("A", "B"), list(contact), stage.
func (c *checker) fieldType(x *ast.TypeExpr) *types.Type {
	name := x.Name.Name
	if obj := typeObjects[name]; obj != nil {
		c.info.Uses[x.Name] = obj
	}
	bad := func(format string, args ...any) *types.Type {
		c.diags.Errorf(x.Pos(), x.End(), diag.EBadFieldType, format, args...)
		return nil
	}
	switch name {
	case "text":
		if len(x.Args) == 0 {
			return types.TextType
		}
		if n, ok := intLit(x.Args); ok && n > 0 && n <= 100000 {
			return types.TextN(n)
		}
		return bad("text takes one whole number, the longest value in characters (1 to 100000): text(60)")
	case "enum":
		var vals []string
		seen := map[string]bool{}
		for _, a := range x.Args {
			s, ok := a.(*ast.BasicLit)
			if !ok || s.Kind != ast.String || s.IsTemplate() || s.Value == "" {
				return bad(`enum takes its values as non-empty strings: enum("Standard", "Express")`)
			}
			if seen[s.Value] {
				c.diags.Errorf(s.Pos(), s.End(), diag.EDuplicate, "enum value %q is listed twice", s.Value)
				return nil
			}
			seen[s.Value] = true
			vals = append(vals, s.Value)
		}
		if len(vals) == 0 {
			return bad(`enum needs at least one value: enum("Standard", "Express")`)
		}
		return types.EnumOf(vals...)
	case "list":
		if len(x.Args) == 1 {
			if id, ok := x.Args[0].(*ast.Ident); ok && (id.Name == "contact" || id.Name == "company") {
				c.info.Uses[id] = c.schema.Entities[id.Name]
				return types.ListOf(types.EntityOf(id.Name))
			}
		}
		return bad("list takes one entity type: list(contact) or list(company)")
	case "stage":
		if !c.builtin {
			return bad("stage is the built-in field of deals and leads; custom fields cannot have this type")
		}
		return &types.Type{Kind: types.Stage}
	}
	t := simpleTypes[name]
	if t == nil && (name == "time" || name == "duration") {
		// Values of expressions, not of a CRM's fields.
		c.diags.Errorf(x.Name.Pos(), x.Name.End(), diag.EUnknownType, "unknown field type %q: a %s is a value of expressions, not a field's type", name, name).Hint =
			"field types are text, number, money, date, datetime, bool, file, url, enum, email, phone, user; a time of day can be kept as a datetime or a text"
		return nil
	}
	if t == nil {
		hintName(c.diags.Errorf(x.Name.Pos(), x.Name.End(), diag.EUnknownType, "unknown field type %q", name),
			name, typeNames, x.Name.Pos(), x.Name.End(), "field types are text, number, money, date, datetime, bool, file, url, enum, email, phone, user")
		return nil
	}
	if len(x.Args) > 0 {
		return bad("type %s takes no arguments", name)
	}
	return t
}

func intLit(args []ast.Expr) (int, bool) {
	if len(args) != 1 {
		return 0, false
	}
	l, ok := args[0].(*ast.BasicLit)
	if !ok || l.Kind != ast.Number {
		return 0, false
	}
	n, err := strconv.Atoi(l.Raw)
	return n, err == nil
}

func (c *checker) pipeline(d *ast.PipelineDecl) {
	e := c.entity(d.Entity)
	if e == nil {
		return
	}
	if !e.Pipelines {
		c.diags.Errorf(d.Entity.Pos(), d.Entity.End(), diag.EBadPipeline, "%s items have no pipelines", e.Name).Hint = "pipelines are for deal and lead"
		return
	}
	if old := c.schema.Pipeline(e.Name, d.Name.Value); old != nil {
		r := c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.EDuplicate, "pipeline %s %q is already declared", e.Name, d.Name.Value)
		r.Hint = "rename or remove one of them"
		r.Relate(old.Pos, old.Pos+tokenPos(len(spellName(old.Name))), "the first declaration")
		return
	}
	p := &types.Pipeline{Entity: e.Name, Name: d.Name.Value, Pos: d.Name.Pos()}
	if len(d.Stages) == 0 {
		c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.EBadPipeline, "pipeline %q has no stages", d.Name.Value)
		return
	}
	c.info.Defs[d.Name] = p
	closed := false
	for _, sd := range d.Stages {
		if old := p.Lookup(sd.Name.Value); old != nil {
			c.diags.Errorf(sd.Name.Pos(), sd.Name.End(), diag.EDuplicate, "stage %q appears twice in pipeline %q", sd.Name.Value, p.Name).
				Relate(old.Pos, old.Pos+tokenPos(len(spellName(old.Name))), "its first appearance")
			continue
		}
		s := &types.StageDef{Pipeline: p, Name: sd.Name.Value, Index: len(p.Stages), Pos: sd.Name.Pos()}
		if sd.Kind != nil {
			switch sd.Kind.Name {
			case "won":
				s.Kind = types.Won
			case "lost":
				s.Kind = types.Lost
			default:
				hintName(c.diags.Errorf(sd.Kind.Pos(), sd.Kind.End(), diag.EBadPipeline, "unknown stage kind %q", sd.Kind.Name),
					sd.Kind.Name, []string{"won", "lost"}, sd.Kind.Pos(), sd.Kind.End(), "a stage is in progress unless marked won or lost")
			}
		}
		if s.Kind != types.InProgress {
			closed = true
		} else if closed {
			c.diags.Errorf(sd.Name.Pos(), sd.Name.End(), diag.EBadPipeline, "in-progress stage %q comes after a won or lost stage", s.Name).Hint =
				"list the won and lost stages last"
		}
		p.Stages = append(p.Stages, s)
		c.info.Defs[sd.Name] = s
	}
	c.schema.Pipelines = append(c.schema.Pipelines, p)
}

var scopeWords = []string{"deal", "lead", "contact", "company", "client", "responsible", "now", "today", "tomorrow", "auto"}

func (c *checker) resource(d *ast.ResourceDecl) {
	kind := c.u.resources[d.Kind.Name]
	switch {
	case kind == nil && d.Kind.Name == "test":
		// `test t {` reads as a resource of kind test named t.
		c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.ESyntax, "a test's name is a string").Hint =
			fmt.Sprintf("write test %q {", d.Name.Name)
		return
	case kind == nil && d.Kind.Name == "pipeline":
		// `pipeline Sprzedaż {`: the entity left out.
		c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.ESyntax, "a pipeline is declared with the entity it holds").Hint =
			fmt.Sprintf("write pipeline deal %s { (or lead)", d.Name.Name)
		return
	}
	if kind == nil {
		hintName(c.diags.Errorf(d.Kind.Pos(), d.Kind.End(), diag.EUnknownResource, "unknown declaration %q", d.Kind.Name),
			d.Kind.Name, append(keys(c.u.resources), "field", "pipeline", "test"), d.Kind.Pos(), d.Kind.End(),
			"declarations are on, move, field, pipeline, test and the resource kinds "+joinNames(keys(c.u.resources)))
		return
	}
	c.info.Uses[d.Kind] = kind
	name := d.Name.Name
	if contains(scopeWords, name) {
		c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.EDuplicate, "%q is a predeclared name; choose another", name)
		return
	}
	if old := c.schema.Resources[name]; old != nil {
		r := c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.EDuplicate, "%s %q is already declared as %s", kind.Name, name, an(old.Kind))
		r.Hint = "rename or remove one of them"
		r.Relate(old.Pos, old.Pos+tokenPos(len(name)), "the first declaration")
		return
	}
	r := &types.ResourceDef{Kind: kind.Name, Name: name, Pos: d.Name.Pos(), Settings: map[string]string{}}
	if d.Value != nil {
		if kind.Value == "" {
			c.diags.Errorf(d.Value.Pos(), d.Value.End(), diag.ESyntax, "%s takes no quoted value", an(kind.Name))
		}
		r.Value = d.Value.Value
	} else if kind.ValueNeeded {
		c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.EMissingSetting, "%s %s needs %s in quotes after its name", kind.Name, name, kind.Value)
	}
	if kind.Name == "calendar" {
		if c.calendar != nil {
			c.diags.Errorf(d.Name.Pos(), d.Name.End(), diag.EDuplicate, "a workspace has one calendar; %q is already declared", c.calendar.Name).
				Relate(c.calendar.Pos, c.calendar.Pos+tokenPos(len(c.calendar.Name)), "the workspace's calendar")
			return
		}
		c.calendar = r
	}
	c.schema.Resources[name] = r
	c.info.Defs[d.Name] = r
	c.resourceDecls = append(c.resourceDecls, d)
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}
