package delivery

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config says how messages go out: which providers, with which
// credentials, and how often to try. It comes from a JSON file (serve
// --delivery FILE; a tenant's own in DATA/tenants/NAME/delivery.json
// replaces it for that tenant) and from the environment (STAGECRAFT_*,
// which wins over the file). Credentials are never logged: String shows
// none of them.
type Config struct {
	SMTP    *SMTP    `json:"smtp,omitempty"`
	Twilio  *Twilio  `json:"twilio,omitempty"`
	Chat    *Chat    `json:"chat,omitempty"`
	Webhook *Webhook `json:"webhook,omitempty"`
	Files   Files    `json:"files,omitempty"`
	Retry   Retry    `json:"retry"`
}

// SMTP is the mail server e-mails go through.
type SMTP struct {
	Host     string `json:"host"`
	Port     int    `json:"port"`               // default 587
	Username string `json:"username,omitempty"` // with Password: AUTH PLAIN
	Password string `json:"password,omitempty"`
	// StartTLS: "auto" (when the server offers it; the default), "always"
	// (refuse to send without it) or "never".
	StartTLS string `json:"starttls,omitempty"`
}

// Twilio is a Twilio-compatible REST API for SMS and robocalls.
type Twilio struct {
	BaseURL    string `json:"base_url,omitempty"` // default https://api.twilio.com
	AccountSID string `json:"account_sid"`
	AuthToken  string `json:"auth_token"`
	// From is the number messages and calls come from when the rule names
	// no line.
	From string `json:"from"`
}

// Chat is where chat messages are posted (JSON), for the chat provider
// to pass on to the client's channel.
type Chat struct {
	URL   string `json:"url,omitempty"`
	Token string `json:"token,omitempty"` // sent as a Bearer token
	// InboundSecret signs the chat provider's posts to the server's
	// inbound endpoint (server/inbound: X-Stagecraft-Signature). Without
	// it inbound chat is refused. A chat with only a secret receives and
	// does not send.
	InboundSecret string `json:"inbound_secret,omitempty"`
}

// Webhook bounds outgoing webhook calls.
type Webhook struct {
	Timeout Duration `json:"timeout,omitempty"` // default 10s
}

// Retry is how a failed delivery is tried again: after Base, then twice
// as long each time up to Max, at most Attempts tries in all.
type Retry struct {
	Attempts int      `json:"attempts,omitempty"` // default 8
	Base     Duration `json:"base,omitempty"`     // default 1s
	Max      Duration `json:"max,omitempty"`      // default 5m
}

// Duration is a time.Duration written as "10s" in JSON.
type Duration time.Duration

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a text like \"10s\": %v", err)
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Load reads a config file; an empty name is an empty config. The
// environment is applied over it.
func Load(name string) (Config, error) {
	var c Config
	if name != "" {
		b, err := os.ReadFile(name)
		if err != nil {
			return c, err
		}
		// Strict, as the API is: a member misspelt ("retyr", "hostt")
		// would otherwise be left out quietly, and the server start with
		// defaults the operator did not choose.
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("%s: %v", name, err)
		}
		if dec.More() {
			return c, fmt.Errorf("%s: more than one JSON value", name)
		}
	}
	if err := c.env(os.Getenv); err != nil {
		return c, err
	}
	return c, c.check()
}

