package parser

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/stagecraft/stagecraft/lang/diag"
	"github.com/stagecraft/stagecraft/lang/literal"
)

// Slips are mistakes with one likely intent, which an error can name (with
// a fix where one is sure) instead of the grammar's expectation: a
// duration written in words (`wait 1 day`, `after 2 hours`), from other
// tools and from speech, is the common one.

// slips are tried in order on a declaration's error; the first that
// recognises a slip at the error's token says it instead.
var slips = []func(toks []lexer.Token, at lexer.Token) *chunkError{
	testNameSlip, declStartSlip, ruleInPipelineSlip, moveStageSlip, triggerOnSlip, delayWordSlip, afterDateSlip, stageNameSlip, waitBackSlip,
	headOrderSlip, toAfterSettingsSlip, settingAfterIfSlip, durationSlip, decimalDurationSlip, commaSlip, spacedDurationSlip, relativeSlip,
	clockSlip, atClockSlip, secondsSlip, asSlip, walrusSlip,
}

// walrusSlip recognises := (as Go and Pascal set a variable), let x := 1,
// where the error is at its colon: a variable is set with =.
func walrusSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for i := 1; i+1 < len(toks); i++ {
		if toks[i].Pos.Offset == at.Pos.Offset && isWord(&toks[i], tPunct, ":") && isWord(&toks[i+1], tPunct, "=") && adjacent(toks[i], toks[i+1]) &&
			toks[i-1].Type == tIdent {
			return &chunkError{tok: toks[i], code: diag.ESyntax,
				msg: `unexpected ":=": a variable is set with =`, hint: "write " + toks[i-1].Value + " =", remove: true}
		}
	}
	return nil
}

// unlabelled is toks without a leading label (NAME:), which the slips
// read past: a labelled rule's head starts after it.
func unlabelled(toks []lexer.Token) []lexer.Token {
	if startsLabel(toks) {
		return toks[2:]
	}
	return toks
}

// declStartSlip recognises a rule whose first word is not on, where the
// error is at its start: then written before on (then on stage Nowe:),
// then comes after the stage; a word of another language before stage
// (quando stage Nuovo:) stands for on.
func declStartSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	if e := strayError(toks); e != nil && (at.Pos.Offset == toks[0].Pos.Offset || at.Pos.Offset == toks[1].Pos.Offset) {
		return e
	}
	return nil
}

// strayError is the error of a line that starts no declaration but reads
// as a rule whose start is wrong (see declStartSlip), or nil.
func strayError(toks []lexer.Token) *chunkError {
	if len(toks) < 3 || DeclWords[toks[0].Value] {
		return nil
	}
	msg := fmt.Sprintf("unexpected %s at the start of a line: a declaration starts with on, move, field, pipeline, test or a resource kind", describe(toks[0]))
	switch {
	case isWord(&toks[0], tKeyword, "then") && isWord(&toks[1], tKeyword, "on") && len(toks) > 3 && isWord(&toks[2], tKeyword, "stage"):
		return &chunkError{tok: toks[0], code: diag.EExpectedDecl, msg: msg,
			hint: fmt.Sprintf("then comes right after the stage: write on stage %s then:", stageText(toks[1:]))}
	case toks[0].Type == tIdent && isWord(&toks[1], tKeyword, "stage") && toks[0].Pos.Line == toks[1].Pos.Line:
		return &chunkError{tok: toks[0], code: diag.EExpectedDecl, msg: msg,
			hint: fmt.Sprintf("a rule starts with on: write on stage %s", stageText(toks)), fix: "on"}
	}
	return nil
}

// triggerOnSlip recognises a trigger's event after on, move to stage
// Pagato on invoice paid, where the error is at the on: a trigger's event
// comes after when.
func triggerOnSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	toks = unlabelled(toks)
	if len(toks) < 5 || toks[0].Value != "move" || !isWord(&at, tKeyword, "on") {
		return nil
	}
	for k := 4; k < len(toks) && k <= 6; k += 2 { // after the stage: NAME or NAME.NAME
		if toks[k].Pos.Offset == at.Pos.Offset && k+1 < len(toks) && toks[k+1].Type == tIdent {
			event := toks[k+1].Value
			if k+2 < len(toks) && toks[k+2].Type == tIdent {
				event += " " + toks[k+2].Value
			}
			return &chunkError{tok: at, code: diag.ESyntax,
				msg: "a trigger's event comes after when, not on", hint: "write when " + event, fix: "when"}
		}
	}
	return nil
}

