//go:build wasip1

// Command crm-go is the Go example of a stagecraft action module: a phone
// number normalised to E.164 and a delivery date that skips weekends and
// holidays. Build it with build.sh (spec/wasm.md, examples/actions/README.md).
package main

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// main is never called: the module is a reactor (-buildmode=c-shared),
// initialised by _initialize and then called through its exports.
func main() {}

// init fills encoding/json's caches for the actions' types once, during
// _initialize, so that they are in the snapshot every call starts from
// instead of being rebuilt in every call (Warm says why).
func init() {
	Warm[phoneIn, phoneOut](`{"number":"602 000 111","country":"48"}`)
	Warm[deliveryIn, deliveryOut](`{"from":"2026-12-23","days":1,"holidays":["2026-12-24"]}`)
}

type phoneIn struct {
	Number  string  `json:"number"`
	Country *string `json:"country"` // optional: a calling code, "48" unless given
}

type phoneOut struct {
	E164  *string `json:"e164"` // null when the number is not valid
	Valid bool    `json:"valid"`
}

//go:wasmexport action_e164
func actionE164(ptr, size int32) int64 { return Serve(ptr, size, e164) }

// e164 normalises a phone number to E.164: "602 000 111" with the calling
// code 48 is "+48602000111"; "0048 602-000-111" and "+48 (602) 000 111" too.
func e164(in phoneIn) (phoneOut, error) {
	code := "48"
	if in.Country != nil && *in.Country != "" {
		code = strings.TrimPrefix(*in.Country, "+")
	}
	var digits strings.Builder
	s := strings.TrimSpace(in.Number)
	international := false
	switch {
	case strings.HasPrefix(s, "+"):
		international, s = true, s[1:]
	case strings.HasPrefix(s, "00"):
		international, s = true, s[2:]
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/':
		default:
			Log(fmt.Sprintf("not a phone number: %q has %q", in.Number, r))
			return phoneOut{}, nil
		}
	}
	d := digits.String()
	if !international {
		d = code + strings.TrimPrefix(d, "0")
	}
	if code == "48" && strings.HasPrefix(d, "48") && len(d) != 11 {
		Log(fmt.Sprintf("a Polish number has 9 digits: %q", in.Number))
		return phoneOut{}, nil
	}
	if len(d) < 8 || len(d) > 15 {
		return phoneOut{}, nil
	}
	out := "+" + d
	return phoneOut{E164: &out, Valid: true}, nil
}

type deliveryIn struct {
	From     string   `json:"from"`     // a date: 2026-12-23
	Days     float64  `json:"days"`     // working days to add
	Holidays []string `json:"holidays"` // optional: dates that are not working days
}

type deliveryOut struct {
	Date string `json:"date"`
}

//go:wasmexport action_delivery_date
func actionDeliveryDate(ptr, size int32) int64 { return Serve(ptr, size, deliveryDate) }

// deliveryDate adds working days to a date, skipping Saturdays, Sundays
// and the holidays; 0 days from a day off is the next working day.
func deliveryDate(in deliveryIn) (deliveryOut, error) {
	day, err := time.Parse(time.DateOnly, in.From)
	if err != nil {
		return deliveryOut{}, fmt.Errorf("from: %v", err)
	}
	if in.Days < 0 || in.Days > 3650 || in.Days != float64(int(in.Days)) {
		return deliveryOut{}, errors.New("days must be a whole number from 0 to 3650")
	}
	off := map[string]bool{}
	for _, h := range in.Holidays {
		off[h] = true
	}
	working := func(t time.Time) bool {
		wd := t.Weekday()
		return wd != time.Saturday && wd != time.Sunday && !off[t.Format(time.DateOnly)]
	}
	for !working(day) {
		day = day.AddDate(0, 0, 1)
	}
	for n := int(in.Days); n > 0; {
		day = day.AddDate(0, 0, 1)
		if working(day) {
			n--
		}
	}
	return deliveryOut{Date: day.Format(time.DateOnly)}, nil
}