// env applies STAGECRAFT_SMTP_HOST, _PORT, _USERNAME, _PASSWORD,
// _STARTTLS; STAGECRAFT_TWILIO_URL, _SID, _TOKEN, _FROM;
// STAGECRAFT_CHAT_URL, _TOKEN, _INBOUND_SECRET.
func (c *Config) env(get func(string) string) error {
	if h := get("STAGECRAFT_SMTP_HOST"); h != "" {
		if c.SMTP == nil {
			c.SMTP = &SMTP{}
		}
		c.SMTP.Host = h
	}
	if c.SMTP != nil {
		if p := get("STAGECRAFT_SMTP_PORT"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return fmt.Errorf("STAGECRAFT_SMTP_PORT: %v", err)
			}
			c.SMTP.Port = n
		}
		set(&c.SMTP.Username, get("STAGECRAFT_SMTP_USERNAME"))
		set(&c.SMTP.Password, get("STAGECRAFT_SMTP_PASSWORD"))
		set(&c.SMTP.StartTLS, get("STAGECRAFT_SMTP_STARTTLS"))
	}
	if s := get("STAGECRAFT_TWILIO_SID"); s != "" {
		if c.Twilio == nil {
			c.Twilio = &Twilio{}
		}
		c.Twilio.AccountSID = s
	}
	if c.Twilio != nil {
		set(&c.Twilio.BaseURL, get("STAGECRAFT_TWILIO_URL"))
		set(&c.Twilio.AuthToken, get("STAGECRAFT_TWILIO_TOKEN"))
		set(&c.Twilio.From, get("STAGECRAFT_TWILIO_FROM"))
	}
	for _, k := range []string{"STAGECRAFT_CHAT_URL", "STAGECRAFT_CHAT_INBOUND_SECRET"} {
		if get(k) != "" && c.Chat == nil {
			c.Chat = &Chat{}
		}
	}
	if c.Chat != nil {
		set(&c.Chat.URL, get("STAGECRAFT_CHAT_URL"))
		set(&c.Chat.Token, get("STAGECRAFT_CHAT_TOKEN"))
		set(&c.Chat.InboundSecret, get("STAGECRAFT_CHAT_INBOUND_SECRET"))
	}
	return nil
}

func set(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func (c *Config) check() error {
	var errs []error
	if s := c.SMTP; s != nil {
		if s.Host == "" {
			errs = append(errs, errors.New("smtp: no host"))
		}
		switch s.StartTLS {
		case "", "auto", "always", "never":
		default:
			errs = append(errs, fmt.Errorf("smtp: starttls is auto, always or never, not %q", s.StartTLS))
		}
	}
	if c.Files.MaxBytes < 0 {
		errs = append(errs, errors.New("files: max_bytes is negative"))
	}
	if u := c.Files.DocumentsURL; u != "" && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		errs = append(errs, fmt.Errorf("files: documents_url %q is not http or https", u))
	}
	if t := c.Twilio; t != nil && (t.AccountSID == "" || t.AuthToken == "") {
		errs = append(errs, errors.New("twilio: account_sid and auth_token are both needed"))
	}
	if c.Chat != nil && c.Chat.URL == "" && c.Chat.InboundSecret == "" {
		errs = append(errs, errors.New("chat: no url (to send) and no inbound_secret (to receive)"))
	}
	if c.Chat != nil && c.Chat.InboundSecret != "" && len(c.Chat.InboundSecret) < 16 {
		errs = append(errs, errors.New("chat: inbound_secret is shorter than 16 characters"))
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Retry.Attempts <= 0 {
		c.Retry.Attempts = 8
	}
	if c.Retry.Base <= 0 {
		c.Retry.Base = Duration(time.Second)
	}
	if c.Retry.Max <= 0 {
		c.Retry.Max = Duration(5 * time.Minute)
	}
	if c.SMTP != nil && c.SMTP.Port == 0 {
		s := *c.SMTP
		s.Port = 587
		c.SMTP = &s
	}
	if c.Twilio != nil && c.Twilio.BaseURL == "" {
		tw := *c.Twilio
		tw.BaseURL = "https://api.twilio.com"
		c.Twilio = &tw
	}
	return c
}

// String names the providers configured, without a credential.
func (c Config) String() string {
	s := "delivery:"
	if c.SMTP != nil {
		s += fmt.Sprintf(" smtp %s:%d", c.SMTP.Host, c.SMTP.Port)
	}
	if c.Twilio != nil {
		s += " twilio " + c.Twilio.BaseURL
	}
	if c.Chat != nil && c.Chat.URL != "" {
		s += " chat"
	}
	if c.Chat != nil && c.Chat.InboundSecret != "" {
		s += " chat-inbound"
	}
	s += " webhooks"
	return s
}

// backoff is how long to wait after the attempt-th failed try.
func (r Retry) backoff(attempt int) time.Duration {
	d := time.Duration(r.Base)
	for i := 1; i < attempt && d < time.Duration(r.Max); i++ {
		d *= 2
	}
	return min(d, time.Duration(r.Max))
}