// headOrderSlip recognises the parts of a rule's head in the wrong order,
// where the error is at the part out of place: the head is on stage S
// [then] [after D | at T] [if C]: — a delay written after the condition
// (if ... after 1d:), then after the delay (after 1d then:) or after the
// colon (on stage S: then send ...).
func headOrderSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	toks = unlabelled(toks)
	if len(toks) < 4 || !isWord(&toks[0], tKeyword, "on") {
		return nil
	}
	cond := -1
	for k, t := range toks {
		if t.Pos.Offset != at.Pos.Offset {
			if isWord(&toks[k], tKeyword, "if") {
				cond = k
			}
			if isWord(&toks[k], tPunct, ":") {
				// Past the head: only then right after its colon is the head's.
				if k+1 < len(toks) && toks[k+1].Pos.Offset == at.Pos.Offset && isWord(&at, tKeyword, "then") && cond < 0 {
					return &chunkError{tok: at, code: diag.ESyntax,
						msg:  "then comes before the colon, right after the stage",
						hint: fmt.Sprintf("write on stage %s then: and the action", stageText(toks))}
				}
				return nil
			}
			continue
		}
		switch {
		case isWord(&at, tKeyword, "then"):
			var rest []lexer.Token
			for _, t := range toks {
				if isWord(&t, tPunct, ":") {
					break
				}
				if t.Pos.Offset != at.Pos.Offset {
					rest = append(rest, t)
				}
			}
			n := 3 // on stage NAME[.NAME]
			if n+1 < len(rest) && isWord(&rest[n], tPunct, ".") {
				n += 2
			}
			head := "on stage " + stageText(toks) + " then"
			if n < len(rest) {
				head += " " + sourceText(rest[n:])
			}
			return &chunkError{tok: at, code: diag.ESyntax,
				msg: "then comes right after the stage", hint: "write " + head + ":"}
		case (isWord(&at, tKeyword, "after") || isWord(&at, tKeyword, "at")) && cond >= 0 && k+1 < len(toks) && !isWord(&toks[k+1], tPunct, ":"):
			var delay []string
			for _, d := range toks[k:] {
				if isWord(&d, tPunct, ":") {
					break
				}
				delay = append(delay, d.Value)
			}
			return &chunkError{tok: at, code: diag.ESyntax,
				msg:  fmt.Sprintf("the delay comes before if: %s ... if CONDITION", at.Value),
				hint: fmt.Sprintf("write %s before if", strings.Join(delay, " "))}
		}
		return nil
	}
	return nil
}

// sourceText is toks as written, with a space where the source has one.
func sourceText(toks []lexer.Token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && !adjacent(toks[i-1], t) {
			b.WriteByte(' ')
		}
		b.WriteString(t.Value)
	}
	return b.String()
}

// stageText is the stage of a rule's head, on stage NAME[.NAME], as written.
func stageText(toks []lexer.Token) string {
	var b strings.Builder
	for k := 2; k < len(toks) && k <= 4; k++ {
		if k == 3 && !isWord(&toks[k], tPunct, ".") {
			break
		}
		b.WriteString(toks[k].Value)
	}
	return b.String()
}

// decimalDurationSlip recognises a duration with a decimal comma, after
// 1,5d, where the error is at its whole part: a duration is whole numbers
// of its units, and the same time in a smaller unit is the fix.
func decimalDurationSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for i := 0; i+2 < len(toks); i++ {
		num, comma, dur := toks[i], toks[i+1], toks[i+2]
		if num.Pos.Offset != at.Pos.Offset || num.Type != tNumber || !isWord(&comma, tPunct, ",") || dur.Type != tDuration ||
			num.Pos.Offset+len(num.Value) != comma.Pos.Offset || comma.Pos.Offset+1 != dur.Pos.Offset {
			continue
		}
		e := &chunkError{tok: num, end: &toks[i+2], code: diag.ESyntax,
			msg:  fmt.Sprintf("a duration is whole numbers of its units, not %s,%s", num.Value, dur.Value),
			hint: "a duration is whole seconds: round it"}
		if fixed := wholeDuration(num.Value, dur.Value); fixed != "" {
			e.hint, e.fix = "write "+fixed, fixed
		}
		return e
	}
	return nil
}

