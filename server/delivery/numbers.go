package delivery

import (
	"regexp"
	"strings"

	"github.com/stagecraft/stagecraft/runtime/store"
)

// The dispatcher remembers, for each phone number it sent an SMS or a
// robocall to, the item that sent it last (dlv/to/NUMBER, written in the
// batch that takes the record). Providers' inbound webhooks (server/inbound)
// name a number, not an item: a client answering an SMS, or calling back,
// is matched to the item that last wrote to them.

var trunkZero = regexp.MustCompile(`^(\+\d{1,3})\s*\(0\)`)

func keyNumber(n string) []byte { return []byte("dlv/to/" + n) }

// Number is a phone number reduced to a leading + and its digits, as
// providers write them (E.164): "+48 600-100 (200)" is "+48600100200", as
// are "0048 600 100 200" and "+48 (0) 600 100 200". A text with no digit
// is "".
func Number(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:] // the international prefix written as dialled in Europe
	}
	// "+48 (0) 600 100 200": the trunk zero in brackets right after the
	// country code is not dialled.
	s = trunkZero.ReplaceAllString(s, "$1")
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0 && strings.TrimSpace(s[:i]) == "":
			b.WriteRune(r)
		}
	}
	if strings.Trim(b.String(), "+") == "" {
		return ""
	}
	return b.String()
}

// ItemOfNumber is the item that last sent an SMS or a robocall to a phone
// number, from a tenant's side store.
func ItemOfNumber(side *store.Store, number string) (item string, ok bool, err error) {
	n := Number(number)
	if n == "" {
		return "", false, nil
	}
	v, ok, err := side.Get(keyNumber(n))
	return string(v), ok, err
}
