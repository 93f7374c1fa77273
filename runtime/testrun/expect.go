package testrun

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/compiler/ir"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/value"
)

// effectAt is where an effect stands in the order of all effects: its
// input's sequence number, then its place among that input's effects.
type effectAt struct{ seq, n int64 }

func (a effectAt) before(b effectAt) bool {
	return a.seq < b.seq || a.seq == b.seq && a.n < b.n
}

// orderOf reads an effect's place from its key, "SEQ-N" (engine.Effect).
func orderOf(e engine.Effect) effectAt {
	seq, n, _ := strings.Cut(e.Key, "-")
	a, _ := strconv.ParseInt(seq, 10, 64)
	b, _ := strconv.ParseInt(n, 10, 64)
	return effectAt{a, b}
}

// matcher is one setting of an expectation: the text an effect's field
// must equal, or contain.
type matcher struct {
	key      string
	want     string
	list     []string // the expected value's elements, when it is a list
	kind     ir.Kind  // the expected value's type, to print it as written
	contains bool
	// address is the address of the mailbox want names: an e-mail's
	// record keeps the address it was sent from, and a test names the
	// mailbox as the rule does (from biuro).
	address string
}

// fileLists are the settings an effect keeps as a JSON array of texts
// (stdlib's fileLists): a text setting that holds "[...]" is a text.
var fileLists = map[string]bool{"attach": true, "drive": true}

func (m matcher) match(got string, phone bool) bool {
	switch {
	case m.list != nil && !m.contains:
		// A file list is kept as a JSON array of texts (attach, drive), so
		// that a name with ", " in it is one element; other lists read as
		// the language renders them.
		if l, ok := jsonList(got); ok {
			return slices.Equal(l, m.list)
		}
		return got == strings.Join(m.list, ", ")
	case m.contains:
		if l, ok := jsonList(got); ok && fileLists[m.key] { // attach contains("umowa"): one of the files
			return slices.ContainsFunc(l, func(e string) bool { return strings.Contains(e, m.want) })
		}
		return strings.Contains(got, m.want)
	case phone:
		return samePhone(got, m.want)
	}
	return got == m.want || m.address != "" && got == m.address
}

// mailbox returns the address of the mailbox named name, or "".
func (r *runner) mailbox(name string) string {
	for _, res := range r.p.Resources {
		if res.Kind == "mailbox" && res.Name == name {
			return res.Value
		}
	}
	return ""
}

// String writes the setting as the expectation writes it.
func (m matcher) String() string {
	if m.contains {
		return m.key + " contains(" + quoteText(m.want) + ")"
	}
	if m.list != nil {
		return m.key + " " + listLiteral(m.list)
	}
	return m.key + " " + writeText(m.want, m.kind)
}

// jsonList reads a JSON array of texts, as file lists are kept.
func jsonList(s string) ([]string, bool) {
	if !strings.HasPrefix(s, "[") {
		return nil, false
	}
	var l []string
	if json.Unmarshal([]byte(s), &l) != nil {
		return nil, false
	}
	return l, true
}

