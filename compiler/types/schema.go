package types

import "github.com/stagecraft/stagecraft/lang/token"

// Field is a field of an entity or of a result record.
type Field struct {
	Name     string
	Type     *Type
	Label    string
	Pos      token.Pos
	Builtin  bool // from the standard library's schema
	ReadOnly bool // set by the system, not by an update (stage, id, created)
}

// EntityDef is an entity type and its fields, built-in and custom.
type EntityDef struct {
	Name      string
	Pos       token.Pos // built-in entities: the entity's first field declaration in the schema file
	Fields    map[string]*Field
	Order     []*Field // in declaration order
	Pipelines bool     // whether items of this entity move through pipelines
}

// Lookup returns the named field or nil.
func (e *EntityDef) Lookup(name string) *Field { return e.Fields[name] }

// StageKind says whether a stage is still open or closes the item.
type StageKind uint8

const (
	InProgress StageKind = iota
	Won
	Lost
)

func (k StageKind) String() string { return [...]string{"in progress", "won", "lost"}[k] }

// Pipeline is an ordered list of stages of one entity type.
type Pipeline struct {
	Entity string
	Name   string
	Stages []*StageDef
	Pos    token.Pos
}

// StageDef is a stage of a pipeline.
type StageDef struct {
	Pipeline *Pipeline
	Name     string
	Index    int // position in the pipeline, from 0
	Kind     StageKind
	Pos      token.Pos
}

// Lookup returns the named stage of p, or nil.
func (p *Pipeline) Lookup(name string) *StageDef {
	for _, s := range p.Stages {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ResourceDef is a declared resource: a mailbox, outgoing line, SMS
// provider, open channel, form, employee, document template, calendar or
// custom (WASM) action.
type ResourceDef struct {
	Kind     string
	Name     string
	Value    string            // the quoted value after the name, if any
	Settings map[string]string // simple settings, as written
	Pos      token.Pos
	Action   *ActionDecl // for kind "action": its signature
}

// Var is a variable or action result bound by a rule.
type Var struct {
	Name string
	Type *Type
	Pos  token.Pos
	Uses int
}

func (f *Field) ObjName() string         { return f.Name }
func (f *Field) ObjPos() token.Pos       { return f.Pos }
func (s *StageDef) ObjName() string      { return s.Name }
func (s *StageDef) ObjPos() token.Pos    { return s.Pos }
func (p *Pipeline) ObjName() string      { return p.Name }
func (p *Pipeline) ObjPos() token.Pos    { return p.Pos }
func (r *ResourceDef) ObjName() string   { return r.Name }
func (r *ResourceDef) ObjPos() token.Pos { return r.Pos }
func (v *Var) ObjName() string           { return v.Name }
func (v *Var) ObjPos() token.Pos         { return v.Pos }
func (e *EntityDef) ObjName() string     { return e.Name }
func (e *EntityDef) ObjPos() token.Pos   { return e.Pos }

// Schema is everything rules can refer to by name.
type Schema struct {
	Entities  map[string]*EntityDef
	Pipelines []*Pipeline
	Resources map[string]*ResourceDef
}

// NewSchema returns an empty schema.
func NewSchema() *Schema {
	return &Schema{Entities: map[string]*EntityDef{}, Resources: map[string]*ResourceDef{}}
}

// Clone returns a copy that can be extended without changing s.
func (s *Schema) Clone() *Schema {
	c := NewSchema()
	for n, e := range s.Entities {
		ce := &EntityDef{Name: e.Name, Pos: e.Pos, Fields: make(map[string]*Field, len(e.Fields)), Order: append([]*Field(nil), e.Order...), Pipelines: e.Pipelines}
		for fn, f := range e.Fields {
			ce.Fields[fn] = f
		}
		c.Entities[n] = ce
	}
	c.Pipelines = append(c.Pipelines, s.Pipelines...)
	for n, r := range s.Resources {
		c.Resources[n] = r
	}
	return c
}

// PipelinesOf returns the pipelines of an entity, in declaration order.
func (s *Schema) PipelinesOf(entity string) []*Pipeline {
	var out []*Pipeline
	for _, p := range s.Pipelines {
		if p.Entity == entity {
			out = append(out, p)
		}
	}
	return out
}

// Pipeline returns the named pipeline of an entity, or nil.
func (s *Schema) Pipeline(entity, name string) *Pipeline {
	for _, p := range s.Pipelines {
		if p.Entity == entity && p.Name == name {
			return p
		}
	}
	return nil
}
