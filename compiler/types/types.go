// Package types owns the type system of the rules language and the shapes
// that names resolve to: the schema (entities, fields, pipelines, stages,
// resources) and the signatures of actions, triggers and functions that the
// standard library declares. It has no behaviour beyond describing them, so
// the checker, the runtime and tools such as a language server can share it.
package types

import (
	"strconv"
	"strings"
)

// Kind is the kind of a type.
type Kind uint8

const (
	Invalid  Kind = iota // the type of an expression that already had an error
	Null                 // the literal null
	Text                 // text, text(60)
	Number               // number
	Money                // money: an amount in the workspace currency
	Date                 // date
	DateTime             // datetime
	Time                 // a time of day: 14:00
	Duration             // 180d, 1h30m, 6mo
	Bool                 // bool
	File                 // file: a file field's value
	URL                  // url
	Enum                 // enum("A", "B")
	Email                // an e-mail address with a type; Multi for the field
	Phone                // a phone number with a type; Multi for the field
	Stage                // a stage of the pipelines of Entity
	Entity               // an item: deal, lead, contact, company, user
	Record               // the result of an action: fields by name
	List                 // list(Elem)
	Resource             // a named resource: mailbox, line, provider, ...
)

var kindNames = [...]string{"invalid", "null", "text", "number", "money", "date", "datetime", "time",
	"duration", "bool", "file", "url", "enum", "email", "phone", "stage", "entity", "record", "list", "resource"}

func (k Kind) String() string { return kindNames[k] }

// Type is a type. Types are compared with Identical, not ==.
type Type struct {
	Kind    Kind
	MaxLen  int      // Text: the longest value in runes; 0 means unbounded
	Values  []string // Enum: the members, in order
	Multi   bool     // Email, Phone: a field holding several typed values
	Entity  string   // Entity: its name; Stage: the entity whose pipelines hold it
	Elem    *Type    // List: the element type
	Name    string   // Resource: the resource kind; Record: a name for messages
	Fields  []*Field // Record: its fields
	Untyped bool     // Number: a literal constant, assignable to money
}

// Predeclared types.
var (
	InvalidType  = &Type{Kind: Invalid}
	NullType     = &Type{Kind: Null}
	TextType     = &Type{Kind: Text}
	NumberType   = &Type{Kind: Number}
	UntypedNum   = &Type{Kind: Number, Untyped: true}
	MoneyType    = &Type{Kind: Money}
	DateType     = &Type{Kind: Date}
	DateTimeType = &Type{Kind: DateTime}
	TimeType     = &Type{Kind: Time}
	DurationType = &Type{Kind: Duration}
	BoolType     = &Type{Kind: Bool}
	FileType     = &Type{Kind: File}
	URLType      = &Type{Kind: URL}
	EmailType    = &Type{Kind: Email}
	PhoneType    = &Type{Kind: Phone}
	EmailsType   = &Type{Kind: Email, Multi: true}
	PhonesType   = &Type{Kind: Phone, Multi: true}
	UserType     = &Type{Kind: Entity, Entity: "user"}
)

// ListOf returns list(elem).
func ListOf(elem *Type) *Type { return &Type{Kind: List, Elem: elem} }

// EntityOf returns the type of an item of the named entity.
func EntityOf(name string) *Type { return &Type{Kind: Entity, Entity: name} }

// ResourceOf returns the type of a resource of the given kind.
func ResourceOf(kind string) *Type { return &Type{Kind: Resource, Name: kind} }

// RecordOf returns a record type.
func RecordOf(name string, fields ...*Field) *Type {
	return &Type{Kind: Record, Name: name, Fields: fields}
}

// EnumOf returns enum(values...).
func EnumOf(values ...string) *Type { return &Type{Kind: Enum, Values: values} }

// TextN returns text(n).
func TextN(n int) *Type { return &Type{Kind: Text, MaxLen: n} }