// listLiteral writes texts as the language writes a list of them.
func listLiteral(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = quoteText(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// phoneKinds are the effects whose to is a phone number.
var phoneKinds = map[string]bool{"sms": true, "robocall": true}

// samePhone compares two phone numbers as dialled: spaces, dashes, dots
// and brackets do not count (+48 602 000 111 is +48602000111). A text with
// other characters is compared as written.
func samePhone(a, b string) bool { return phoneDigits(a) == phoneDigits(b) }

func phoneDigits(s string) string {
	var b strings.Builder
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9', c == '+' && i == 0:
			b.WriteRune(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '\u00a0':
		default:
			return s
		}
	}
	return b.String()
}

// countryCodeHint says, when an expectation's phone number has no
// country code and a number of that kind was sent with one that ends in
// it, that the number is compared with its country code; "" otherwise.
func countryCodeHint(s *ir.Step, ms []matcher, all []engine.Effect) string {
	if !phoneKinds[s.Kind] || len(ms) == 0 || ms[0].key != "to" || ms[0].contains {
		return ""
	}
	want := phoneDigits(ms[0].want)
	if want == "" || strings.Trim(want, "0123456789") != "" { // a country code's + too
		return ""
	}
	for _, e := range all {
		got := phoneDigits(e.To)
		if e.Verb == s.Verb && e.Kind == s.Kind && strings.HasPrefix(got, "+") && strings.HasSuffix(got, strings.TrimLeft(want, "0")) {
			return fmt.Sprintf("\n  hint: %s has no country code, and the %s went to %s: numbers are compared as dialled, country code included",
				quoteText(ms[0].want), s.Kind, quoteText(e.To))
		}
	}
	return ""
}

func (r *runner) expectEffect(s *ir.Step) error {
	all, err := r.eng.Effects()
	if err != nil {
		return err
	}
	// Effects returns messages, then records; a test reads them in the order
	// they happened.
	slices.SortStableFunc(all, func(a, b engine.Effect) int {
		switch oa, ob := orderOf(a), orderOf(b); {
		case oa.before(ob):
			return -1
		case ob.before(oa):
			return 1
		}
		return 0
	})
	var ms []matcher
	count, done := -1, ""
	for _, set := range s.Settings {
		x := set.Value
		m := matcher{key: set.Name, kind: x.Kind}
		if x.Op == ir.OpCall && x.Name == "contains" && len(x.Args) == 1 {
			m.contains, x = true, x.Args[0]
		}
		v := r.eval(x, "")
		switch set.Name {
		case "count":
			count = int(v.N)
			continue
		case "done":
			done = v.String()
			continue
		}
		m.want = v.String()
		if set.Name == "from" {
			m.address = r.mailbox(m.want)
		}
		if v.K == value.List {
			m.list = []string{}
			for _, e := range v.L {
				m.list = append(m.list, e.String())
			}
		}
		ms = append(ms, m)
	}
	if s.Target != nil {
		ms = append([]matcher{{key: "to", want: r.eval(s.Target, "").String(), kind: "text"}}, ms...)
	}
	var at *value.Value
	if s.At != nil {
		v := r.eval(s.At, "")
		at = &v
	}
	var after *effectAt
	if s.After != "" {
		a, ok := r.named[s.After]
		if !ok {
			r.fail(s, fmt.Sprintf("%s names no effect: the expectation that names it failed", s.After))
			return nil
		}
		after = &a
	}

	var matched []engine.Effect
	var seen []string
	for _, e := range all {
		if e.Verb != s.Verb || e.Kind != s.Kind {
			continue
		}
		seen = append(seen, "  "+r.describe(e))
		if after != nil && !after.before(orderOf(e)) || at != nil && !sameTime(e.Time, *at) {
			continue
		}
		if done != "" && strconv.FormatBool(e.Done) != done {
			continue
		}
		ok := true
		for _, m := range ms {
			got := e.Fields[m.key]
			if m.key == "to" {
				got = e.To
			}
			phone := m.key == "to" && phoneKinds[e.Kind]
			ok = ok && (m.match(got, phone) || m.key == "body" && e.Fields["links"] != "" && m.match(untracked(e), false))
		}
		if ok {
			matched = append(matched, e)
		}
	}

	want := r.wanted(s, ms, done)
	list := "the " + s.Verb + " " + plural(s.Kind) + " are:\n" + orNone(strings.Join(seen, "\n"))
	switch {
	case s.No && len(matched) > 0:
		var got []string
		for _, e := range matched {
			got = append(got, "  "+r.describe(e))
		}
		r.fail(s, fmt.Sprintf("expected no %s; %d did:\n%s", want, len(matched), strings.Join(got, "\n")))
	case s.No:
	case count >= 0 && len(matched) != count:
		r.fail(s, fmt.Sprintf("expected %d %s, got %d; %s", count, want, len(matched), list))
	case count < 0 && len(matched) == 0:
		r.fail(s, fmt.Sprintf("expected %s; none matched; %s%s%s", want, list, countryCodeHint(s, ms, all), r.notRun(s.Kind)))
	case s.Bind != "" && len(matched) > 1:
		r.fail(s, fmt.Sprintf("as %s names one effect, and %d match %s; tell them apart with a setting; %s", s.Bind, len(matched), want, list))
	case s.Bind != "":
		e := matched[0]
		r.named[s.Bind] = orderOf(e)
		if s.Verb == "created" && (s.Kind == "deal" || s.Kind == "lead") {
			r.ids[s.Bind] = e.Fields["id"]
		}
	}
	return nil
}

// sameTime says whether an effect at unix seconds t happened at the time
// an expectation gives: within its minute for a datetime (the language
// writes minutes), on its day for a date.
func sameTime(t int64, at value.Value) bool {
	switch at.K {
	case value.Date:
		return t >= at.Unix() && t < at.Unix()+86400
	case value.DateTime:
		return t-t%60 == at.Unix()-at.Unix()%60
	}
	return false
}

// wanted writes what an expectation asks for, as the test writes it.
func (r *runner) wanted(s *ir.Step, ms []matcher, done string) string {
	parts := []string{s.Verb + " " + s.Kind}
	for _, m := range ms {
		if m.key == "to" {
			parts = append(parts, "to "+writeText(m.want, m.kind))
			continue
		}
		parts = append(parts, m.String())
	}
	if done != "" {
		parts = append(parts, "done "+done)
	}
	if s.At != nil {
		parts = append(parts, "at "+r.literal(r.eval(s.At, ""), s.At.Kind))
	}
	if s.After != "" {
		parts = append(parts, "after "+s.After)
	}
	return strings.Join(parts, " ")
}

// describe writes an effect as an expectation would match it, with when
// it happened and the rule that made it.
func (r *runner) describe(e engine.Effect) string {
	var b strings.Builder
	b.WriteString(e.Verb + " " + e.Kind)
	if e.To != "" {
		b.WriteString(" to " + quoteText(e.To))
	}
	keys := make([]string, 0, len(e.Fields))
	for k, v := range e.Fields {
		if v == "" && engine.Internal(k) { // nothing to see: no links were tracked
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		kind := ir.KindNone // unknown: told by how it reads
		if k == "id" || k == "name" || k == "title" {
			kind = ir.KindText // an ID like 5.1 is no number
		}
		if l, ok := jsonList(e.Fields[k]); ok {
			b.WriteString(" " + k + " " + listLiteral(l))
			continue
		}
		b.WriteString(" " + k + " " + writeText(e.Fields[k], kind))
	}
	if e.Kind == "activity" {
		b.WriteString(" done " + strconv.FormatBool(e.Done))
	}
	b.WriteString(" at " + value.Value{K: value.DateTime, N: float64(e.Time - e.Time%60)}.String())
	if name := r.nameOf(e.Item); name != "" {
		b.WriteString(" on " + name)
	}
	if e.Rule != "" {
		b.WriteString(" (by the rule at " + e.Rule + ")")
	}
	return b.String()
}

// nameOf is the test's name of an item, or "".
func (r *runner) nameOf(id string) string {
	for name, x := range r.ids {
		if x == id {
			return name
		}
	}
	return ""
}

func plural(kind string) string {
	if strings.HasSuffix(kind, "sh") || strings.HasSuffix(kind, "ss") {
		return kind + "es"
	}
	if strings.HasSuffix(kind, "y") && !strings.HasSuffix(kind, "ay") {
		return kind[:len(kind)-1] + "ies"
	}
	if kind == "sms" {
		return "sms"
	}
	return kind + "s"
}

// notRun lists the test's timeline entries that say a rule of the kind
// did not run ("send sms not run: no phone number"), which say why an
// expected effect is missing, or "".
func (r *runner) notRun(kind string) string {
	var b strings.Builder
	for _, e := range r.out.Timeline {
		if strings.Contains(e.Text, kind+" not run") {
			fmt.Fprintf(&b, "\n  %s %s", value.Value{K: value.DateTime, N: float64(e.Time)}, e.Text)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "\n  the timeline says:" + b.String()
}

func orNone(s string) string {
	if s == "" {
		return "  (none)"
	}
	return s
}

func (r *runner) expectTimeline(s *ir.Step) error {
	tl, err := r.eng.Timeline(r.ids[s.Item])
	if err != nil {
		return err
	}
	var at *value.Value
	if s.At != nil {
		v := r.eval(s.At, "")
		at = &v
	}
	var all, hits []string
	for _, e := range tl {
		line := "  " + value.Value{K: value.DateTime, N: float64(e.Time - e.Time%60)}.String() + " " + e.Text
		all = append(all, line)
		if strings.Contains(e.Text, s.Text) && (at == nil || sameTime(e.Time, *at)) {
			hits = append(hits, line)
		}
	}
	when := ""
	if at != nil {
		when = " at " + r.literal(*at, s.At.Kind)
	}
	switch {
	case s.No && len(hits) > 0:
		r.fail(s, fmt.Sprintf("expected no timeline entry of %s containing %s%s; these do:\n%s", s.Item, quoteText(s.Text), when, strings.Join(hits, "\n")))
	case !s.No && len(hits) == 0:
		r.fail(s, fmt.Sprintf("no timeline entry of %s contains %s%s; it has:\n%s", s.Item, quoteText(s.Text), when, orNone(strings.Join(all, "\n"))))
	}
	return nil
}

// untracked is a tracked e-mail's body (track_clicks) with each tracked
// link put back as the link it stands for, as the record's links give them
// one a line: what a test means by body contains("https://..."), the
// links as the rule wrote them. The n-th tracked link ends in /KEY/n.
func untracked(e engine.Effect) string {
	body := e.Fields["body"]
	for i, link := range strings.Split(e.Fields["links"], "\n") {
		suffix := "/" + e.Key + "/" + strconv.Itoa(i+1)
		for from := 0; ; {
			j := strings.Index(body[from:], suffix)
			if j < 0 {
				break
			}
			j += from
			end := j + len(suffix)
			if end < len(body) && body[end] >= '0' && body[end] <= '9' { // /KEY/1 of /KEY/10
				from = end
				continue
			}
			start := strings.LastIndex(body[:j], "https://")
			if start < 0 {
				break
			}
			body = body[:start] + link + body[end:]
			break
		}
	}
	return body
}
