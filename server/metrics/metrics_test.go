package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Inputs are counted by tenant, kind and result, through the observers
// bound at a pair's first input.
func TestInput(t *testing.T) {
	m := New(func() []Gauges { return nil })
	for range 3 {
		m.Input("acme", "event", time.Millisecond, nil)
	}
	m.Input("acme", "event", 0, errors.New("refused"))
	m.Input("beta", "event", time.Millisecond, nil)
	m.Input("acme", "create", time.Millisecond, nil)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`stagecraft_inputs_total{kind="event",result="ok",tenant="acme"} 3`,
		`stagecraft_inputs_total{kind="event",result="refused",tenant="acme"} 1`,
		`stagecraft_inputs_total{kind="event",result="ok",tenant="beta"} 1`,
		`stagecraft_inputs_total{kind="create",result="ok",tenant="acme"} 1`,
		`stagecraft_commit_seconds_count{kind="event",tenant="acme"} 3`,
		`stagecraft_commit_seconds_count{kind="event",tenant="beta"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no %s in\n%s", want, body)
		}
	}
}