// wholeDuration is N,Fu (1,5d) as a duration the language writes (1d12h),
// or "" when it is not whole seconds (1,5s) or not a duration at all.
func wholeDuration(whole, frac string) string {
	i := 0
	for i < len(frac) && frac[i] >= '0' && frac[i] <= '9' {
		i++
	}
	unit := map[string]int64{"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mo": 30 * 86400}[frac[i:]]
	n, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac[:i], 10, 64)
	if unit == 0 || err1 != nil || err2 != nil || i == 0 || i > 6 || n > 100000 {
		return ""
	}
	scale := int64(1)
	for range i {
		scale *= 10
	}
	if total := (n*scale + f) * unit; total%scale == 0 && total > 0 {
		return literal.FormatDuration(total / scale)
	}
	return ""
}

// atClockSlip recognises a time of day joined to a date with at, deadline
// tomorrow at 14:00, where the error is at the second at: the language
// adds a time of day to a date with +.
func atClockSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for i := 1; i+1 < len(toks); i++ {
		t, prev, next := toks[i], toks[i-1], toks[i+1]
		if t.Pos.Offset != at.Pos.Offset || !isWord(&t, tKeyword, "at") || next.Type != tClock ||
			prev.Value != "today" && prev.Value != "tomorrow" && prev.Type != tDate {
			continue
		}
		return &chunkError{tok: t, code: diag.ESyntax,
			msg:  fmt.Sprintf("a time of day is added to a date with +, not %s at %s", prev.Value, next.Value),
			hint: fmt.Sprintf("write %s + %s", prev.Value, next.Value), fix: "+"}
	}
	return nil
}

// secondsSlip recognises a time of day with seconds, 09:00:30, where the
// error is at the seconds: times of day are to the minute.
func secondsSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for i := 0; i+2 < len(toks); i++ {
		clock, colon, sec := toks[i], toks[i+1], toks[i+2]
		if clock.Type != tClock || !isWord(&colon, tPunct, ":") || sec.Type != tNumber || len(sec.Value) != 2 ||
			clock.Pos.Offset+len(clock.Value) != colon.Pos.Offset || colon.Pos.Offset+1 != sec.Pos.Offset ||
			at.Pos.Offset != colon.Pos.Offset && at.Pos.Offset != sec.Pos.Offset {
			continue
		}
		e := &chunkError{tok: clock, end: &toks[i+2], code: diag.ESyntax,
			msg:  fmt.Sprintf("a time of day is written HH:MM, without seconds: not %s:%s", clock.Value, sec.Value),
			hint: "write " + clock.Value}
		if sec.Value == "00" {
			e.fix = clock.Value
		}
		return e
	}
	return nil
}

// stageNameSlip recognises a stage name of several words written bare, on
// stage Zamknięty wygrany: or move to stage Zamknięty wygrany when, where
// the error is at the second word: such a name is written in quotes.
func stageNameSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for k := 0; k+2 < len(toks); k++ {
		if toks[k].Value != "stage" || toks[k+1].Type != tIdent || toks[k+2].Pos.Offset != at.Pos.Offset || toks[k+2].Type != tIdent ||
			ruleWords[toks[k+2].Value] {
			continue
		}
		end := k + 2
		for end+1 < len(toks) && toks[end+1].Type == tIdent && !ruleWords[toks[end+1].Value] && toks[end+1].Pos.Line == toks[k].Pos.Line {
			end++
		}
		// Only a name that the rule's colon or the trigger's when ends:
		// on stage Nowe send sms (the colon left out) is not one.
		if end+1 >= len(toks) || !isWord(&toks[end+1], tPunct, ":") && toks[end+1].Value != "when" {
			return nil
		}
		words := make([]string, 0, end-k)
		for _, t := range toks[k+1 : end+1] {
			words = append(words, t.Value)
		}
		fixed := strconv.Quote(strings.Join(words, " "))
		return &chunkError{tok: toks[k+1], end: &toks[end], code: diag.ESyntax,
			msg: "a stage name with spaces is written in quotes", hint: "write stage " + fixed, fix: fixed}
	}
	return nil
}

// waitBackSlip recognises a negative wait in a test, wait -1d, where the
// error is at the wait: the test's clock only moves forward.
func waitBackSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for k := 0; k+1 < len(toks); k++ {
		if toks[k].Value == "wait" && toks[k].Pos.Offset == at.Pos.Offset && isWord(&toks[k+1], tPunct, "-") {
			return &chunkError{tok: toks[k+1], end: &toks[min(k+2, len(toks)-1)], code: diag.ESyntax,
				msg: "a wait is a duration forward: the test's clock does not go back", hint: "write wait 1d"}
		}
	}
	return nil
}

