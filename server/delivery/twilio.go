package delivery

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/stagecraft/stagecraft/runtime/engine"
)

// sendTwilio sends an SMS (Messages.json) or places a robocall
// (Calls.json, with TwiML <Say> or <Play>) through a Twilio-compatible
// API: a form-encoded POST under /2010-04-01/Accounts/SID/ with basic
// auth, the attempt key (attemptKey) in Idempotency-Key on every attempt.
func sendTwilio(ctx context.Context, hc *http.Client, cfg *Twilio, key string, ef *engine.Effect) error {
	// Twilio takes numbers in E.164 (+48600100200); the rules keep them
	// as the CRM has them (+48 600 100 200).
	form := url.Values{"To": {e164(ef.To)}}
	from := cfg.From
	if n := ef.Fields["number"]; n != "" { // a robocall's line
		from = n
	}
	form.Set("From", e164(from))
	resource := "Messages.json"
	switch ef.Kind {
	case "sms":
		form.Set("Body", ef.Fields["text"])
	case "robocall":
		resource = "Calls.json"
		form.Set("Twiml", twiml(ef.Fields))
	default:
		return permanent(fmt.Errorf("twilio sends sms and robocalls, not %s", ef.Kind))
	}
	u := strings.TrimRight(cfg.BaseURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(cfg.AccountSID) + "/" + resource
	req, err := http.NewRequestWithContext(ctx, "POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		return permanent(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Idempotency-Key", key)
	req.SetBasicAuth(cfg.AccountSID, cfg.AuthToken)
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	return httpStatus(res.StatusCode, body)
}

// twiml is a robocall's TwiML: the text spoken in the voice, language and
// rate of the rule's settings ("pl-PL female" is language pl-PL, voice
// woman), or the MP3 played.
func twiml(f map[string]string) string {
	var b strings.Builder
	b.WriteString("<Response>")
	if a := f["audio"]; a != "" {
		b.WriteString("<Play>" + esc(a) + "</Play>")
	} else {
		lang, voice := "", "woman"
		parts := strings.Fields(f["voice"])
		if len(parts) > 0 {
			lang = parts[0]
		}
		if len(parts) > 1 && (parts[1] == "male" || parts[1] == "man") {
			voice = "man"
		}
		b.WriteString(`<Say voice="` + esc(voice) + `"`)
		if lang != "" {
			b.WriteString(` language="` + esc(lang) + `"`)
		}
		b.WriteString(">")
		text := esc(f["say"])
		var prosody string
		if r := f["speed"]; r != "" && r != "1" {
			prosody += ` rate="` + esc(pct(r)) + `"`
		}
		if v := volume(f["volume"]); v != "" {
			prosody += ` volume="` + esc(v) + `"`
		}
		if prosody != "" {
			text = `<prosody` + prosody + `>` + text + `</prosody>`
		}
		b.WriteString(text + "</Say>")
	}
	b.WriteString("</Response>")
	return b.String()
}

// volume is SSML's prosody volume of the rule's 0 to 100, 100 the voice's
// own (none written): the amplitude's fraction in decibels, 50 as -6.0dB;
// 0 is silent.
func volume(v string) string {
	var f float64
	if _, err := fmt.Sscan(v, &f); err != nil || f >= 100 {
		return ""
	}
	if f <= 0 {
		return "silent"
	}
	return fmt.Sprintf("%+.1fdB", 20*math.Log10(f/100))
}

func pct(rate string) string {
	var f float64
	if _, err := fmt.Sscan(rate, &f); err != nil || f <= 0 {
		return "100%"
	}
	return fmt.Sprintf("%.0f%%", f*100)
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// httpStatus is the error of a provider's answer: none for 2xx; a 4xx
// other than 408 and 429 is permanent (the request itself is wrong).
func httpStatus(code int, body []byte) error {
	switch {
	case code >= 200 && code < 300:
		return nil
	case code >= 400 && code < 500 && code != 408 && code != 429:
		return permanent(fmt.Errorf("HTTP %d: %s", code, short(body)))
	}
	return fmt.Errorf("HTTP %d: %s", code, short(body))
}

func short(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// e164 is a phone number as Number writes it (+48 600 100 200 is
// +48600100200); anything that is not only a number's characters (an
// alphanumeric sender ID such as Meble24, a messaging service's SID, a
// channel's prefix as whatsapp:+48...) goes as it is.
func e164(s string) string {
	for _, r := range s {
		if !strings.ContainsRune("0123456789+ -().", r) {
			return s
		}
	}
	if n := Number(s); n != "" {
		return n
	}
	return s
}