// Field returns the named field of a record, or nil.
func (t *Type) Field(name string) *Field {
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Single returns the one-value form of a multi-valued e-mail or phone type.
func (t *Type) Single() *Type {
	switch {
	case t.Kind == Email && t.Multi:
		return EmailType
	case t.Kind == Phone && t.Multi:
		return PhoneType
	}
	return t
}

func (t *Type) String() string {
	switch t.Kind {
	case Text:
		if t.MaxLen > 0 {
			return "text(" + strconv.Itoa(t.MaxLen) + ")"
		}
	case Enum:
		q := make([]string, len(t.Values))
		for i, v := range t.Values {
			q[i] = `"` + v + `"`
		}
		return "enum(" + strings.Join(q, ", ") + ")"
	case Entity:
		return t.Entity
	case Stage:
		if t.Entity == "" { // the built-in field's declared type, of whichever entity has it
			return "stage"
		}
		return "stage of " + t.Entity
	case List:
		return "list(" + t.Elem.String() + ")"
	case Resource:
		return t.Name
	case Record:
		if t.Name != "" {
			return t.Name
		}
	case Email, Phone:
		if t.Multi {
			return t.Kind.String() + " (several)"
		}
	case Number:
		if t.Untyped {
			return "number"
		}
	}
	return t.Kind.String()
}

// Identical reports whether two types are the same, ignoring text length
// limits and untyped-ness.
func Identical(a, b *Type) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Enum:
		if len(a.Values) != len(b.Values) {
			return false
		}
		for i := range a.Values {
			if a.Values[i] != b.Values[i] {
				return false
			}
		}
	case Entity, Stage:
		return a.Entity == b.Entity
	case List:
		return Identical(a.Elem, b.Elem)
	case Resource:
		return a.Name == b.Name
	case Record:
		return a == b
	case Email, Phone:
		return a.Multi == b.Multi
	}
	return true
}

// AssignableTo reports whether a value of type v may be stored where a value
// of type t is expected: identical types; a number literal as money; null
// anywhere; a date as a datetime (at midnight); text as a url; an enum
// value as text; a
// multi-valued e-mail or phone where one is expected (the first is taken).
func AssignableTo(v, t *Type) bool {
	switch {
	case v.Kind == Invalid || t.Kind == Invalid:
		return true // already reported
	case v.Kind == Null:
		return true
	case Identical(v, t):
		return true
	case v.Kind == Number && v.Untyped && t.Kind == Money:
		return true
	case v.Kind == Date && t.Kind == DateTime:
		return true
	case v.Kind == Text && t.Kind == URL, v.Kind == URL && t.Kind == Text:
		return true
	case v.Kind == t.Kind && (v.Kind == Email || v.Kind == Phone) && v.Multi && !t.Multi:
		return true
	case v.Kind == Enum && t.Kind == Text:
		return true // an enum's value is a text
	case v.Kind == Text && t.Kind == Enum:
		return true // a member check happens where the value is a literal
	case v.Kind == List && t.Kind == List:
		return AssignableTo(v.Elem, t.Elem)
	}
	return false
}

// Printable reports whether a value of type t can be inserted into a text.
func Printable(t *Type) bool {
	switch t.Kind {
	case Entity, Record, Resource:
		return false
	case List:
		return Printable(t.Elem)
	}
	return true
}

// PrintedMax is the most runes a value of type t prints as; 0 means unbounded.
func PrintedMax(t *Type) int {
	switch t.Kind {
	case Text:
		return t.MaxLen
	case Number, Money: // runtime/value.NumberMaxLen: in full, or 1.2345678901234567e+300
		return 25
	case Date:
		return 10
	case DateTime:
		return 16
	case Time:
		return 5
	case Bool:
		return 5
	case Duration:
		return 16
	case Phone:
		if !t.Multi {
			return 20
		}
		return 0
	case Email:
		if !t.Multi {
			return 254
		}
		return 0
	case Enum:
		n := 0
		for _, v := range t.Values {
			n = max(n, len([]rune(v)))
		}
		return n
	}
	return 0
}

// EmailKinds and PhoneKinds are the types a client's address or number can
// have; "auto" picks any.
var (
	EmailKinds = []string{"work", "home", "mailing", "other"}
	PhoneKinds = []string{"work", "mobile", "home", "other"}
)