// toAfterSettingsSlip recognises a rule's target written after a setting,
// send email from biuro to client.email[work], where the error is at the
// to: the target comes right after the action.
func toAfterSettingsSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	if at.Value != "to" || at.Type != tKeyword {
		return nil
	}
	toks = unlabelled(toks)
	for k, t := range toks {
		if t.Pos.Offset >= at.Pos.Offset {
			return nil
		}
		// In a rule's action, with a setting before the to: the colon,
		// the action's two words, then a key and its value at least.
		if isWord(&t, tPunct, ":") && k+4 < len(toks) && toks[k+4].Pos.Offset < at.Pos.Offset {
			return &chunkError{tok: at, code: diag.ESyntax,
				msg:  "to comes right after the action, before its settings",
				hint: fmt.Sprintf("write %s %s to and the target, then the settings", toks[k+1].Value, toks[k+2].Value)}
		}
	}
	return nil
}

// settingAfterIfSlip recognises a setting written after a trigger's or a
// rule's condition, move to stage B when field changed if deal.x > 1
// allow_back true, where the error is at the setting's value: the
// condition comes last (the setting's name read as part of it).
func settingAfterIfSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	cond := -1
	for k, t := range toks {
		if t.Pos.Offset >= at.Pos.Offset {
			if cond < 0 || k < cond+3 || t.Pos.Line != toks[cond].Pos.Line {
				return nil
			}
			name := toks[k-1]
			if name.Type != tIdent || isWord(&toks[k-2], tPunct, ".") || isWord(&toks[k-2], tPunct, "(") || at.Type == tPunct || at.Type == tEOF ||
				!settingShaped(name.Value, at) {
				return nil // deal.x, (a: a part of the condition; a setting's value is a word or a literal
			}
			return &chunkError{tok: name, end: &toks[k], code: diag.ESyntax,
				msg:  fmt.Sprintf("the setting %s comes before if: the condition is last", name.Value),
				hint: fmt.Sprintf("write %s %s before if", name.Value, at.Value)}
		}
		if t.Value == "if" && t.Type == tKeyword {
			cond = k
		}
	}
	return nil
}

// ruleInPipelineSlip recognises a rule or a trigger written inside a
// pipeline's block, pipeline deal Sprzedaż { on stage Nowe: ... }, as other
// tools nest them, where the error is at its first word: rules and
// triggers are declarations of their own, after the block, and a stage
// of this pipeline that another has too is named Pipeline.Stage.
func ruleInPipelineSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	if len(toks) < 3 || toks[0].Value != "pipeline" || at.Type != tKeyword || at.Value != "on" && at.Value != "move" {
		return nil
	}
	pipeline := toks[1] // pipeline NAME { when the entity is left out
	if toks[2].Type == tIdent || toks[2].Type == tString {
		pipeline = toks[2]
	}
	hint := `move the line after the block's closing "}"`
	for k := range toks {
		if toks[k].Pos.Offset != at.Pos.Offset {
			continue
		}
		for j := k + 1; j+1 < len(toks) && j <= k+2; j++ { // on stage S, move to stage S
			if toks[j].Value == "stage" && toks[j].Type == tKeyword && toks[j+1].Type != tPunct {
				stage := toks[j+1].Value
				hint += fmt.Sprintf("; where another pipeline has a stage %s too, write stage %s.%s", stage, pipeline.Value, stage)
				break
			}
		}
	}
	return &chunkError{tok: at, code: diag.ESyntax,
		msg: "a pipeline's block declares its stages only: rules and triggers are written after it", hint: hint}
}

func moveStageSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	toks = unlabelled(toks)
	if len(toks) < 3 || toks[0].Value != "move" || toks[1].Value != "to" || toks[2].Pos.Offset != at.Pos.Offset ||
		toks[2].Type != tIdent && toks[2].Type != tString {
		return nil
	}
	end := 2 // a name of several words until when: quoted
	for end+1 < len(toks) && toks[end+1].Type == tIdent && toks[end+1].Pos.Line == toks[2].Pos.Line {
		end++
	}
	name := toks[2].Value
	if end > 2 {
		words := make([]string, 0, end-1)
		for _, t := range toks[2 : end+1] {
			words = append(words, t.Value)
		}
		name = quoteText([]byte(strings.Join(words, " ")))
	}
	return &chunkError{tok: toks[2], end: &toks[end], code: diag.ESyntax,
		msg: "a trigger moves the item to a stage: the word stage comes first", hint: "write move to stage " + name,
		fix: "stage " + name}
}

