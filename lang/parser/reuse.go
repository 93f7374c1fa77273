package parser

import (
	"strings"
	"unsafe"

	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/token"
)

// Re-parsing what an edit did not change. An editor sends a file's whole
// text after each keystroke, which changes one declaration of hundreds.
// Each declaration is parsed on its own from its own tokens (ParseFile),
// so a rule whose text is the same as in the last parse is the same tree,
// only at another place: a Cache keeps the last parse's rules by their
// text and moves each one whose text comes again to its new place,
// shifting its positions, instead of parsing it again.
//
// Only rules are kept (most declarations are rules, and they are the
// declarations that a shift knows every node of), and only those that
// parsed without a diagnostic, so that a kept rule reports nothing that a
// parse would have reported.
//
// A parsed rule's strings are pieces of the whole file's text (the lexer
// does not copy). A kept rule is moved to a copy of its own text first
// (own), so that the rules kept from edit to edit hold their own few
// hundred bytes each, not every older text of the file they came from.

// Cache holds the rules of the last parse of one file, for the next parse
// of the same file to take those whose text did not change. The zero
// Cache is empty. It is not safe for concurrent use.
type Cache struct {
	rules map[string]cachedRule   // by the declaration's text
	more  map[string][]cachedRule // the second and further rules of a text
	spare map[string]cachedRule   // an empty map, for the next parse's rules
}

type cachedRule struct {
	decl *ast.RuleDecl
	at   token.Pos // where its text starts: the position of its first token
	text string    // its text, its own copy (ownRule): the key it is kept by
}

// ParseFile parses f as the package's ParseFile does, and gives the same
// tree and diagnostics; a rule whose text is one the last ParseFile of c
// parsed is moved from that parse instead of parsed again. The rules are
// moved, not copied: the tree of the last parse must not be used any
// more.
func (c *Cache) ParseFile(f *token.File) (*ast.File, *diag.List) {
	return parseFile(f, c)
}

// start begins a parse: the rules it keeps go into next.
func (c *Cache) start(size int) (next *Cache) {
	next = &Cache{rules: c.spare}
	if next.rules == nil {
		next.rules = make(map[string]cachedRule, size)
	}
	return next
}

// finish ends a parse that kept its rules in next: they are the ones the
// next parse may take.
func (c *Cache) finish(next *Cache) {
	clear(c.rules) // what was not taken: no longer any parse's
	c.rules, c.more, c.spare = next.rules, next.more, c.rules
}

// keep records a rule of this parse.
func (c *Cache) keep(r cachedRule) {
	if _, dup := c.rules[r.text]; !dup {
		c.rules[r.text] = r
		return
	}
	if c.more == nil {
		c.more = map[string][]cachedRule{}
	}
	c.more[r.text] = append(c.more[r.text], r)
}

// take returns a rule of the last parse written as text, moved to start
// at at; false if there is none. Each rule is taken once: the same text
// twice is two rules.
func (c *Cache) take(text string, at token.Pos) (cachedRule, bool) {
	var k cachedRule
	if more := c.more[text]; len(more) > 0 {
		k = more[len(more)-1]
		c.more[text] = more[:len(more)-1]
	} else if r, ok := c.rules[text]; ok {
		k = r
		delete(c.rules, text)
	} else {
		return k, false
	}
	shiftRule(k.decl, at-k.at)
	k.at = at
	return k, true
}

// shiftRule moves every position of a rule by d. It knows every node a
// rule can hold that parsed without error; for any other it reports
// false, and the rule is not kept (so shiftRule(r, 0) tells whether r
// can be).
func shiftRule(r *ast.RuleDecl, d token.Pos) bool {
	s := shifter{d: d, ok: true}
	s.rule(r)
	return s.ok
}

func (s *shifter) rule(r *ast.RuleDecl) {
	s.ident(r.Label)
	r.On = s.pos(r.On)
	s.stageRef(r.Stage)
	r.Then = s.pos(r.Then)
	if t := r.Timing; t != nil {
		t.Keyword = s.pos(t.Keyword)
		if t.After != nil {
			s.expr(t.After)
		}
		s.expr(t.At)
		for _, o := range t.Options {
			s.ident(o)
		}
	}
	s.expr(r.Cond)
	r.Colon = s.pos(r.Colon)
	switch a := r.Action.(type) {
	case *ast.CallAction:
		s.ident(a.Verb)
		s.ident(a.Object)
		s.expr(a.Target)
		s.settings(a.Settings)
		s.ident(a.Result)
	case *ast.LetAction:
		a.Keyword = s.pos(a.Keyword)
		s.ident(a.Name)
		s.expr(a.Value)
	case *ast.UpdateAction:
		a.Update = s.pos(a.Update)
		s.expr(a.Field)
		s.expr(a.Value)
	default:
		s.ok = false
	}
}

