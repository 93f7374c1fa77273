package diag

// Code identifies a kind of diagnostic. Codes are stable and append-only:
// editors, CI scripts and the spec (spec/errors.md) refer to them, so a code
// is never reused for a different meaning. A test keeps the spec and this
// table equal.
type Code string

// Lexical and syntax errors.
const (
	ESyntax        Code = "E001" // a token the grammar does not allow here
	EBadChar       Code = "E002" // a character that starts no token
	EUnterminated  Code = "E003" // a string without its closing quote
	EBadEscape     Code = "E004" // an unknown escape in a string
	EBadLiteral    Code = "E005" // a malformed number, duration, date or time
	EBadTemplate   Code = "E006" // a malformed {placeholder} in a text
	EExpectedDecl  Code = "E007" // a line that starts no declaration
	EUnreadable    Code = "E008" // a source file that cannot be read
	ETooLarge      Code = "E090" // a source file over the size limit
	ETooDeep       Code = "E091" // brackets nested past the depth limit
	ETooManyTokens Code = "E092" // a declaration over the token limit
)

// Name resolution errors.
const (
	EUnknownName     Code = "E100"
	EUnknownField    Code = "E101"
	EUnknownStage    Code = "E102"
	EUnknownPipeline Code = "E103"
	EUnknownEntity   Code = "E104"
	EUnknownResource Code = "E105"
	EUnknownSetting  Code = "E106"
	EUnknownAction   Code = "E107"
	EUnknownEvent    Code = "E108"
	EUnknownType     Code = "E109"
	EAmbiguousStage  Code = "E110"
	EDuplicate       Code = "E111"
	EDuplicateSet    Code = "E112"
	EUnknownFunc     Code = "E113"
	EUnknownSelector Code = "E114"
	ENotYetSet       Code = "E115"
	ENoPrevious      Code = "E116"
	EUnknownItem     Code = "E117"
	EDuplicateLabel  Code = "E118"
	ETwice           Code = "E119"
)

// Type errors.
const (
	EMismatch     Code = "E200"
	ESettingType  Code = "E201"
	ENotBool      Code = "E202"
	EBadCall      Code = "E203"
	EBadOperand   Code = "E204"
	ENoFields     Code = "E205"
	EBadSelector  Code = "E206"
	EBadMember    Code = "E207"
	EBadUpdate    Code = "E208"
	EBadTiming    Code = "E209"
	EBadFieldType Code = "E210"
)

// Errors in what a rule, trigger or declaration means.
const (
	EMissingSetting Code = "E300"
	EConflict       Code = "E301"
	EWrongEntity    Code = "E302"
	EBadTarget      Code = "E303"
	EBadPipeline    Code = "E304"
	EBadValue       Code = "E306"
	EBadTest        Code = "E307"
)

// Warnings: the program is valid but probably not what was meant.
const (
	WTextTooLong Code = "W001"
	WNeverFires  Code = "W002"
	WUnused      Code = "W003"
	WUnreachable Code = "W004"
	WSameIdent   Code = "W005"
	WSelfStart   Code = "W006"
)

// Codes lists every code with a one-line summary, in order.
var Codes = []struct {
	Code    Code
	Summary string
}{
	{ESyntax, "syntax error: a token the grammar does not allow here"},
	{EBadChar, "a character that starts no token"},
	{EUnterminated, "a string without its closing quote"},
	{EBadEscape, "an unknown escape sequence in a string"},
	{EBadLiteral, "a malformed number, duration, date, date-time or clock time"},
	{EBadTemplate, "a malformed {placeholder} in a text"},
	{EExpectedDecl, "a line that starts no declaration"},
	{EUnreadable, "a source file that cannot be read (a dangling symbolic link, a named pipe, no permission)"},
	{ETooLarge, "a source file over the size limit (1 MiB)"},
	{ETooDeep, "brackets nested deeper than the limit (32)"},
	{ETooManyTokens, "a declaration with more tokens than the limit (20,000)"},
	{EUnknownName, "unknown name"},
	{EUnknownField, "unknown field of an entity or result"},
	{EUnknownStage, "unknown stage"},
	{EUnknownPipeline, "unknown pipeline"},
	{EUnknownEntity, "unknown entity type"},
	{EUnknownResource, "unknown resource (mailbox, line, provider, channel, form, employee, template, calendar)"},
	{EUnknownSetting, "unknown setting of an action, trigger or declaration"},
	{EUnknownAction, "unknown action"},
	{EUnknownEvent, "unknown trigger event"},
	{EUnknownType, "unknown field type"},
	{EAmbiguousStage, "a stage name found in several pipelines of the entity"},
	{EDuplicate, "a name declared twice"},
	{EDuplicateSet, "a setting given twice"},
	{EUnknownFunc, "unknown function"},
	{EUnknownSelector, "unknown e-mail or phone type in [ ]"},
	{ENotYetSet, "a variable or result used where the rule that sets it has not run"},
	{ENoPrevious, "`then` on a rule with no earlier rule on the same stage"},
	{EUnknownItem, "unknown item in a test"},
	{EDuplicateLabel, "a label that names two rules or triggers"},
	{ETwice, "a rule or trigger written twice (the same stage, event, condition, action and settings): it would act twice"},
	{EMismatch, "operands of mismatched types"},
	{ESettingType, "a setting value of the wrong type"},
	{ENotBool, "a condition that is not a bool"},
	{EBadCall, "a function called with the wrong number or types of arguments"},
	{EBadOperand, "an operator applied to a type it does not take"},
	{ENoFields, "a field selected from a value that has no fields"},
	{EBadSelector, "an e-mail or phone type on a field that is not of that kind"},
	{EBadMember, "a value that is not a member of the enum or pipeline"},
	{EBadUpdate, "a field that an update cannot set"},
	{EBadTiming, "a delay or time of the wrong type"},
	{EBadFieldType, "a malformed field type"},
	{EMissingSetting, "a required setting is missing"},
	{EConflict, "settings that exclude each other, or none of a required choice"},
	{EWrongEntity, "an action or trigger used on an entity type it does not support"},
	{EBadTarget, "a `to` target of the wrong kind, or one the action does not take"},
	{EBadPipeline, "a malformed pipeline"},
	{EBadValue, "a value outside its allowed range"},
	{EBadTest, "a malformed test statement"},
	{WTextTooLong, "a text that is, or can become, longer than its limit (an SMS: 200 characters)"},
	{WNeverFires, "a trigger that can never fire"},
	{WUnused, "a variable or result that no later rule uses"},
	{WUnreachable, "a rule that can never run"},
	{WSameIdent, "rules or triggers told apart only by their order (their identity gets #2): name them with labels"},
	{WSelfStart, "a rule that makes an item in its own stage, which runs the rule again for it (a copy copying itself)"},
}