// delayWordSlip recognises keep or worktime written before a rule's delay,
// or with none (on stage Nowe worktime after 1d:), where the error is at
// the word: each says what to do with the delay, and comes after it.
func delayWordSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	if !ruleWords[at.Value] || at.Type != tIdent {
		return nil
	}
	toks = unlabelled(toks)
	for k, t := range toks {
		if isWord(&toks[k], tPunct, ":") {
			return nil // in the action: not the rule's head
		}
		if t.Pos.Offset != at.Pos.Offset {
			continue
		}
		if k+2 < len(toks) && (toks[k+1].Value == "after" || toks[k+1].Value == "at") && toks[k+1].Type == tKeyword {
			return &chunkError{tok: at, code: diag.ESyntax,
				msg:  fmt.Sprintf("%s comes after the delay", at.Value),
				hint: fmt.Sprintf("write %s %s %s", toks[k+1].Value, toks[k+2].Value, at.Value)}
		}
		return &chunkError{tok: at, code: diag.ESyntax,
			msg:  fmt.Sprintf("%s goes with a delay, after it: this rule runs as the item enters", at.Value),
			hint: fmt.Sprintf("write after 1d %s, or leave %s out", at.Value, at.Value)}
	}
	return nil
}

// afterDateSlip recognises a delay written as a date field, after
// deal.close_date, where the error is at the field: a time from a date is
// written with at.
func afterDateSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for k := 1; k < len(toks); k++ {
		if toks[k].Pos.Offset != at.Pos.Offset || toks[k-1].Value != "after" || toks[k-1].Type != tKeyword || at.Type != tIdent {
			continue
		}
		var path strings.Builder
		for j := k; j < len(toks) && toks[j].Type == tIdent; j += 2 { // NAME(.NAME)*
			path.WriteString(toks[j].Value)
			if j+1 >= len(toks) || !isWord(&toks[j+1], tPunct, ".") {
				break
			}
			path.WriteByte('.')
		}
		// The parser does not know the field's type: only a name that
		// says date is surely one; for another the hint says when at fits.
		e := &chunkError{tok: toks[k-1], code: diag.ESyntax,
			msg:  "after takes a duration (after 2d), not a field",
			hint: fmt.Sprintf("if %s is a date or datetime field, write at %s (or at %s - 1d): at takes a time", path.String(), path.String(), path.String())}
		if last := path.String()[strings.LastIndexByte(path.String(), '.')+1:]; strings.Contains(strings.ToLower(last), "date") {
			e.msg = "after takes a duration (after 2d); a time read from a date field is written with at"
			e.hint = fmt.Sprintf("write at %s (or at %s - 1d)", path.String(), path.String())
			e.fix = "at"
		}
		return e
	}
	return nil
}

// settingShaped reports whether name value reads as a setting: a name of
// settings' shape (allow_back, track_clicks) before a value, or any name
// before a literal of a setting (true, 10m, "text"); a misspelt operator
// (adn 5) is neither.
func settingShaped(name string, value lexer.Token) bool {
	switch {
	case strings.Contains(name, "_"):
		return true
	case value.Type == tString || value.Type == tDuration:
		return true
	case value.Type == tKeyword && (value.Value == "true" || value.Value == "false"):
		return true
	}
	return false
}

// ruleWords are the words of a rule's head that are not keywords (a
// stage may be named so): after a stage name they are the rule's, not
// the name's.
var ruleWords = map[string]bool{"keep": true, "worktime": true}

// testNameSlip recognises a test named by a bare word, test t {, where
// the error is anywhere in it (the block reads as a resource's settings):
// a test's name is a string.
func testNameSlip(toks []lexer.Token, _ lexer.Token) *chunkError {
	if len(toks) < 3 || toks[0].Value != "test" || toks[1].Type != tIdent || !isWord(&toks[2], tPunct, "{") {
		return nil
	}
	fixed := strconv.Quote(toks[1].Value)
	return &chunkError{tok: toks[1], code: diag.ESyntax,
		msg: "a test's name is a string", hint: "write test " + fixed + " {", fix: fixed}
}

