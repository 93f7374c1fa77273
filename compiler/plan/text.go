package plan

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the plan as a reviewer reads it in a pull request
// (spec/plan.md, "Text"): a block per pipeline, a heading per stage with
// its rules, then the pipeline's triggers; one line per difference, each
// line whole on its own (it names the rule), so that a line can be quoted
// or searched for; then what the rules are written against that differs
// (Declared); then a count of each kind. Unchanged ones are left out;
// with nothing changed it writes "no changes".
//
//	pipeline Sprzedaż (deal)
//	  stage Dostawa:
//	    ~ send sms: after 180d → 90d (pending runs get a new due time)
//	    ~ send sms: text "old" → "new"
//	    + send email (added)
//	    - create task (removed; pending runs are cancelled)
//	    > send sms: moved from stage Nowe (pending runs are cancelled)
//	  triggers:
//	    ~ move to stage Paid when invoice paid: if deal.amount > 0 → deal.amount > 100
//
//	declarations:
//	  - stage Sprzedaż.Faktura (deal) (removed; 3 items stay in it, under no rules, until moved)
//	  ~ field deal.tracking: text(40) → number (the values items hold are not converted)
//	1 changed, 1 added, 1 removed, 1 moved; 2 declarations differ
func (p *Plan) WriteText(w io.Writer) error {
	var b strings.Builder
	if p.Empty() {
		b.WriteString("no changes\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	var pipe, group string
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Kind == Unchanged {
			continue
		}
		if pk := c.Entity + "\x00" + c.Pipeline; pk != pipe {
			if pipe != "" {
				b.WriteString("\n")
			}
			pipe, group = pk, ""
			fmt.Fprintf(&b, "pipeline %s (%s)\n", QuoteName(c.Pipeline), c.Entity)
		}
		g := "  triggers:\n"
		if c.What == "rule" {
			g = "  stage " + QuoteName(c.Stage) + ":\n"
		}
		if g != group {
			group = g
			b.WriteString(g)
		}
		writeChange(&b, c)
	}
	if len(p.Declared) > 0 {
		if pipe != "" {
			b.WriteString("\n")
		}
		b.WriteString("declarations:\n")
		for i := range p.Declared {
			writeDeclared(&b, &p.Declared[i])
		}
	}
	fmt.Fprintf(&b, "%d changed, %d added, %d removed, %d moved",
		p.Count(Changed), p.Count(Added), p.Count(Removed), p.Count(Moved))
	if n := len(p.Declared); n > 0 {
		fmt.Fprintf(&b, "; %d %s", n, map[bool]string{true: "declaration differs", false: "declarations differ"}[n == 1])
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeChange(b *strings.Builder, c *Change) {
	const ind = "    "
	note := pendingNote(c)
	switch c.Kind {
	case Added:
		fmt.Fprintf(b, "%s+ %s (added)\n", ind, c.Title)
		return
	case Removed:
		if note == "" {
			fmt.Fprintf(b, "%s- %s (removed)\n", ind, c.Title)
		} else {
			fmt.Fprintf(b, "%s- %s (removed; %s)\n", ind, c.Title, note)
		}
		return
	case Moved:
		fmt.Fprintf(b, "%s> %s: moved from stage %s%s\n", ind, c.Title, QuoteName(c.FromStage), paren(note))
		note = ""
	}
	// The note goes on the first line that is about timing when timing
	// changed, otherwise on the first line.
	at := 0
	if c.Timing {
		for i, s := range c.Settings {
			if timingSetting(c.What, s.Name) {
				at = i
				break
			}
		}
	}
	for i, s := range c.Settings {
		line := fmt.Sprintf("%s~ %s: %s %s → %s", ind, c.Title, s.Name, shown(s.Old), shown(s.New))
		if i == at {
			line += paren(note)
		}
		b.WriteString(line + "\n")
	}
}

func timingSetting(what, name string) bool {
	switch name {
	case "after", "at", "worktime", "keep", "then":
		return what == "rule"
	case "timeout":
		return what == "trigger"
	}
	return false
}

func shown(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// pendingNote says what the change does to pending work: in general
// without a store, or counted with one (Pending set).
func pendingNote(c *Change) string {
	runs := "runs"
	if c.What == "trigger" {
		runs = "deadlines"
	}
	if c.Pending == nil {
		switch {
		case c.What == "trigger":
			return "" // most events leave nothing pending; say so only when counted
		case c.Kind == Removed, c.Kind == Moved:
			return "pending runs are cancelled"
		case c.Kind == Changed && c.followsNow():
			return "pending runs are cancelled where the rule it now follows is still to run, which starts it; the others get a new due time"
		case c.Kind == Changed && c.keepGone():
			return "pending runs get a new due time; those kept after their item left the stage are cancelled"
		case c.Kind == Changed && c.Timing:
			return "pending runs get a new due time"
		}
		return ""
	}
	n := *c.Pending
	if n == 0 {
		if c.Kind == Removed || c.Kind == Moved {
			return "no pending " + runs
		}
		return ""
	}
	count := fmt.Sprintf("%d pending %s", n, runs)
	verb := "are"
	if n == 1 {
		count = strings.TrimSuffix(count, "s")
		verb = "is"
	}
	switch {
	case c.Kind == Removed, c.Kind == Moved:
		return count + " " + verb + " cancelled"
	case c.Kind == Changed && c.followsNow():
		return count + ": cancelled where the rule it now follows is still to run, which starts it; else a new due time"
	case c.Kind == Changed && c.keepGone():
		return count + ": a new due time; cancelled if kept after its item left the stage"
	case c.Kind == Changed && c.Timing:
		return fmt.Sprintf("%s %s", count, map[bool]string{true: "gets a new due time", false: "get a new due time"}[n == 1])
	case c.Kind == Changed:
		return fmt.Sprintf("%s %s", count, map[bool]string{true: "takes the new definition", false: "take the new definition"}[n == 1])
	}
	return ""
}

func writeDeclared(b *strings.Builder, d *Declared) {
	const ind = "  "
	name := d.What + " " + d.Name
	switch d.Kind {
	case Added:
		if d.New != "" {
			name += ": " + d.New
		}
		fmt.Fprintf(b, "%s+ %s (added)\n", ind, name)
	case Removed:
		fmt.Fprintf(b, "%s- %s (removed%s)\n", ind, name, semi(declaredNote(d)))
	default:
		if d.Setting != "" {
			name += " " + d.Setting
		}
		fmt.Fprintf(b, "%s~ %s: %s → %s%s\n", ind, name, shown(d.Old), shown(d.New), paren(declaredNote(d)))
	}
}

func semi(s string) string {
	if s == "" {
		return ""
	}
	return "; " + s
}

// declaredNote says what a declaration's change does to the items and the
// pending work the running version has.
func declaredNote(d *Declared) string {
	switch {
	case d.Kind == Removed && (d.What == "stage" || d.What == "pipeline"):
		switch {
		case d.Items == nil:
			return "its items stay in it, under no rules, until moved"
		case *d.Items == 0:
			return "no items in it"
		case *d.Items == 1:
			return "1 item stays in it, under no rules, until moved"
		}
		return fmt.Sprintf("%d items stay in it, under no rules, until moved", *d.Items)
	case d.Kind == Removed && d.What == "field":
		return "the values items hold stay, and no rule reads them"
	case d.Kind == Changed && d.What == "field":
		return "the values items hold are not converted: a rule reading one of the old type finds it empty"
	case d.Kind == Changed && d.What == "calendar" && d.Setting == "timezone":
		return "the workspace's clock is read in the new zone; pending runs keep their times on it, but worktime runs timed by a delay or a field, which get the due time the calendar now gives them"
	case d.What == "calendar":
		return "pending worktime runs timed by a delay or a field get the due time it gives them"
	case d.Kind == Changed && d.What == "module":
		return "the rules that run its actions run the new code, pending ones too"
	}
	return ""
}

// followsNow reports whether a rule now runs then, after another (its
// then setting changed to name one): a deploy cancels its pending runs
// where that one is still to run (runtime/engine, dropped).
func (c *Change) followsNow() bool {
	for _, s := range c.Settings {
		if s.Name == "then" && s.New != "" {
			return true
		}
	}
	return false
}

// keepGone reports whether a rule no longer keeps its runs after its item
// leaves the stage: a deploy ends those kept so.
func (c *Change) keepGone() bool {
	for _, s := range c.Settings {
		if s.Name == "keep" && s.Old == "true" && s.New != "true" {
			return true
		}
	}
	return false
}
