package inbound

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/server/delivery"
)

// TestTwilioSignature checks the scheme against the example of Twilio's
// own documentation (auth token 12345).
func TestTwilioSignature(t *testing.T) {
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"}}
	if got, want := TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form), "RSOYDt4T1cUTdK1PDd93/VVr8B8="; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
	if TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=3", form) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=" {
		t.Errorf("the query is not signed")
	}
	// Several values of a name are signed sorted: their order in the body does not matter.
	a := TwilioSignature("k", "https://x.example/", url.Values{"M": {"b", "a"}})
	b := TwilioSignature("k", "https://x.example/", url.Values{"M": {"a", "b"}})
	if a != b {
		t.Errorf("values signed in their order: %s %s", a, b)
	}
}

func TestChatSignature(t *testing.T) {
	const secret = "0123456789abcdef"
	body := []byte(`{"id":"m-1","event":"message","item":"3","text":"hej"}`)
	sig := ChatSignature(secret, 1000, body)
	for _, c := range []struct {
		name, header string
		body         []byte
		now          int64
		err          string
	}{
		{"good", sig, body, 1000, ""},
		{"5 minutes late", sig, body, 1300, ""},
		{"too late", sig, body, 1301, "from the server's clock"},
		{"too early", sig, body, 699, "from the server's clock"},
		{"none", "", body, 1000, "no X-Stagecraft-Signature"},
		{"no mac", "t=1000", body, 1000, "lacks"},
		{"bad time", "t=x,v1=00", body, 1000, "not Unix seconds"},
		{"body changed", sig, []byte(`{"id":"m-1","event":"message","item":"4","text":"hej"}`), 1000, "does not match"},
		{"time changed", strings.Replace(sig, "t=1000", "t=1001", 1), body, 1000, "does not match"},
		{"another secret", ChatSignature("fedcba9876543210", 1000, body), body, 1000, "does not match"},
	} {
		err := checkChatSignature(secret, c.header, c.body, c.now)
		if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want %q", c.name, err, c.err)
		}
	}
}

func TestCallEvent(t *testing.T) {
	for _, c := range []struct{ dir, status, event, client string }{
		{"inbound", "ringing", "", ""},
		{"inbound", "queued", "", ""},
		{"inbound", "in-progress", "call incoming", "From"},
		{"inbound", "completed", "call incoming", "From"},
		{"inbound", "no-answer", "call missed", "From"},
		{"inbound", "busy", "call missed", "From"},
		{"inbound", "canceled", "call missed", "From"},
		{"outbound-dial", "completed", "call outgoing", "To"},
		{"outbound-dial", "no-answer", "", ""},
		{"outbound-api", "completed", "", ""}, // our own robocalls
	} {
		if e, cl := callEvent(c.dir, c.status); e != c.event || cl != c.client {
			t.Errorf("%s %s: %q %q, want %q %q", c.dir, c.status, e, cl, c.event, c.client)
		}
	}
}

func TestNumber(t *testing.T) {
	for in, want := range map[string]string{
		"+48 600-100 (200)": "+48600100200",
		"+48600100200":      "+48600100200",
		"22 123 45 67":      "221234567",
		" +1 555":           "+1555",
		"tel 5+5":           "55",
		"WhatsApp":          "",
		"+":                 "",
	} {
		if got := delivery.Number(in); got != want {
			t.Errorf("Number(%q) = %q, want %q", in, got, want)
		}
	}
}
