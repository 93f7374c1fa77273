package wasm

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestCountsRefused: a module whose counts its bytes cannot hold is
// refused before wazero reads it, naming the count; the test modules and
// the examples pass.
func TestCountsRefused(t *testing.T) {
	header := "\x00asm\x01\x00\x00\x00"
	for _, c := range []struct{ name, module, why string }{
		// FuzzInstrument's find: 2^27 exports declared, which took wazero
		// 35 s and gigabytes to refuse.
		{"exports", header + "\x07\x06\x80\x80\x80\x40\x00\x00", "section 7: 134217728 entries declared in the 2 bytes left"},
		{"params", header + "\x01\x08\x01\x60\xff\xff\xff\xff\x0f\x00", "section 1: 4294967295 entries declared in the 1 bytes left"},
		{"locals", header + "\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x0a\x01\x08\x01\xff\xff\xff\xff\x0f\x7f\x0b",
			"section 10: function 0: a function with 4294967295 locals (at most 50000)"},
		{"data", header + "\x0b\x07\x01\x01\xff\xff\xff\xff\x0f", "section 11: 4294967295 entries declared in the 0 bytes left"},
		{"names", header + "\x00\x0c\x04name\x01\x05\xff\xff\xff\xff\x0f", "section 0: name section: 4294967295 entries declared in the 0 bytes left"},
	} {
		err := checkCounts([]byte(c.module))
		if err == nil || err.Error() != c.why {
			t.Errorf("%s: %v, want %q", c.name, err, c.why)
		}
	}

	// Through Load: a ModuleError, without wazero. The manifest is there,
	// as a hostile module would have it.
	bomb, err := Embed([]byte(header+"\x07\x06\x80\x80\x80\x40\x00\x00"), []byte(`{"abi": 1, "name": "m", "version": "1", "actions": [{"name": "a", "outputs": [{"name": "n", "type": "number"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var me *ModuleError
	if _, err := newHost(t, Options{}).Load(context.Background(), bomb); !errors.As(err, &me) || !strings.Contains(err.Error(), "134217728 entries") {
		t.Errorf("Load: %v, want a ModuleError naming the count", err)
	}

	names, _ := os.ReadDir("testdata")
	for _, n := range names {
		if name, ok := strings.CutSuffix(n.Name(), ".wat"); ok {
			if err := checkCounts(wat(t, name)); err != nil && name != "bigtable" { // TestTableLimit
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	for _, dir := range []string{"wat", "assemblyscript", "go"} {
		if err := checkCounts(example(t, dir)); err != nil {
			t.Errorf("example %s: %v", dir, err)
		}
	}
}
