package rpc

import (
	"maps"
	"testing"
)

// TestShownFields: an empty internal field (links of an e-mail with no
// link to track) is not sent; the rest, and links that hold links, are.
func TestShownFields(t *testing.T) {
	for _, c := range []struct{ in, want map[string]string }{
		{map[string]string{"subject": "Hi", "links": ""}, map[string]string{"subject": "Hi"}},
		{map[string]string{"subject": "", "links": "https://x.pl"}, map[string]string{"subject": "", "links": "https://x.pl"}},
		{nil, nil},
	} {
		if got := shownFields(c.in); !maps.Equal(got, c.want) {
			t.Errorf("shownFields(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
