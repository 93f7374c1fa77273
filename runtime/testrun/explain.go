package testrun

import (
	"strings"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/compiler/plan"
	"github.com/stagecraft/stagecraft/lang/literal"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// A failed expectation is reported in the language's own words: the
// expression as the test writes it, and each value as a literal of the
// language (1500, 2026-11-23T09:00, "Sofa", Zapłacone, anna, -18d22h30m),
// never as Go would print it. The engine explains a skipped rule's
// condition with the same Explainer.

// explain says why a condition is not true: which operand of an and is
// false, and the values a comparison compared.
func (r *runner) explain(x *ir.Expr) string {
	return engine.Explainer{
		Source:  func(x *ir.Expr) string { return plan.Source(x) },
		Eval:    func(x *ir.Expr) value.Value { return r.eval(x, "") },
		Literal: r.literal,
	}.Explain(x)
}

// literal writes a value as the language writes it; kind is its static
// type's kind (ir.Expr.Kind), which tells a stage from a text. An item of
// the test is written by its name.
func (r *runner) literal(v value.Value, kind ir.Kind) string {
	return engine.Literal(v, kind, r.nameOf)
}

func quoteText(s string) string { return literal.Quote(s) }

// writeText writes what an effect recorded, which is text, as the
// language would write it: kind is the type the expectation gave it; ""
// when unknown, and then a text that reads as a number, date, datetime or
// bool is written as one (a deadline is 2026-11-23T13:00, not a string).
func writeText(s string, kind ir.Kind) string {
	switch kind {
	case "text", "url", "stage", "enum", "email", "phone", "resource", "ref":
		return quoteText(s)
	case "":
		if s == "true" || s == "false" {
			return s
		}
		for _, parse := range []func(string) (value.Value, error){value.ParseNumber, value.ParseDate, value.ParseDateTime} {
			if _, err := parse(s); err == nil && s != "" && !strings.HasPrefix(s, "+") {
				return s
			}
		}
		return quoteText(s)
	}
	if s == "" {
		return "null"
	}
	return s
}
