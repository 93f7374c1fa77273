package ops_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/lower"
	"github.com/stagecraft/stagecraft/compiler/types"
	"github.com/stagecraft/stagecraft/internal/compile"
	"github.com/stagecraft/stagecraft/lang/ast"
	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/runtime/interp"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/runtime/value/ops"
	"github.com/stagecraft/stagecraft/stdlib"
)

// workspace declares a field of every type a field can have, a resource,
// an employee and a rule binding a record (r); each case adds one rule,
// `on stage S then: let v = EXPR`, after it.
const workspace = `pipeline deal P {
    stage S
    stage W won
}
field deal.n: number "n"
field deal.m: money "m"
field deal.t: text "t"
field deal.u: url "u"
field deal.f: file "f"
field deal.e: enum("A", "B") "e"
field deal.d: date "d"
field deal.dt: datetime "dt"
field deal.b: bool "b"
field deal.em: email "em"
field deal.ph: phone "ph"
mailbox shop "shop@example.com"
employee anna "Anna" { email "anna@example.com" }
on stage S: call webhook url "https://example.com" as r
`

// operand is an expression of one type, and the values it takes when run:
// those of the field (or of the variable r) it reads.
type operand struct {
	src   string
	field string // a field of the deal, "r" for the variable, "" for none
	vals  []value.Value
}

func dt(n int64) value.Value { return value.Value{K: value.DateTime, N: float64(n)} }

var (
	null     = value.Value{}
	dates    = []value.Value{null, date("2026-11-23"), date("0001-01-01"), date("9999-12-31")}
	times    = []value.Value{null, datetime("2026-11-23T09:00"), dt(value.MinTime), dt(value.MaxTime)}
	emails   = []value.Value{null, value.ListOf(value.TypedText("work", "a@example.com"))}
	phones   = []value.Value{null, value.ListOf(value.TypedText("mobile", "+48 600 100 200"))}
	record   = value.RecordOf([]string{"status", "body"}, []value.Value{value.NumberOf(200), value.TextOf("ok")})
	operands = []operand{
		{src: "3"},
		{src: "0.5"},
		{"deal.n", "n", []value.Value{null, value.NumberOf(0), value.NumberOf(-2.5), value.NumberOf(1e200), value.NumberOf(-1e200)}},
		{"deal.m", "m", []value.Value{null, value.MoneyOf(0), value.MoneyOf(12.34), value.MoneyOf(1e300)}},
		{src: `"x"`},
		{"deal.t", "t", []value.Value{null, value.TextOf(""), value.TextOf("abc")}},
		{"deal.u", "u", []value.Value{null, value.TextOf("https://example.com")}},
		{"deal.f", "f", []value.Value{null, value.TextOf("umowa.pdf")}},
		{"deal.e", "e", []value.Value{null, value.TextOf("A")}},
		{"deal.d", "d", dates},
		{src: "2026-11-23"},
		{"deal.dt", "dt", times},
		{src: "2026-11-23T09:00"},
		{src: "14:00"},
		{"time(deal.dt)", "dt", times},
		{src: "1d"},
		{src: "2h"},
		{"(deal.dt - 2026-01-01T00:00)", "dt", times}, // a duration as large as times make it
		{"deal.b", "b", []value.Value{null, value.BoolOf(true), value.BoolOf(false)}},
		{src: "true"},
		{src: "null"},
		{"deal.em", "em", emails},
		{"deal.em[work]", "em", emails},
		{src: `work("a@example.com")`},
		{"deal.ph", "ph", phones},
		{"deal.ph[mobile]", "ph", phones},
		{"deal.stage", "stage", []value.Value{value.TextOf("S"), value.TextOf("W")}},
		{"deal.contact", "contact", []value.Value{null, value.RefOf("contact", "7")}},
		{"deal.responsible", "responsible", []value.Value{null, value.RefOf("user", "anna")}},
		{src: "anna"},
		{src: "deal"},
		{"deal.contacts", "contacts", []value.Value{null, value.ListOf(value.RefOf("contact", "7"))}},
		{src: "[1, 2]"},
		{src: "[]"},
		{src: "shop"},
		{"r", "r", []value.Value{null, record}},
		{"r.status", "r", []value.Value{null, record}},
	}
	// members are comparisons that name a stage or an enum's value.
	members = []operand{
		{"deal.stage == W", "stage", []value.Value{value.TextOf("S"), value.TextOf("W")}},
		{"W != deal.stage", "stage", []value.Value{value.TextOf("S"), value.TextOf("W")}},
		{"deal.stage in [S, W]", "stage", []value.Value{value.TextOf("S"), value.TextOf("W")}},
		{`deal.e == "A"`, "e", []value.Value{null, value.TextOf("A")}},
		{`deal.e not in ["B"]`, "e", []value.Value{null, value.TextOf("A")}},
	}
)