// unitWords maps words for units of time, in the languages of the CRM's
// users (English, Polish, Italian), to the unit letter of a duration.
var unitWords = map[string]string{}

func init() {
	for unit, words := range map[string]string{
		"s":  "s sec secs second seconds sekunda sekundy sekund secondo secondi",
		"m":  "min mins minute minutes minuta minuty minut minuto minuti",
		"h":  "hr hrs hour hours godz godzina godziny godzin ora ore",
		"d":  "day days dzień dzien dni dnia giorno giorni gg",
		"w":  "wk week weeks tydzień tydzien tygodnie tygodni settimana settimane",
		"mo": "mon month months miesiąc miesiac miesiące miesiace miesięcy miesiecy mese mesi",
	} {
		for _, w := range strings.Fields(words) {
			unitWords[w] = unit
		}
	}
}

// durationSlip recognises a number followed by a word for a unit of time
// around the token an error is at, and returns the error that says so,
// with the duration as the fix.
func durationSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for i, t := range toks {
		if t.Pos.Offset != at.Pos.Offset || t.Type == tEOF {
			continue
		}
		num, word := i, i+1 // at the number
		if t.Type != tNumber {
			num, word = i-1, i // at the word
		}
		if num < 0 || word >= len(toks) || toks[num].Type != tNumber || strings.ContainsAny(toks[num].Value, ".eE") {
			return nil
		}
		if _, ok := unitWords[strings.ToLower(toks[word].Value)]; !ok || toks[word].Pos.Line != toks[num].Pos.Line {
			return nil
		}
		e := durationError(toks[num], toks[word])
		return &chunkError{tok: e.tok, end: e.end, code: diag.ESyntax, msg: e.msg, hint: e.hint, fix: e.fix}
	}
	return nil
}

// durationError is the error of a duration written in words, num word,
// with the duration as the fix.
func durationError(num, word lexer.Token) *fixError {
	dur := num.Value + unitWords[strings.ToLower(word.Value)]
	return &fixError{tok: num, end: &word,
		msg:  fmt.Sprintf("a duration is written %s, not %s %s", dur, num.Value, word.Value),
		hint: "units: s, m, h, d, w, mo (30 days)",
		fix:  dur,
	}
}

// spacedDurationSlip recognises a duration written in parts with a space
// between them (1d 2h) where the error is at the second part: one
// duration, its units together, is the fix.
func spacedDurationSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for i := 1; i < len(toks); i++ {
		first, second := toks[i-1], toks[i]
		if second.Pos.Offset != at.Pos.Offset || second.Type != tDuration || first.Type != tDuration || first.Pos.Line != second.Pos.Line {
			continue
		}
		fix := first.Value + second.Value
		return &chunkError{tok: first, end: &toks[i], code: diag.ESyntax,
			msg:  fmt.Sprintf("a duration is written %s, not %s %s", fix, first.Value, second.Value),
			hint: "a duration's parts follow each other without spaces (1d2h, 1h30m)", fix: fix}
	}
	return nil
}

// countSlip recognises `expect count ...`, the order of other test tools
// (count first); the language counts after what it counts.
func countSlip(line []lexer.Token) *chunkError {
	if len(line) < 3 || line[0].Value != "expect" || line[1].Value != "count" {
		return nil
	}
	return &chunkError{tok: line[1], code: diag.ESyntax,
		msg:  `count comes after what it counts`,
		hint: "write the effect first, then how many: expect sent sms count 1"}
}

// commaSlip recognises a decimal comma (800,50, as Polish and Italian
// write it) where the error is at the comma: the number with a dot is the
// fix.
func commaSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for i := 1; i+1 < len(toks); i++ {
		comma, num, frac := toks[i], toks[i-1], toks[i+1]
		if comma.Pos.Offset != at.Pos.Offset || !isWord(&comma, tPunct, ",") {
			continue
		}
		if num.Type != tNumber || frac.Type != tNumber || strings.ContainsAny(num.Value+frac.Value, ".eE") ||
			num.Pos.Offset+len(num.Value) != comma.Pos.Offset || comma.Pos.Offset+1 != frac.Pos.Offset {
			return nil
		}
		fixed := num.Value + "." + frac.Value
		return &chunkError{tok: num, end: &frac, code: diag.ESyntax,
			msg:  fmt.Sprintf(`unexpected "," in %s,%s: decimals are written with a dot`, num.Value, frac.Value),
			hint: "write " + fixed, fix: fixed}
	}
	return nil
}

