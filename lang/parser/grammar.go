package parser

import "github.com/alecthomas/participle/v2/lexer"

// The grammar, as participle structs. These types are private to the parser:
// convert.go turns them into the ast package's tree. spec/grammar.ebnf is
// participle's own rendering of this grammar, kept equal by a golden test.
//
// Disjunctions are decided by their first one or two tokens (the parser runs
// with a lookahead of 2), so an error is reported where the input went wrong
// rather than where an alternative gave up.

type gFile struct {
	Decls []*gDecl `parser:"@@*"`
}

type gDecl struct {
	Rule     *gRule     `parser:"  @@"`
	Trigger  *gTrigger  `parser:"| @@"`
	Field    *gField    `parser:"| @@"`
	Pipeline *gPipeline `parser:"| @@"`
	Test     *gTest     `parser:"| @@"`
	Resource *gResource `parser:"| @@"`
}

// Terminals that carry their own position.

type gIdent struct {
	Pos  lexer.Position
	Name string `parser:"@Ident"`
}

// gKey is a setting's key; stage is a keyword but also a setting (copy deal, test items).
type gKey struct {
	Pos  lexer.Position
	Name string `parser:"@(Ident | 'stage')"`
}

// gWord is a name after a dot or a type name, where keywords are allowed (deal.stage).
type gWord struct {
	Pos  lexer.Position
	Name string `parser:"@(Ident | Keyword)"`
}

type gName struct {
	Pos    lexer.Position
	Bare   string `parser:"  @Ident"`
	Quoted string `parser:"| @String"`
}

type gStr struct {
	Pos lexer.Position
	Raw string `parser:"@String"`
}

type gDur struct {
	Pos lexer.Position
	Raw string `parser:"@Duration"`
}

type gThen struct {
	Pos  lexer.Position
	Then bool `parser:"@'then'"`
}

type gNo struct {
	Pos lexer.Position
	No  bool `parser:"@'no'"`
}

type gVerb struct {
	Pos  lexer.Position
	Verb string `parser:"@('sent' | 'created')"`
}

type gRparen struct {
	Pos lexer.Position
	V   string `parser:"@')'"`
}

type gRbrack struct {
	Pos lexer.Position
	V   string `parser:"@']'"`
}

type gLbrace struct {
	Pos lexer.Position
	V   string `parser:"@'{'"`
}

type gRbrace struct {
	Pos lexer.Position
	V   string `parser:"@'}'"`
}

type gStageRef struct {
	First  *gName `parser:"@@"`
	Second *gName `parser:"('.' @@)?"`
}

// gPath is a field path: deal.amount, contact.city.
type gPath struct {
	Head *gIdent  `parser:"@@"`
	Sels []*gWord `parser:"('.' @@)*"`
}

// Declarations.

type gRule struct {
	Pos    lexer.Position
	Stage  *gStageRef `parser:"'on' 'stage' @@"`
	Then   *gThen     `parser:"@@?"`
	Timing *gTiming   `parser:"@@?"`
	Cond   *gExpr     `parser:"('if' @@)?"`
	Action *gAction   `parser:"':' @@"`
}

type gTiming struct {
	Pos      lexer.Position
	After    *gDur   `parser:"(  'after' @@"`
	At       *gExpr  `parser:" | 'at' @@ )"`
	Worktime *gIdent `parser:"@@?"`
}

type gAction struct {
	Let    *gLet    `parser:"  @@"`
	Update *gUpdate `parser:"| @@"`
	Call   *gCall   `parser:"| @@"`
}

type gLet struct {
	Pos   lexer.Position
	Kind  string  `parser:"@('let' | 'calc')"`
	Name  *gIdent `parser:"@@"`
	Value *gExpr  `parser:"'=' @@"`
}

type gUpdate struct {
	Pos   lexer.Position
	Field *gPath `parser:"'update' @@"`
	Value *gExpr `parser:"'=' @@"`
}

type gCall struct {
	Verb     *gIdent     `parser:"@@"`
	Object   *gIdent     `parser:"@@"`
	Target   *gExpr      `parser:"('to' @@)?"`
	Settings []*gSetting `parser:"@@*"`
	Result   *gIdent     `parser:"('as' @@)?"`
}