// TestEveryOverload writes every operator over every pair of operand types
// (every triple for ranges, every type for the prefix operators) into a
// rule, checks it, and: when the checker accepts it, lowers it and runs it
// over every value of its fields, in a value and (for a bool) in a
// condition, and holds the result to the type the checker promised (or
// null), with no evaluation error; when the checker refuses it, the table
// has no overload for the operand types either. Every overload of the table
// must be reached.
func TestEveryOverload(t *testing.T) {
	if _, err := compile.Universe(); err != nil {
		t.Fatal(err)
	}
	funcs := stdlib.Runtime().Funcs
	var exprs []string
	var cases [][]operand
	for _, sym := range []string{"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"} {
		for _, x := range operands {
			for _, y := range operands {
				exprs = append(exprs, x.src+" "+sym+" "+y.src)
				cases = append(cases, []operand{x, y})
			}
		}
	}
	for _, sym := range []string{"in", "not in"} {
		for _, x := range operands {
			for _, y := range operands {
				exprs = append(exprs, x.src+" "+sym+" "+y.src+".."+y.src)
				cases = append(cases, []operand{x, y})
			}
		}
	}
	for _, sym := range []string{"-", "not "} {
		for _, x := range operands {
			exprs = append(exprs, sym+x.src)
			cases = append(cases, []operand{x})
		}
	}
	for _, m := range members {
		exprs = append(exprs, m.src)
		cases = append(cases, []operand{m})
	}
	if testing.Short() {
		exprs, cases = exprs[:len(exprs)/10], cases[:len(cases)/10]
	}

	reached := map[string]int{}
	accepted := 0
	const batch = 64 // expressions checked in one workspace, each in a rule of its own
	for start := 0; start < len(exprs); start += batch {
		end := min(start+batch, len(exprs))
		c := checkLets(t, exprs[start:end])
		var ok []int
		for i, e := range letValues(c) {
			if c.Diags.HasErrors() && hasError(c, e) {
				refused(t, exprs[start+i], c, e)
				continue
			}
			ok = append(ok, start+i)
		}
		if len(ok) == 0 {
			continue
		}
		var srcs []string
		for _, i := range ok {
			srcs = append(srcs, exprs[i])
		}
		c = checkLets(t, srcs)
		if c.Diags.HasErrors() {
			t.Fatalf("expressions accepted one by one are refused together: %v", c.Diags.Sorted())
		}
		p := lower.Lower(c.Fset, c.Files, c.Info)
		for j, e := range letValues(c) {
			src, ov, want := srcs[j], c.Info.Overloads[e], c.Info.Types[e]
			if ov == nil {
				t.Errorf("%s: checks as %s, with no overload recorded", src, want)
				continue
			}
			accepted++
			reached[ov.ID]++
			if want.Kind != ov.Result.Kind {
				t.Errorf("%s: checks as %s; its overload %s promises %s", src, want, ov.ID, ov.Result)
			}
			x := p.Rules[j+1].Action.Value // after the rule binding r
			if x.Overload != ov.ID {
				t.Errorf("%s: the IR runs %q, the checker resolved %s", src, x.Overload, ov.ID)
			}
			run(t, src, p, x, funcs, want, cases[ok[j]])
		}
	}
	t.Logf("%d expressions, %d accepted, %d overloads reached", len(exprs), accepted, len(reached))
	if testing.Short() {
		return
	}
	var missed []string
	for _, ov := range ops.Overloads() {
		if reached[ov.ID] == 0 {
			missed = append(missed, ov.ID)
		}
	}
	if len(missed) > 0 {
		t.Errorf("overloads no expression reached: %s", strings.Join(missed, ", "))
	}
}

