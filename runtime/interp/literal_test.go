package interp_test

import (
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/interp"
)

// TestLiteralOutOfRange: a literal outside the value domain (a 401-digit
// number, a date of year 0) plans to null, never ±Inf, and the planner
// reports it with its position, for the engine to refuse the program.
func TestLiteralOutOfRange(t *testing.T) {
	pos := ir.Pos{File: "w.rules", Line: 3, Col: 14}
	for _, c := range []struct {
		kind      ir.Kind
		lit, want string
	}{
		{"number", "1" + strings.Repeat("0", 400), "w.rules:3:14: number literal: number 10000000000000000000… (401 characters) is beyond the largest number"},
		{"money", "-1e309", "money literal: number -1e309 is beyond the largest number"},
		{"date", "0000-01-01", "date literal: 0000-01-01: date -6.21672192e+10 is out of range"},
		{"text", "bad \xff", "text literal: text: text is not valid UTF-8"},
	} {
		pl := interp.NewPlanner(&ir.Program{}, nil)
		lit := &ir.Expr{Op: ir.OpLit, Kind: c.kind, Lit: c.lit, Pos: pos}
		env := &interp.Env{World: world{}}
		env.Reset(nil)
		if v := pl.Plan(lit, "deal")(env); !v.IsNull() {
			t.Errorf("%s %.20s planned to %#v, want null", c.kind, c.lit, v)
		}
		if err := pl.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %.20s: Err() = %v, want %q", c.kind, c.lit, err, c.want)
		}
	}
	pl := interp.NewPlanner(&ir.Program{}, nil)
	for _, lit := range []string{"1e-400", "1.7976931348623157e308", "0"} {
		pl.Plan(&ir.Expr{Op: ir.OpLit, Kind: "number", Lit: lit}, "deal")
	}
	pl.Truth(&ir.Expr{Op: ir.OpLit, Kind: "bool", Lit: "true"}, "deal")
	if err := pl.Err(); err != nil {
		t.Errorf("literals within the domain: %v", err)
	}
}
