package delivery

import "testing"

// TestDecodeStatus: a status stored with its times in seconds (before
// they were kept in milliseconds) reads as one stored now; the API's
// seconds round the next attempt up, never before it is due.
func TestDecodeStatus(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want Status
	}{
		{`{"state":"retrying","attempts":2,"last":1796000000,"next":1796000004}`, Status{State: Retrying, Attempts: 2, Last: 1796000000000, Next: 1796000004000}},
		{`{"state":"retrying","attempts":2,"last_ms":1796000000123,"next_ms":1796000001123}`, Status{State: Retrying, Attempts: 2, Last: 1796000000123, Next: 1796000001123}},
		{`{"state":"delivered","attempts":1,"last_ms":1796000000123}`, Status{State: Delivered, Attempts: 1, Last: 1796000000123}},
	} {
		got, err := decodeStatus([]byte(c.raw))
		if err != nil || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.raw, got, err, c.want)
		}
	}
	st := Status{Last: 1796000000999, Next: 1796000001001}
	if st.LastSecond() != 1796000000 || st.NextSecond() != 1796000002 {
		t.Errorf("seconds of %+v: last %d, next %d", st, st.LastSecond(), st.NextSecond())
	}
	if _, err := decodeStatus([]byte(`{"state":`)); err == nil {
		t.Error("a damaged status read")
	}
}
