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
	Rule     gRuleDecl  `parser:"  @@"`
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

// gLabel is the explicit name of a rule or trigger, `repeat_lead:`. It
// starts Ident ':', where a resource starts Ident Ident, so the lookahead of
// 2 tells them apart.
type gLabel struct {
	Name *gIdent `parser:"@@ ':'"`
}

// gRuleDecl is a rule, read by readers.go's readRule: rules are most of a
// workspace (see the note on expressions below). Its only implementation
// is *gRule.
type gRuleDecl interface{ rule() *gRule }

func (r *gRule) rule() *gRule { return r }

type gRule struct {
	Pos    lexer.Position
	Label  *gLabel     `parser:"@@?"`
	On     lexer.Token `parser:"@'on'"`
	Stage  *gStageRef  `parser:"'stage' @@"`
	Then   *gThen      `parser:"@@?"`
	Timing *gTiming    `parser:"@@?"`
	Cond   gExpr       `parser:"('if' @@)?"`
	Action *gAction    `parser:"':' @@"`
}

type gTiming struct {
	Pos     lexer.Position
	After   *gDur     `parser:"(  'after' @@"`
	At      gExpr     `parser:" | 'at' @@ )"`
	Options []*gIdent `parser:"@@*"`
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
	Value gExpr   `parser:"'=' @@"`
}

type gUpdate struct {
	Pos   lexer.Position
	Field *gPath `parser:"'update' @@"`
	Value gExpr  `parser:"'=' @@"`
}

type gCall struct {
	Verb     *gIdent   `parser:"@@"`
	Object   *gIdent   `parser:"@@"`
	Target   gExpr     `parser:"('to' @@)?"`
	Settings gSettings `parser:"@@?"`
	Result   *gIdent   `parser:"('as' @@)?"`
}

// gSettings is a run of settings, read by readers.go's readSettings like
// expressions (see below); its only implementation is *gSettingList.
type gSettings interface{ settingList() []*gSetting }

type gSettingList struct {
	Items []*gSetting `parser:"@@+"`
}

func (l *gSettingList) settingList() []*gSetting { return l.Items }

type gSetting struct {
	Key   *gKey   `parser:"@@"`
	Name  *gIdent `parser:"(@@ ':')?"`
	Value gExpr   `parser:"@@"`
}

type gTrigger struct {
	Pos      lexer.Position
	Label    *gLabel     `parser:"@@?"`
	Move     lexer.Token `parser:"@'move'"`
	Stage    *gStageRef  `parser:"'to' 'stage' @@"`
	Event1   *gIdent     `parser:"'when' @@"`
	Event2   *gIdent     `parser:"@@"`
	Settings gSettings   `parser:"@@?"`
	Cond     gExpr       `parser:"('if' @@)?"`
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
	Args   []gExpr  `parser:"('(' (@@ (',' @@)*)?"`
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
	Kind     *gIdent   `parser:"@@"`
	Name     *gIdent   `parser:"@@"`
	Value    *gStr     `parser:"@@?"`
	Lbrace   *gLbrace  `parser:"(@@"`
	Settings gSettings `parser:" @@?"`
	Rbrace   *gRbrace  `parser:" @@)?"`
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
	Time gExpr `parser:"'at' @@"`
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
	Value gExpr  `parser:"'=' @@"`
}

type gEventStmt struct {
	Pos      lexer.Position
	Name1    *gIdent   `parser:"'event' @@"`
	Name2    *gIdent   `parser:"@@"`
	Item     *gIdent   `parser:"'on' @@"`
	Settings gSettings `parser:"@@?"`
}

// gExpectStmt reads no before the alternatives, so that the lookahead of 2
// decides between sent, created and timeline; no before a condition is
// refused by the checker.
type gExpectStmt struct {
	Pos      lexer.Position
	No       *gNo       `parser:"'expect' @@?"`
	Effect   *gEffect   `parser:"( @@"`
	Timeline *gTimeline `parser:"| @@"`
	Cond     gExpr      `parser:"| @@ )"`
}

