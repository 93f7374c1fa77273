package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/stagecraft/stagecraft/runtime/engine"
)

// maxAnswer is the most of a webhook's answer kept as its body.
const maxAnswer = 64 << 10

// callWebhook makes an R-WEBHOOK call, the attempt key in Idempotency-Key,
// and returns its answer (status and body) for the rules after it. Any
// HTTP answer is an answer, a 500 too; only a call that gets none is
// tried again.
func callWebhook(ctx context.Context, hc *http.Client, key string, ef *engine.Effect) (status int, body string, err error) {
	method := ef.Fields["method"]
	if method == "" {
		method = "POST"
	}
	u := ef.Fields["url"]
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return 0, "", permanent(fmt.Errorf("the webhook's url %q is not http or https", u))
	}
	var rd io.Reader
	if method != "GET" {
		rd = strings.NewReader(ef.Fields["payload"])
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, "", permanent(err)
	}
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set("User-Agent", "stagecraft")
	if method != "GET" {
		ct := "text/plain; charset=utf-8"
		if json.Valid([]byte(ef.Fields["payload"])) {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return 0, "", err
	}
	b = bytes.ToValidUTF8(b, []byte("\uFFFD")) // a text, even when cut in a character
	return res.StatusCode, string(b), nil
}

// postChat posts a chat message for the chat provider (JSON: key, item,
// channel, text, hidden, and the attachments as the rule names them:
// attach, links and names of files; drive, paths in the document store),
// the attempt key (attemptKey) in Idempotency-Key.
func postChat(ctx context.Context, hc *http.Client, cfg *Chat, key string, ef *engine.Effect) error {
	msg := map[string]any{"key": key, "item": ef.Item, "channel": ef.To,
		"text": ef.Fields["text"], "hidden": ef.Fields["hidden"] == "true"}
	for _, k := range []string{"attach", "drive"} {
		if l := listOf(ef.Fields[k]); len(l) > 0 {
			msg[k] = l
		}
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, "POST", cfg.URL, bytes.NewReader(body))
	if err != nil {
		return permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	if cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
	}
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	return httpStatus(res.StatusCode, b)
}