type shifter struct {
	d  token.Pos
	ok bool // every node was one the shifter knows

	// When own is set, strings that are pieces of the text own copies
	// (from, of its length) are moved to the same piece of own.
	own  string
	from uintptr
}

// own moves a rule just parsed from text, whose declaration is written as
// text (a piece of the file's text), to a copy of text of its own: every
// string of the rule that is a piece of text becomes the same piece of
// the copy. It reports false, as shiftRule, for a rule it does not know
// every node of, and returns the copy, the rule's key in a Cache.
func ownRule(r *ast.RuleDecl, text string) (string, bool) {
	own := strings.Clone(text)
	s := shifter{ok: true, own: own, from: uintptr(unsafe.Pointer(unsafe.StringData(text)))}
	s.rule(r)
	return own, s.ok
}

// str moves *p into own when it is a piece of the text own copies.
func (s *shifter) str(p *string) {
	if s.own == "" || len(*p) == 0 {
		return
	}
	at := uintptr(unsafe.Pointer(unsafe.StringData(*p)))
	if at >= s.from && at+uintptr(len(*p)) <= s.from+uintptr(len(s.own)) {
		i := int(at - s.from)
		*p = s.own[i : i+len(*p)]
	}
}

// pos shifts a position that is set; NoPos stays NoPos.
func (s *shifter) pos(p token.Pos) token.Pos {
	if !p.IsValid() {
		return p
	}
	return p + s.d
}

func (s *shifter) ident(x *ast.Ident) {
	if x != nil {
		x.NamePos = s.pos(x.NamePos)
		s.str(&x.Name)
	}
}

func (s *shifter) name(x *ast.Name) {
	if x != nil {
		x.NamePos = s.pos(x.NamePos)
		s.str(&x.Raw)
		s.str(&x.Value)
	}
}

func (s *shifter) stageRef(x *ast.StageRef) {
	if x != nil {
		s.name(x.Pipeline)
		s.name(x.Stage)
	}
}

func (s *shifter) settings(list []*ast.Setting) {
	for _, st := range list {
		s.ident(st.Key)
		s.ident(st.Name)
		s.expr(st.Value)
	}
}

func (s *shifter) expr(e ast.Expr) {
	switch x := e.(type) {
	case nil:
	case *ast.Ident:
		s.ident(x)
	case *ast.BasicLit:
		if x == nil {
			return
		}
		x.ValuePos = s.pos(x.ValuePos)
		s.str(&x.Raw)
		s.str(&x.Value)
		for i := range x.Parts {
			s.str(&x.Parts[i].Text)
			s.expr(x.Parts[i].Expr)
		}
	case *ast.SelectorExpr:
		s.expr(x.X)
		s.ident(x.Sel)
	case *ast.TypeSelExpr:
		s.expr(x.X)
		x.Lbrack = s.pos(x.Lbrack)
		s.ident(x.Type)
		x.Rbrack = s.pos(x.Rbrack)
	case *ast.CallExpr:
		s.ident(x.Fun)
		for _, a := range x.Args {
			s.expr(a)
		}
		x.Rparen = s.pos(x.Rparen)
	case *ast.UnaryExpr:
		x.OpPos = s.pos(x.OpPos)
		s.str(&x.Op)
		s.expr(x.X)
	case *ast.BinaryExpr:
		s.expr(x.X)
		x.OpPos = s.pos(x.OpPos)
		s.str(&x.Op)
		s.expr(x.Y)
	case *ast.RangeExpr:
		s.expr(x.Lo)
		s.expr(x.Hi)
	case *ast.ListExpr:
		x.Lbrack = s.pos(x.Lbrack)
		for _, el := range x.Elems {
			s.expr(el)
		}
		x.Rbrack = s.pos(x.Rbrack)
	case *ast.ParenExpr:
		x.Lparen = s.pos(x.Lparen)
		s.expr(x.X)
		x.Rparen = s.pos(x.Rparen)
	default:
		s.ok = false // a BadExpr, or a node added to the language since
	}
}