type gSetting struct {
	Key   *gKey   `parser:"@@"`
	Name  *gIdent `parser:"(@@ ':')?"`
	Value *gExpr  `parser:"@@"`
}

type gTrigger struct {
	Pos      lexer.Position
	Stage    *gStageRef  `parser:"'move' 'to' 'stage' @@"`
	Event1   *gIdent     `parser:"'when' @@"`
	Event2   *gIdent     `parser:"@@"`
	Settings []*gSetting `parser:"@@*"`
	Cond     *gExpr      `parser:"('if' @@)?"`
	As       *gIdent     `parser:"('as' @@)?"`
}

type gField struct {
	Pos    lexer.Position
	Entity *gIdent `parser:"'field' @@"`
	Name   *gWord  `parser:"'.' @@"`
	Type   *gType  `parser:"':' @@"`
	Label  *gStr   `parser:"@@?"`
}

type gType struct {
	Name   *gWord   `parser:"@@"`
	Args   []*gExpr `parser:"('(' (@@ (',' @@)*)?"`
	Rparen *gRparen `parser:" @@)?"`
}

type gPipeline struct {
	Pos    lexer.Position
	Entity *gIdent   `parser:"'pipeline' @@"`
	Name   *gName    `parser:"@@"`
	Stages []*gStage `parser:"'{' @@*"`
	Rbrace *gRbrace  `parser:"@@"`
}

type gStage struct {
	Pos  lexer.Position
	Name *gName  `parser:"'stage' @@"`
	Kind *gIdent `parser:"@@?"`
}

type gResource struct {
	Kind     *gIdent     `parser:"@@"`
	Name     *gIdent     `parser:"@@"`
	Value    *gStr       `parser:"@@?"`
	Lbrace   *gLbrace    `parser:"(@@"`
	Settings []*gSetting `parser:" @@*"`
	Rbrace   *gRbrace    `parser:" @@)?"`
}

// Tests.

type gTest struct {
	Pos    lexer.Position
	Name   *gStr    `parser:"'test' @@"`
	Stmts  []*gStmt `parser:"'{' @@*"`
	Rbrace *gRbrace `parser:"@@"`
}

type gStmt struct {
	At     *gAtStmt     `parser:"  @@"`
	Wait   *gWaitStmt   `parser:"| @@"`
	Move   *gMoveStmt   `parser:"| @@"`
	Set    *gSetStmt    `parser:"| @@"`
	Event  *gEventStmt  `parser:"| @@"`
	Expect *gExpectStmt `parser:"| @@"`
	Item   *gItemStmt   `parser:"| @@"`
}

type gAtStmt struct {
	Pos  lexer.Position
	Time *gExpr `parser:"'at' @@"`
}

type gWaitStmt struct {
	Pos      lexer.Position
	Duration *gDur `parser:"'wait' @@"`
}

type gMoveStmt struct {
	Pos   lexer.Position
	Item  *gIdent    `parser:"'move' @@"`
	Stage *gStageRef `parser:"'to' @@"`
	By    *gIdent    `parser:"('by' @@)?"`
}

type gSetStmt struct {
	Pos   lexer.Position
	Field *gPath `parser:"'set' @@"`
	Value *gExpr `parser:"'=' @@"`
}

type gEventStmt struct {
	Pos      lexer.Position
	Name1    *gIdent     `parser:"'event' @@"`
	Name2    *gIdent     `parser:"@@"`
	Item     *gIdent     `parser:"'on' @@"`
	Settings []*gSetting `parser:"@@*"`
}

type gExpectStmt struct {
	Pos      lexer.Position
	Effect   *gEffect   `parser:"'expect' ( @@"`
	Timeline *gTimeline `parser:"         | @@"`
	Cond     *gExpr     `parser:"         | @@ )"`
}

type gEffect struct {
	No       *gNo        `parser:"@@?"`
	Verb     *gVerb      `parser:"@@"`
	Kind     *gIdent     `parser:"@@"`
	Target   *gExpr      `parser:"('to' @@)?"`
	Settings []*gSetting `parser:"@@*"`
}

