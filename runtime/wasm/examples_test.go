package wasm

import (
	"context"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/value"
)

// The SDK examples of examples/actions, built from source by their
// build.sh and called as the engine will call them.

func date(t *testing.T, s string) value.Value {
	t.Helper()
	v, err := value.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestExampleWATRabat(t *testing.T) {
	m := load(t, newHost(t, Options{}), example(t, "wat"))
	for _, c := range []struct {
		amount   float64
		category string
		price    float64
		reason   string
	}{
		{12300, "Kuchnie", 11070, "Kuchnie: 10%"},
		{1000, "Meble", 1000, "bez rabatu"},
		{5000, "Meble", 4750, "zamówienie od 5000: 5%"},
		{99.99, "Kuchnie", 89.99, "Kuchnie: 10%"},
		{0.05, "Kuchnie", 0.05, "Kuchnie: 10%"},
		{-10, "Meble", -10, "bez rabatu"},
	} {
		out, err := m.Call(context.Background(), "rabat", map[string]value.Value{
			"amount": value.MoneyOf(c.amount), "category": value.TextOf(c.category)})
		if err != nil {
			t.Fatalf("%v %s: %v", c.amount, c.category, err)
		}
		if out["price"].K != value.Money || out["price"].N != c.price || out["reason"].S != c.reason {
			t.Errorf("rabat(%v, %s) = %v, want %v %q", c.amount, c.category, out, c.price, c.reason)
		}
	}
}

func TestExampleGoPhone(t *testing.T) {
	m := load(t, newHost(t, Options{}), example(t, "go"))
	for _, c := range []struct{ in, country, want string }{
		{"602 000 111", "", "+48602000111"},
		{"+48 602-000-111", "", "+48602000111"},
		{"0048 (602) 000 111", "", "+48602000111"},
		{"602 000 11", "", ""},
		{"call me", "", ""},
		{"030 1234567", "49", "+49301234567"},
	} {
		in := map[string]value.Value{"number": value.TextOf(c.in)}
		if c.country != "" {
			in["country"] = value.TextOf(c.country)
		}
		res, err := m.Invoke(context.Background(), "e164", in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		out := res.Outputs
		if got := out["e164"]; got.S != c.want || value.Truth(out["valid"]) != (c.want != "") || (c.want == "") != got.IsNull() {
			t.Errorf("e164(%q) = %v (log %q), want %q", c.in, out, res.Log, c.want)
		}
	}
}

func TestExampleGoDeliveryDate(t *testing.T) {
	m := load(t, newHost(t, Options{}), example(t, "go"))
	holidays := value.ListOf(date(t, "2026-12-24"), date(t, "2026-12-25"), date(t, "2026-12-26"))
	for _, c := range []struct {
		from string
		days float64
		hol  bool
		want string
	}{
		{"2026-12-18", 1, false, "2026-12-21"}, // Friday + 1 = Monday
		{"2026-12-19", 0, false, "2026-12-21"}, // Saturday: the next working day
		{"2026-12-22", 3, true, "2026-12-29"},  // Tue + 3 skipping Christmas and the weekend
		{"2026-12-22", 3, false, "2026-12-25"},
	} {
		in := map[string]value.Value{"from": date(t, c.from), "days": value.NumberOf(c.days)}
		if c.hol {
			in["holidays"] = holidays
		}
		out, err := m.Call(context.Background(), "delivery_date", in)
		if err != nil {
			t.Fatal(err)
		}
		if out["date"].K != value.Date || out["date"].String() != c.want {
			t.Errorf("delivery_date(%s, %v, holidays %v) = %v, want %s", c.from, c.days, c.hol, out, c.want)
		}
	}
	_, err := m.Call(context.Background(), "delivery_date", map[string]value.Value{"from": date(t, "2026-12-22"), "days": value.NumberOf(-1)})
	if _, ok := err.(*ActionError); !ok {
		t.Errorf("days -1: err = %v, want the module's ActionError", err)
	}
}

// TestDeterminism calls each example many times, on instances of its own
// and on instances of another host: the same inputs give the same bytes.
func TestDeterminism(t *testing.T) {
	for _, c := range []struct {
		dir, action string
		in          map[string]value.Value
	}{
		{"wat", "rabat", map[string]value.Value{"amount": value.MoneyOf(12345.67), "category": value.TextOf("Kuchnie")}},
		{"go", "e164", map[string]value.Value{"number": value.TextOf("602 000 111")}},
		{"go", "delivery_date", map[string]value.Value{"from": date(t, "2026-12-22"), "days": value.NumberOf(7)}},
		{"assemblyscript", "lead_score", map[string]value.Value{"amount": value.MoneyOf(12000), "source": value.TextOf("web")}},
	} {
		bin := example(t, c.dir)
		var first string
		for _, h := range []*Host{newHost(t, Options{}), newHost(t, Options{})} {
			m := load(t, h, bin)
			for i := 0; i < 3; i++ {
				res, err := m.Invoke(context.Background(), c.action, c.in)
				if err != nil {
					t.Fatal(err)
				}
				got := fmtOutputs(res)
				if first == "" {
					first = got
				} else if got != first {
					t.Fatalf("%s: %s, then %s", c.action, first, got)
				}
			}
		}
	}
}

func fmtOutputs(r Result) string {
	s := ""
	for _, k := range []string{"price", "reason", "e164", "valid", "date", "score", "grade"} {
		if v, ok := r.Outputs[k]; ok {
			s += k + "=" + string(v.AppendJSON(nil)) + " "
		}
	}
	return s + "log=" + r.Log
}

func TestExampleAssemblyScriptLeadScore(t *testing.T) {
	m := load(t, newHost(t, Options{}), example(t, "assemblyscript"))
	for _, c := range []struct {
		in    map[string]value.Value
		score float64
		grade string
	}{
		{map[string]value.Value{"amount": value.MoneyOf(60000), "source": value.TextOf("referral"),
			"employees": value.NumberOf(300), "has_phone": value.BoolOf(true)}, 100, "A"},
		{map[string]value.Value{"amount": value.MoneyOf(12000), "source": value.TextOf("web")}, 50, "C"},
		{map[string]value.Value{"amount": value.MoneyOf(500), "source": value.TextOf("cold \"call\"")}, 10, "D"},
		{map[string]value.Value{"amount": value.MoneyOf(2000), "source": value.TextOf("ads"),
			"employees": value.NumberOf(60), "has_phone": value.BoolOf(false)}, 40, "C"},
	} {
		res, err := m.Invoke(context.Background(), "lead_score", c.in)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outputs["score"].N != c.score || res.Outputs["grade"].S != c.grade || !strings.HasPrefix(res.Log, "lead score") {
			t.Errorf("lead_score(%v) = %v, log %q; want %v %s", c.in, res.Outputs, res.Log, c.score, c.grade)
		}
	}
	_, err := m.Call(context.Background(), "lead_score", map[string]value.Value{"amount": value.MoneyOf(-1), "source": value.TextOf("web")})
	if _, ok := err.(*ActionError); !ok {
		t.Errorf("amount -1: err = %v, want the module's ActionError", err)
	}
}