// checkLets checks the workspace with a rule `let vN = EXPR` for each
// expression, each after the one before (and all after the rule binding r).
func checkLets(t *testing.T, exprs []string) *compile.Checked {
	t.Helper()
	var b strings.Builder
	b.WriteString(workspace)
	for i, e := range exprs {
		fmt.Fprintf(&b, "on stage S then: let v%d = %s\n", i, e)
	}
	c, err := compile.Check([]compile.Source{{Name: "w.rules", Src: []byte(b.String())}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(letValues(c)); n != len(exprs) {
		t.Fatalf("%d let rules for %d expressions: %v", n, len(exprs), c.Diags.Sorted())
	}
	return c
}

// hasError reports whether an error falls within e.
func hasError(c *compile.Checked, e ast.Expr) bool {
	for _, d := range c.Diags.Sorted() {
		if d.Severity == diag.Error && d.Pos >= e.Pos() && d.Pos < e.End() {
			return true
		}
	}
	return false
}

// letValues are the values of the let rules, in order.
func letValues(c *compile.Checked) []ast.Expr {
	var out []ast.Expr
	for _, d := range c.Files[0].Decls {
		if r, ok := d.(*ast.RuleDecl); ok {
			if let, ok := r.Action.(*ast.LetAction); ok {
				out = append(out, let.Value)
			}
		}
	}
	return out
}

// refused checks that the checker refused an expression for a reason the
// table agrees with: no overload for its operand types (or an operand that
// is wrong in itself), or a date moved by a literal that is not whole days.
func refused(t *testing.T, src string, c *compile.Checked, e ast.Expr) {
	t.Helper()
	for _, d := range c.Diags.Sorted() {
		if d.Code == diag.EBadValue && strings.Contains(d.Message, "whole days") {
			return
		}
	}
	var op ops.Op
	var args []ast.Expr
	switch e := e.(type) {
	case *ast.BinaryExpr:
		args = []ast.Expr{e.X, e.Y}
		op, _ = ops.Binary(e.Op)
		if r, ok := e.Y.(*ast.RangeExpr); ok {
			args = []ast.Expr{e.X, r.Lo, r.Hi}
			op = map[string]ops.Op{"in": ops.InRange, "not in": ops.NotInRange}[e.Op]
		}
	case *ast.UnaryExpr:
		args = []ast.Expr{e.X}
		op, _ = ops.Unary(e.Op)
	default:
		return // an operand alone, refused for itself
	}
	var ts []*types.Type
	for _, a := range args {
		at := c.Info.Types[a]
		if at == nil || at.Kind == types.Invalid {
			return // the operand itself is wrong
		}
		ts = append(ts, at)
	}
	if ov, _ := ops.Resolve(op, ts...); ov != nil {
		t.Errorf("%s: refused (%v), but the table has %s for %v", src, c.Diags.Sorted(), ov.ID, ts)
	}
}

// world serves the variable r.
type world struct{ r value.Value }

func (world) Load(string, string) *interp.Item { return nil }
func (world) Named(string) *interp.Item        { return nil }
func (w *world) Var(int) value.Value           { return w.r }

// run evaluates x over every combination of its operands' values.
func run(t *testing.T, src string, p *ir.Program, x *ir.Expr, funcs map[string]interp.Func, want *types.Type, operands []operand) {
	t.Helper()
	pl := interp.NewPlanner(p, funcs)
	eval := pl.Plan(x, "deal")
	var cond func(*interp.Env) bool
	if want.Kind == types.Bool {
		cond = pl.Truth(x, "deal")
	}
	var deal *ir.Entity
	for _, e := range p.Entities {
		if e.Name == "deal" {
			deal = e
		}
	}
	w := &world{}
	env := &interp.Env{World: w}
	for _, vals := range combinations(operands) {
		item := &interp.Item{ID: "1", Entity: "deal", Pipeline: "P", Fields: make([]value.Value, len(deal.Fields))}
		item.Fields[pl.Slot("deal", "stage")] = value.TextOf("S")
		var set []string
		for field, v := range vals {
			if field == "r" {
				w.r = v
			} else {
				item.Fields[pl.Slot("deal", field)] = v
			}
			set = append(set, fmt.Sprintf("%s=%#v", field, v))
		}
		sort.Strings(set)
		env.Reset(item)
		got := eval(env)
		if env.Err() != nil {
			t.Errorf("%s with %v: %v", src, set, env.Err())
		}
		if !ops.Holds(want, got) {
			t.Errorf("%s with %v = %#v, not a %s", src, set, got, want)
		}
		if cond != nil {
			env.Reset(item)
			if c := cond(env); c != value.Truth(got) {
				t.Errorf("%s with %v: as a condition %v, as a value %v", src, set, c, got)
			}
		}
	}
}

// combinations lists the values of the operands' fields together: every
// value of each field, with every value of the other.
func combinations(operands []operand) []map[string]value.Value {
	out := []map[string]value.Value{{}}
	for _, o := range operands {
		if o.field == "" {
			continue
		}
		if _, done := out[0][o.field]; done {
			continue // the other operand reads the same field
		}
		var next []map[string]value.Value
		for _, m := range out {
			for _, v := range o.vals {
				n := map[string]value.Value{o.field: v}
				for k, w := range m {
					n[k] = w
				}
				next = append(next, n)
			}
		}
		out = next
	}
	return out
}