type gTimeline struct {
	Pos  lexer.Position
	Item *gIdent `parser:"'timeline' @@"`
	Text *gStr   `parser:"@@"`
}

type gItemStmt struct {
	Pos      lexer.Position
	Entity   *gIdent     `parser:"'given' @@"`
	Name     *gIdent     `parser:"@@"`
	Settings []*gSetting `parser:"'{' @@*"`
	Rbrace   *gRbrace    `parser:"@@"`
}

// Expressions, loosest first.

type gExpr struct {
	Left *gAnd      `parser:"@@"`
	Rest []*gOrTail `parser:"@@*"`
}

type gOrTail struct {
	Pos   lexer.Position
	Op    string `parser:"@'or'"`
	Right *gAnd  `parser:"@@"`
}

type gAnd struct {
	Left *gNot       `parser:"@@"`
	Rest []*gAndTail `parser:"@@*"`
}

type gAndTail struct {
	Pos   lexer.Position
	Op    string `parser:"@'and'"`
	Right *gNot  `parser:"@@"`
}

type gNot struct {
	Pos lexer.Position
	Not *gNot `parser:"  'not' @@"`
	X   *gCmp `parser:"| @@"`
}

type gCmp struct {
	Left *gAdd     `parser:"@@"`
	Tail *gCmpTail `parser:"@@?"`
}

type gCmpTail struct {
	Pos   lexer.Position
	Op    string `parser:"@('==' | '!=' | '<=' | '>=' | '<' | '>' | 'in' | 'not' 'in')"`
	Right *gAdd  `parser:"@@"`
	Hi    *gAdd  `parser:"('..' @@)?"`
}

type gAdd struct {
	Left *gMul       `parser:"@@"`
	Rest []*gAddTail `parser:"@@*"`
}

type gAddTail struct {
	Pos   lexer.Position
	Op    string `parser:"@('+' | '-')"`
	Right *gMul  `parser:"@@"`
}

type gMul struct {
	Left *gUnary     `parser:"@@"`
	Rest []*gMulTail `parser:"@@*"`
}

type gMulTail struct {
	Pos   lexer.Position
	Op    string  `parser:"@('*' | '/' | '%')"`
	Right *gUnary `parser:"@@"`
}

type gUnary struct {
	Pos lexer.Position
	Neg *gUnary   `parser:"  '-' @@"`
	X   *gPostfix `parser:"| @@"`
}

type gPostfix struct {
	X   *gPrimary  `parser:"@@"`
	Ops []*gPostOp `parser:"@@*"`
}

type gPostOp struct {
	Pos     lexer.Position
	Sel     *gWord   `parser:"  '.' @@"`
	TypeSel *gIdent  `parser:"| '[' @@"`
	Rbrack  *gRbrack `parser:"  @@"`
}

type gPrimary struct {
	Pos      lexer.Position
	Number   string  `parser:"  @Number"`
	Duration string  `parser:"| @Duration"`
	DateTime string  `parser:"| @DateTime"`
	Date     string  `parser:"| @Date"`
	Clock    string  `parser:"| @Clock"`
	String   string  `parser:"| @String"`
	Bool     string  `parser:"| @('true' | 'false')"`
	Null     bool    `parser:"| @'null'"`
	List     *gList  `parser:"| @@"`
	Paren    *gParen `parser:"| @@"`
	Ident    *gIdent `parser:"| @@"`
	Args     *gArgs  `parser:"  @@?"`
}

type gArgs struct {
	Args   []*gExpr `parser:"'(' (@@ (',' @@)*)?"`
	Rparen *gRparen `parser:"@@"`
}

type gList struct {
	Pos    lexer.Position
	Elems  []*gExpr `parser:"'[' (@@ (',' @@)* ','?)?"`
	Rbrack *gRbrack `parser:"@@"`
}

type gParen struct {
	Pos    lexer.Position
	X      *gExpr   `parser:"'(' @@"`
	Rparen *gRparen `parser:"@@"`
}
