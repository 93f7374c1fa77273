package types

import "github.com/stagecraft/stagecraft/lang/token"

// Object is anything a name can resolve to: what the checker's Defs and
// Uses tables map names to, and what a language server shows on hover or
// jumps to on go-to-definition.
//
// Objects declared in *.rules source (fields, pipelines, stages, resources,
// variables, labels, test items, a custom action's inputs and outputs) have
// the position of their declaring name; the built-in schema's fields do too,
// since its file is part of every check's FileSet. What the standard library
// declares in Go (actions, triggers, their settings, functions, resource
// kinds) and the words the language predeclares (now, client, type names)
// have NoPos, as go/types' universe objects do.
type Object interface {
	ObjName() string
	ObjPos() token.Pos // where it is declared; NoPos for built-ins without source
}

// Root is a name that stands for the item a rule or trigger is about or for
// one of its relations: deal or lead (the item), contact, company,
// responsible (the item's fields of those names), client (its first
// contact, or its company when it has none).
type Root struct {
	Name   string
	Role   Role // what the name stands for, so that no later stage reads it from the name
	Type   *Type
	Entity *EntityDef // the item's entity
	Field  *Field     // the item's field the name reads; nil for the item itself and for client
}

// Role is what a root stands for.
type Role uint8

const (
	RoleItem        Role = iota + 1 // the item itself: deal, lead, ...
	RoleContact                     // its contact
	RoleCompany                     // its company
	RoleClient                      // its first contact, or its company when it has none
	RoleResponsible                 // its responsible employee (a field of the item)
)

// ObjPos is the declaration of the field the root reads, or of the item's
// entity; client has none.
func (r *Root) ObjPos() token.Pos {
	switch {
	case r.Field != nil:
		return r.Field.Pos
	case r.Entity != nil && r.Entity.Name == r.Name:
		return r.Entity.Pos
	}
	return token.NoPos
}
func (r *Root) ObjName() string { return r.Name }

// Builtin is a predeclared value or word without a declaration of its own:
// now, today, tomorrow; a test's `chat reply` input.
type Builtin struct {
	Name string
	Type *Type // nil for what is not a value
	Doc  string
}

func (b *Builtin) ObjName() string   { return b.Name }
func (b *Builtin) ObjPos() token.Pos { return token.NoPos }

// TypeName is a predeclared type name of field declarations and custom
// action signatures: text, money, enum, list, ...
type TypeName struct {
	Name string
	Type *Type // nil for the ones that take arguments (enum, list) or stand alone (stage)
}

func (t *TypeName) ObjName() string   { return t.Name }
func (t *TypeName) ObjPos() token.Pos { return token.NoPos }

// Item is an item a test declares: given deal sofa { ... }.
type Item struct {
	Name string
	Type *Type // an entity type
	Pos  token.Pos
}

func (i *Item) ObjName() string   { return i.Name }
func (i *Item) ObjPos() token.Pos { return i.Pos }

// Label is the label of a rule or trigger (its pinned identity).
type Label struct {
	Name string
	Of   string // "rule" or "trigger"
	Pos  token.Pos
}

func (l *Label) ObjName() string   { return l.Name }
func (l *Label) ObjPos() token.Pos { return l.Pos }

// The standard library's declarations are objects too. Those declared in
// Go have no source position; a setting of a custom action has its own.

func (a *ActionDecl) ObjName() string     { return a.Name() }
func (a *ActionDecl) ObjPos() token.Pos   { return token.NoPos }
func (t *TriggerDecl) ObjName() string    { return t.Name() }
func (t *TriggerDecl) ObjPos() token.Pos  { return token.NoPos }
func (f *FuncDecl) ObjName() string       { return f.Name }
func (f *FuncDecl) ObjPos() token.Pos     { return token.NoPos }
func (k *ResourceKind) ObjName() string   { return k.Name }
func (k *ResourceKind) ObjPos() token.Pos { return token.NoPos }
func (s *Setting) ObjName() string        { return s.Name }
func (s *Setting) ObjPos() token.Pos      { return s.Pos }
