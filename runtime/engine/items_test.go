package engine

import (
	"encoding/json"
	"testing"

	"github.com/stagecraft/stagecraft/runtime/value"
)

// TestEncodeItem holds the hand-written item encoder to encoding/json, so
// that the store's bytes are what spec/storage.md says.
func TestEncodeItem(t *testing.T) {
	for _, s := range []stored{
		{ID: "1", Entity: "contact", Fields: map[string]value.Value{}},
		{ID: "2.1", Entity: "deal", Pipeline: "Sprzedaż", Entered: 7, Channel: "whatsapp",
			Fields:   map[string]value.Value{"title": value.TextOf("Sofa <Oslo>"), "amount": value.MoneyOf(4200.5), "contact": value.RefOf("contact", "1")},
			Vars:     map[string]value.Value{"x": value.NumberOf(1)},
			Timers:   []string{"2/timer/a/r", "2/timer/b/k"},
			Acts:     []string{"2/rec/c"},
			Awaiting: []awaiting{{Key: "3-1", Rule: "deal/Sprzedaż/Oferta: call webhook as slot", Version: 2, Entered: 7}}},
	} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.encode(); string(got) != string(want) {
			t.Errorf("encode:\n got %s\nwant %s", got, want)
		}
	}
}