// clockSlip recognises a time of day written after a date with a space
// (at tomorrow 14:00, at deal.delivery_date 09:00, as people say it) where
// the error is at the time: the language adds a time of day to a date.
// After today or tomorrow the fix is sure; after a field it may be a
// datetime, which date() makes a date first, so only the hint says how.
func clockSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for i := 1; i < len(toks); i++ {
		t, prev := toks[i], toks[i-1]
		sure := prev.Value == "today" || prev.Value == "tomorrow" || prev.Type == tDate
		if t.Pos.Offset != at.Pos.Offset || t.Type != tClock || !sure && prev.Type != tIdent {
			continue
		}
		if prev.Type == tDate { // 2026-12-24 09:00: one literal
			joined := prev.Value + "T" + t.Value
			return &chunkError{tok: prev, end: &toks[i], code: diag.ESyntax,
				msg:  fmt.Sprintf("a date and a time are one value, joined by T: not %s %s", prev.Value, t.Value),
				hint: "write " + joined, fix: joined}
		}
		e := &chunkError{tok: t, code: diag.ESyntax,
			msg:  fmt.Sprintf("unexpected %s after %s: a time of day is added to a date with +", t.Value, prev.Value),
			hint: "write at tomorrow + 14:00, or for a date field at date(deal.delivery_date) + 09:00"}
		if sure {
			e.fix = "+ " + t.Value
		}
		return e
	}
	return nil
}

// relativeSlip recognises a time written in words relative to a date
// field, at 1d before deal.close_date (or after), where the error is in
// it: the language subtracts the duration from the date, with the whole
// time as the fix.
func relativeSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for k := 0; k+3 < len(toks); k++ {
		if toks[k].Value != "at" || toks[k+1].Type != tDuration || toks[k+2].Value != "before" && toks[k+2].Value != "after" {
			continue
		}
		end := k + 3 // the path after the word: NAME(.NAME)*
		for end < len(toks) && (toks[end].Type == tIdent || toks[end].Type == tKeyword && toks[end].Value != "if" || isWord(&toks[end], tPunct, ".")) {
			end++
		}
		if end == k+3 || at.Pos.Offset < toks[k+1].Pos.Offset || end < len(toks) && at.Pos.Offset > toks[end].Pos.Offset {
			continue // not this one's error: another such phrase may follow
		}
		var path strings.Builder
		for _, t := range toks[k+3 : end] {
			path.WriteString(t.Value)
		}
		op := "-"
		if toks[k+2].Value == "after" {
			op = "+"
		}
		fixed := fmt.Sprintf("%s %s %s", path.String(), op, toks[k+1].Value)
		return &chunkError{tok: toks[k+1], end: &toks[end-1], code: diag.ESyntax,
			msg:  fmt.Sprintf("a time %s a date is written %s, not %s %s %s", toks[k+2].Value, fixed, toks[k+1].Value, toks[k+2].Value, path.String()),
			hint: "at takes a date or a datetime: a field, with a duration added or taken away", fix: fixed}
	}
	return nil
}

// asSlip recognises settings written after `as NAME`, which ends a rule
// (the result's name) and a trigger (the employee it acts as), where the
// error is at what follows: they go before it.
func asSlip(toks []lexer.Token, at lexer.Token) *chunkError {
	for k := 0; k+2 < len(toks); k++ {
		// On the line of the as, from the token after its name: an error
		// on a later line (a test's next statement) is that line's own.
		if toks[k].Value != "as" || toks[k].Type != tKeyword || toks[k+2].Type == tEOF || at.Type == tEOF ||
			at.Pos.Offset < toks[k+2].Pos.Offset || toks[k+2].Pos.Line != toks[k].Pos.Line || at.Pos.Line != toks[k].Pos.Line {
			continue
		}
		if isWord(&toks[k+2], tPunct, ".") && adjacent(toks[k+1], toks[k+2]) {
			// as deal.responsible: a path where a name goes.
			end := k + 2
			for end+1 < len(toks) && adjacent(toks[end], toks[end+1]) && (toks[end+1].Type == tIdent || toks[end+1].Type == tKeyword || isWord(&toks[end+1], tPunct, ".")) {
				end++
			}
			hint := "write as and a name: as doc, then {doc.url} in a rule that starts with then"
			if unlabelled(toks)[0].Value == "move" {
				hint = "write as and an employee's name (as anna), or leave as out: the change is then recorded under the item's responsible"
			}
			return &chunkError{tok: toks[k+1], end: &toks[end], code: diag.ESyntax,
				msg: "as takes a name, not a field", hint: hint}
		}
		return &chunkError{tok: toks[k+2], code: diag.ESyntax,
			msg:  fmt.Sprintf("unexpected %s after as %s: as NAME comes last", describe(toks[k+2]), toks[k+1].Value),
			hint: "write the settings before as " + toks[k+1].Value}
	}
	return nil
}

