package manifest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const good = `{"abi":1,"name":"crm-go","version":"1.0.0","actions":[{"name":"delivery_date",
 "inputs":[{"name":"from","type":"date"},{"name":"holidays","type":"list(date)","optional":true}],
 "outputs":[{"name":"date","type":"date"}]}]}`

func TestParse(t *testing.T) {
	m, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	a := m.Action("delivery_date")
	if a == nil || a.Export() != "action_delivery_date" || a.Input("holidays").Type.String() != "list(date)" || !a.Input("holidays").Optional {
		t.Fatalf("%+v", m)
	}
	if m.Action("nope") != nil || a.Output("nope") != nil {
		t.Error("found what is not there")
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ change, want string }{
		{`"abi":1`, `"abi":2`},
		{`"optional":true`, `"optinal":true`},
		{`"type":"list(date)"`, `"type":"list(list(date))"`},
		{`"type":"list(date)"`, `"type":"datum"`},
		{`"name":"crm-go"`, `"name":"CRM Go"`},
		{`"version":"1.0.0"`, `"version":""`},
		{`"name":"holidays"`, `"name":"from"`},
		{`"name":"delivery_date"`, `"name":"delivery-date"`},
		{`"outputs":[{"name":"date","type":"date"}]`, `"outputs":[]`},
	} {
		src := strings.Replace(good, c.change, c.want, 1)
		if src == good {
			t.Fatalf("%q not in the manifest", c.change)
		}
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("%s: no error", c.want)
		} else {
			t.Logf("%s: %v", c.want, err)
		}
	}
	if _, err := Parse([]byte(good + "{}")); err == nil {
		t.Error("data after the manifest: no error")
	}
}

// module is the smallest module: the header and an empty type section.
var module = []byte{0, 'a', 's', 'm', 1, 0, 0, 0, 1, 1, 0}

func TestEmbedAndRead(t *testing.T) {
	if _, err := Read(module); err == nil || !strings.Contains(err.Error(), "no custom section") {
		t.Fatalf("err = %v", err)
	}
	once, err := Embed(module, []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(good, "1.0.0", "1.0.1", 1)
	twice, err := Embed(once, []byte(other))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Read(twice)
	if err != nil || m.Version != "1.0.1" {
		t.Fatalf("read %+v, %v: the second Embed must replace the first", m, err)
	}
	if string(twice[:len(module)]) != string(module) {
		t.Error("Embed changed the module's own bytes")
	}
	if Hash(once) == Hash(twice) || !strings.HasPrefix(Hash(once), "sha256:") {
		t.Error("hash")
	}
	// Packed again with the manifest it has, a module is the same bytes;
	// with another, its manifest stays where it was (a section after it,
	// as a name section a linker adds, stays after it).
	if again, err := Embed(once, []byte(good)); err != nil || !bytes.Equal(again, once) {
		t.Errorf("the same manifest again changed the module: %v", err)
	}
	named := append(append([]byte(nil), once...), 0, 5, 4, 'n', 'a', 'm', 'e')
	renamed, err := Embed(named, []byte(other))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(renamed, []byte{0, 5, 4, 'n', 'a', 'm', 'e'}) {
		t.Error("a new manifest moved after the section that followed it")
	}
	// Two manifest sections are refused.
	double := append(append([]byte(nil), once...), once[len(module):]...)
	if _, err := Raw(double); err == nil || !strings.Contains(err.Error(), "2 custom sections") {
		t.Errorf("two sections: %v", err)
	}
	if _, err := Embed(module, []byte(`{"abi":1}`)); err == nil {
		t.Error("Embed took an invalid manifest")
	}
	if _, err := Sections(once[:len(once)-3]); err == nil {
		t.Error("a truncated module split")
	}
}

// TestParseErrorsSay: a manifest's mistakes are told with where they are
// (line:col and the member's path) in the manifest's words; a member
// given twice is refused, as JSON readers differ on which one counts.
func TestParseErrorsSay(t *testing.T) {
	for _, c := range []struct{ change, to, want string }{
		{`"optional":true`, `"optinal":true`, `manifest:2:81: actions[0].inputs[1].optinal: no such member (did you mean "optional"?); an input takes doc, name, optional, type`},
		{`"optional":true`, `"optional":"yes"`, `manifest:2:92: actions[0].inputs[1].optional: want a bool, not a string`},
		{`"type":"list(date)"`, `"type":"decimal"`, `actions[0].inputs[1].type: type "decimal": want one of`},
		{`"type":"list(date)"`, `"type":5`, `actions[0].inputs[1].type: want a type such as "money" or "list(date)", not a number`},
		{`"type":"date"}]}]}`, `"type":"date","type":"text"}]}]}`, `actions[0].outputs[0].type: given twice: JSON readers differ on which one counts`},
		{`"name":"crm-go",`, `"name":"crm-go","name":"x",`, `manifest:1:26: name: given twice`},
		{`"version":"1.0.0",`, ``, `manifest:3:45: no "version": the manifest needs one`},
		{`{"name":"from","type":"date"}`, `{"name":"from"}`, `actions[0].inputs[0]: no "type": an input needs one`},
		{`"abi":1`, `"abi":"1"`, `manifest:1:8: abi: want a whole number, not a string`},
		{`"abi":1`, `"abi":1.0`, `manifest:1:8: abi: want a whole number, not 1.0`},
		{`"name":"crm-go"`, `"NAME":"crm-go"`, `NAME: no such member (did you mean "name"?)`},
		{`"name":"delivery_date",`, `"name":"delivery_date","doc":"Łódź","x":1,`, `manifest:1:92: actions[0].x: no such member`},
		{`"version":"1.0.0"`, `"version":null`, `version: want a string, not null`},
		{`"actions":[`, `"actions":{`, `actions: want an array, not an object`},
		{`"date"}]}]}`, `"date"}]}]`, `the JSON ends early`},
		{`"date"}]}]}`, `"date"}]}]}}`, `data after the manifest's JSON object`},
		{`"inputs":[`, `"inputs":[,`, `manifest:2:12: actions[0].inputs[0]: not JSON: invalid character ','`},
	} {
		src := strings.Replace(good, c.change, c.to, 1)
		if src == good {
			t.Fatalf("%q not in the manifest", c.change)
		}
		if _, err := Parse([]byte(src)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.to, err, c.want)
		}
	}
	for _, ok := range []struct{ change, to string }{
		{`"optional":true`, `"optional":null`},
		{`"name":"delivery_date",`, `"name":"delivery_date","doc":null,`},
		{`"inputs":[{"name":"from","type":"date"},{"name":"holidays","type":"list(date)","optional":true}],`, `"inputs":null,`},
	} {
		if _, err := Parse([]byte(strings.Replace(good, ok.change, ok.to, 1))); err != nil {
			t.Errorf("null for a member that may be left out (%s): %v", ok.to, err)
		}
	}
	m, _ := Parse([]byte(good))
	m.Actions[0].Inputs = nil
	if b, err := json.Marshal(m); err != nil {
		t.Fatal(err)
	} else if _, err := Parse(b); err != nil {
		t.Errorf("a manifest json.Marshal wrote: %v", err)
	}
	if _, err := Parse([]byte("\xef\xbb\xbf" + good)); err == nil || !strings.Contains(err.Error(), "byte order mark") {
		t.Errorf("a BOM: %v", err)
	}
}

