package ir

// The enums below are what the checker decided, carried into the program
// so that the runtime switches on them and never works a meaning out of a
// name. Each is a string type whose values are the words the encoded
// program shows, so a stored program stays readable as JSON; Decode refuses
// a value that is not one of the constants (validate in walk.go), so an unknown word
// never reaches a switch of the runtime.

// Kind is the kind of a static type: an expression's (Expr.Kind) or a
// field's (Field.Kind). The words are those of compiler/types.Kind, plus
// emails and phones for fields of several typed addresses, and ref for an
// employee named bare (a reference to a user).
type Kind string

const (
	KindNone     Kind = ""        // no type recorded: a template's text part, a value its owner types
	KindInvalid  Kind = "invalid" // never in a program that checked; promises nothing
	KindNull     Kind = "null"
	KindText     Kind = "text"
	KindNumber   Kind = "number"
	KindMoney    Kind = "money"
	KindDate     Kind = "date"
	KindDateTime Kind = "datetime"
	KindTime     Kind = "time"
	KindDuration Kind = "duration"
	KindBool     Kind = "bool"
	KindFile     Kind = "file"
	KindURL      Kind = "url"
	KindEnum     Kind = "enum"
	KindEmail    Kind = "email"
	KindEmails   Kind = "emails" // a field of several typed e-mail addresses
	KindPhone    Kind = "phone"
	KindPhones   Kind = "phones" // a field of several typed phone numbers
	KindStage    Kind = "stage"
	KindEntity   Kind = "entity"
	KindRecord   Kind = "record" // an action's result
	KindList     Kind = "list"
	KindResource Kind = "resource"
	KindRef      Kind = "ref" // an employee written bare: a reference to the user
)

var kinds = map[Kind]bool{KindNone: true, KindInvalid: true, KindNull: true, KindText: true, KindNumber: true,
	KindMoney: true, KindDate: true, KindDateTime: true, KindTime: true, KindDuration: true, KindBool: true,
	KindFile: true, KindURL: true, KindEnum: true, KindEmail: true, KindEmails: true, KindPhone: true,
	KindPhones: true, KindStage: true, KindEntity: true, KindRecord: true, KindList: true, KindResource: true,
	KindRef: true}

// Valid reports whether k is one of the constants.
func (k Kind) Valid() bool { return kinds[k] }

// Root is the item a field expression (OpField without X) starts from, as
// the checker resolved its first name. The runtime finds the item by the
// root alone; Expr.Name keeps the name as written, for messages, and is
// read only by RootEntity (the entity) and RootTestItem (the item).
type Root string

const (
	RootNone     Root = ""          // not a field, or a field of a computed value (Expr.X)
	RootSelf     Root = "self"      // the item the rule or trigger runs on: deal, lead, ... (responsible is its field)
	RootContact  Root = "contact"   // the item's contact (an item of a contact entity is its own)
	RootCompany  Root = "company"   // the item's company, or else its contact's
	RootClient   Root = "client"    // the item's contact, or its company when it has none
	RootEntity   Root = "entity"    // Name, an entity: the running item when it is one, else nothing
	RootTestItem Root = "test item" // Name, an item of the test (given, or named by an expectation's as)
)

var roots = map[Root]bool{RootNone: true, RootSelf: true, RootContact: true, RootCompany: true,
	RootClient: true, RootEntity: true, RootTestItem: true}

// Valid reports whether r is one of the constants.
func (r Root) Valid() bool { return roots[r] }

// Builtin is a predeclared value of the clock (OpBuiltin); Expr.Name keeps
// it as written.
type Builtin string

const (
	BuiltinNow      Builtin = "now"      // the input's time, a datetime
	BuiltinToday    Builtin = "today"    // its date
	BuiltinTomorrow Builtin = "tomorrow" // the date after it
)

// Valid reports whether b is one of the constants.
func (b Builtin) Valid() bool {
	return b == BuiltinNow || b == BuiltinToday || b == BuiltinTomorrow
}

var opsKnown = map[Op]bool{OpLit: true, OpBuiltin: true, OpField: true, OpVar: true, OpUnary: true, OpBinary: true,
	OpRange: true, OpCall: true, OpList: true, OpTemplate: true, OpTypeSel: true, OpAddress: true}

// Valid reports whether o is one of the constants.
func (o Op) Valid() bool { return opsKnown[o] }

// EmailTypes and PhoneTypes are the types a client's e-mail address or
// phone number can have: what an item's address is checked against when
// it is stored (compiler/types.EmailKinds and PhoneKinds, which the
// checker reads; a test holds them equal).
var (
	EmailTypes = []string{"work", "home", "mailing", "other"}
	PhoneTypes = []string{"work", "mobile", "home", "other"}
)