// datePlace reports whether toks[i] is where a date is written: after at
// (a rule's time, a test's clock) or in a calendar's holidays.
func datePlace(toks []lexer.Token, i int) bool {
	if i > 0 && isWord(&toks[i-1], tKeyword, "at") {
		return true
	}
	if len(toks) == 0 || toks[0].Value != "calendar" {
		return false
	}
	for k := i - 1; k >= 0 && toks[k].Pos.Line == toks[i].Pos.Line; k-- {
		if toks[k].Value == "holidays" && (k == 0 || toks[k-1].Pos.Line != toks[k].Pos.Line || isWord(&toks[k-1], tPunct, "{")) {
			return true // the calendar's setting, first on its line or after {
		}
	}
	return false
}

// realDate reports whether year-month-day is a day of the calendar.
func realDate(year, month, day int) bool {
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return month >= 1 && month <= 12 && t.Day() == day && int(t.Month()) == month
}

// slashDate recognises a date written with slashes, 24/12/2026 (as most
// of Europe writes it; 12/24/2026 in the United States), which parses as
// a division: a date is written year-month-day. The fix is sure when one
// of the first two numbers cannot be a month; a time of day after it, at
// 23/11/2026 09:00, makes it a datetime.
func slashDate(toks []lexer.Token) *chunkError {
	for i := 0; i+4 < len(toks); i++ {
		a, s1, b, s2, y := toks[i], toks[i+1], toks[i+2], toks[i+3], toks[i+4]
		if a.Type != tNumber || b.Type != tNumber || y.Type != tNumber || !isWord(&s1, tPunct, "/") || !isWord(&s2, tPunct, "/") ||
			!adjacent(a, s1) || !adjacent(s1, b) || !adjacent(b, s2) || !adjacent(s2, y) || len(y.Value) != 4 {
			continue
		}
		if !datePlace(toks, i) {
			continue // 1/12/1000 in an expression is a division
		}
		d, err1 := strconv.Atoi(a.Value)
		m, err2 := strconv.Atoi(b.Value)
		if err1 != nil || err2 != nil || d < 1 || m < 1 || d > 31 || m > 31 || d > 12 && m > 12 {
			continue
		}
		end := i + 4
		clock := ""
		if i+5 < len(toks) && toks[i+5].Type == tClock && toks[i+5].Pos.Line == y.Pos.Line {
			end, clock = i+5, "T"+toks[i+5].Value
		}
		dm := fmt.Sprintf("%s-%02d-%02d%s", y.Value, m, d, clock) // day/month
		md := fmt.Sprintf("%s-%02d-%02d%s", y.Value, d, m, clock) // month/day
		year, _ := strconv.Atoi(y.Value)
		if !realDate(year, m, d) { // 31/02/2026: no fix is a date
			dm = ""
		}
		if !realDate(year, d, m) {
			md = ""
		}
		e := &chunkError{tok: a, end: &toks[end], code: diag.ESyntax,
			msg: fmt.Sprintf("a date is written year-month-day, not %s", sourceText(toks[i:end+1]))}
		switch {
		case dm == "" && md == "":
			e.hint = fmt.Sprintf("%s is no day of %s, read either way: write the date as %s-MM-DD", sourceText(toks[i:i+5]), y.Value, y.Value)
		case d > 12 || md == "":
			e.hint, e.fix = "write "+dm, dm
		case m > 12 || dm == "":
			e.hint, e.fix = "write "+md, md
		case d == m:
			e.hint, e.fix = "write "+dm, dm
		default:
			e.hint = fmt.Sprintf("write %s (day/month), or %s (month/day)", dm, md)
		}
		if clock != "" {
			e.hint += ": a date and a time are one value, joined by T"
		}
		return e
	}
	return nil
}