// TestValidateSays: what Validate finds wrong with a value is told as
// readStrict's errors are, with line:col and the member's path
// (spec/wasm.md, The manifest). Before, these errors said neither.
func TestValidateSays(t *testing.T) {
	long := strings.Repeat("a", 64)
	for _, c := range []struct{ change, to, want string }{
		{`"abi":1`, `"abi":2`, `manifest:1:8: abi: abi 2, this host speaks abi 1`},
		{`"name":"crm-go"`, `"name":"Bad"`, `manifest:1:17: name: module name "Bad": lower-case letters`},
		{`"name":"crm-go"`, `"name":"` + long + `"`, `manifest:1:17: name: module name "` + long + `": 64 characters, at most 63`},
		{`"version":"1.0.0"`, `"version":"` + long + `x"`, `manifest:1:36: version: version "` + long + `x": 65 characters, at most 64`},
		{`"actions":[{"name":"delivery_date",` + "\n" + ` "inputs":[{"name":"from","type":"date"},{"name":"holidays","type":"list(date)","optional":true}],` + "\n" + ` "outputs":[{"name":"date","type":"date"}]}]`,
			`"actions":[]`, `manifest:1:54: actions: no actions`},
		{`"name":"delivery_date"`, `"name":"Vat"`, `manifest:1:63: actions[0].name: action name "Vat": lower-case letters`},
		{`"name":"delivery_date"`, `"name":"` + long + `"`, `manifest:1:63: actions[0].name: action name "` + long + `": 64 characters, at most 63`},
		{`"outputs":[{"name":"date","type":"date"}]}]`, `"outputs":[{"name":"date","type":"date"}]},{"name":"delivery_date","outputs":[{"name":"d","type":"date"}]}]`,
			`manifest:3:53: actions[1].name: action "delivery_date" declared twice (also actions[0])`},
		{`"name":"holidays"`, `"name":"from"`, `manifest:2:50: actions[0].inputs[1].name: action "delivery_date": input "from" declared twice (also actions[0].inputs[0])`},
		{`"name":"holidays"`, `"name":"Holidays"`, `manifest:2:50: actions[0].inputs[1].name: action "delivery_date": input name "Holidays": lower-case letters`},
		{`"outputs":[{"name":"date","type":"date"}]`, `"outputs":[]`, `manifest:3:12: actions[0].outputs: action "delivery_date" has no outputs`},
		// Reserved words: `run vat and 5` and `output if: text` do not parse.
		{`"name":"holidays"`, `"name":"and"`, `manifest:2:50: actions[0].inputs[1].name: action "delivery_date": input name "and": "and" is a reserved word of the rules language`},
		{`{"name":"date","type":"date"}`, `{"name":"if","type":"date"}`, `manifest:3:21: actions[0].outputs[0].name: action "delivery_date": output name "if": "if" is a reserved word`},
		{`"name":"delivery_date"`, `"name":"at"`, `manifest:1:63: actions[0].name: action name "at": "at" is a reserved word`},
	} {
		src := strings.Replace(good, c.change, c.to, 1)
		if src == good {
			t.Fatalf("%q not in the manifest", c.change)
		}
		if _, err := Parse([]byte(src)); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s...", c.to, err, c.want)
		}
	}
	// Validate of a manifest built in Go has no JSON to point into: the path.
	m, _ := Parse([]byte(good))
	m.Actions[0].Inputs[0].Name = "as"
	if err := m.Validate(); err == nil || !strings.HasPrefix(err.Error(), `manifest: actions[0].inputs[0].name: action "delivery_date": input name "as": "as" is a reserved word`) {
		t.Errorf("Validate: %v", err)
	}
	// The longest names are taken.
	for _, to := range []string{`"name":"` + long[1:] + `"`} {
		if _, err := Parse([]byte(strings.Replace(good, `"name":"crm-go"`, to, 1))); err != nil {
			t.Errorf("a module name of 63 characters: %v", err)
		}
		if _, err := Parse([]byte(strings.Replace(good, `"name":"delivery_date"`, to, 1))); err != nil {
			t.Errorf("an action name of 63 characters: %v", err)
		}
	}
}