type gEffect struct {
	Verb     *gVerb    `parser:"@@"`
	Kind     *gIdent   `parser:"@@"`
	Target   gExpr     `parser:"('to' @@)?"`
	Settings gSettings `parser:"@@?"`
	At       gExpr     `parser:"('at' @@)?"`
	After    *gIdent   `parser:"('after' @@)?"`
	As       *gIdent   `parser:"('as' @@)?"`
}

// gTimeline is expect [no] timeline ITEM TEXT [at TIME].
type gTimeline struct {
	Timeline lexer.Token `parser:"@'timeline'"`
	Item     *gIdent     `parser:"@@"`
	Text     *gStr       `parser:"@@"`
	At       gExpr       `parser:"('at' @@)?"`
}

type gItemStmt struct {
	Pos      lexer.Position
	Entity   *gIdent   `parser:"'given' @@"`
	Name     *gIdent   `parser:"@@"`
	Settings gSettings `parser:"'{' @@?"`
	Rbrace   *gRbrace  `parser:"@@"`
}

// Expressions. A field of type gExpr is read by readers.go's hand-written
// parser (registered with participle.ParseTypeWith), which builds the
// gExprRun structs below as participle would from their tags: a flat
// run of operands and binary operators, to which convert.go applies
// ast.Precedence. participle's reflective descent allocated a parse branch
// for every optional piece of every operand and made parsing the slowest
// stage of check by far; TestReadersAgree holds the hand parser to
// participle's own parser of these productions.

// gExpr is an expression in the declaration grammar; its only
// implementation is *gExprRun.
type gExpr interface{ exprRun() *gExprRun }

type gExprRun struct {
	Left *gOperand  `parser:"@@"`
	Rest []*gBinary `parser:"@@*"`
}

func (x *gExprRun) exprRun() *gExprRun { return x }

type gBinary struct {
	Pos   lexer.Position
	Op    string    `parser:"@('or' | 'and' | '==' | '!=' | '<=' | '>=' | '<' | '>' | 'in' | 'not' 'in' | '..' | '+' | '-' | '*' | '/' | '%')"`
	Right *gOperand `parser:"@@"`
}

// gOperand is a primary with its prefix operators (not, -) and its postfix
// selectors (.field, [type]).
type gOperand struct {
	Prefix []*gPrefix `parser:"@@*"`
	X      *gPrimary  `parser:"@@"`
	Ops    []*gPostOp `parser:"@@*"`
}

type gPrefix struct {
	Pos lexer.Position
	Op  string `parser:"@('not' | '-')"`
}

type gPostOp struct {
	Pos     lexer.Position
	Sel     *gWord   `parser:"  '.' @@"`
	TypeSel *gIdent  `parser:"| '[' @@"`
	Rbrack  *gRbrack `parser:"  @@"`
}

type gPrimary struct {
	Lit   lexer.Token `parser:"  @(Number | Duration | DateTime | Date | Clock | String | 'true' | 'false' | 'null')"`
	List  *gList      `parser:"| @@"`
	Paren *gParen     `parser:"| @@"`
	Ident *gIdent     `parser:"| @@"`
	Args  *gArgs      `parser:"  @@?"`
}

type gArgs struct {
	Args   []*gExprRun `parser:"'(' (@@ (',' @@)*)?"`
	Rparen *gRparen    `parser:"@@"`
}

type gList struct {
	Pos    lexer.Position
	Elems  []*gExprRun `parser:"'[' (@@ (',' @@)* ','?)?"`
	Rbrack *gRbrack    `parser:"@@"`
}

type gParen struct {
	Pos    lexer.Position
	X      *gExprRun `parser:"'(' @@"`
	Rparen *gRparen  `parser:"@@"`
}
