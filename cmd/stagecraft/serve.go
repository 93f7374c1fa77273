package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/stagecraft/stagecraft/server"
	"github.com/stagecraft/stagecraft/server/delivery"
)

// cmdServe runs the server until SIGINT or SIGTERM, then stops gracefully.
func cmdServe(args []string, stdout, stderr io.Writer) int {
	c := newCommand("serve", "[--data DIR] [--addr HOST:PORT]", stdout, stderr)
	data := c.fl.String("data", server.DefaultData, "the data `folder`: API keys and each tenant's stores")
	addr := c.fl.String("addr", server.DefaultAddr, "the `address` to listen on (port 0: any free port; the log says which)")
	maxBytes := c.fl.Int64("max-request-bytes", server.DefaultMaxRequestBytes, "the largest request taken, in `bytes`")
	maxRules := c.fl.Int64("max-rules-request-bytes", server.DefaultMaxRulesRequestBytes, "the largest RulesService request (rule sets with their WebAssembly modules), in `bytes`")
	rate := c.fl.Float64("rate-limit", server.DefaultRateLimit, "each tenant's `requests` a second at most (0: no limit)")
	burst := c.fl.Int("rate-burst", 0, "requests a tenant may send at once over its rate (default twice the rate)")
	logFormat := c.fl.String("log-format", "text", "log `format`: text or json")
	logLevel := c.fl.String("log-level", "info", "log `level`: debug (every call), info, warn or error")
	dlvFile := c.fl.String("delivery", "", "a JSON `file` of delivery providers (SMTP, Twilio, chat) and retries; STAGECRAFT_* variables apply over it")
	public := c.fl.String("public-url", "", "the `URL` clients reach the server at, for e-mails' tracking links (default http://ADDR)")
	debug := c.fl.String("debug-addr", "", "serve Go's profiles (/debug/pprof/) at this `address` (keep it on the loopback)")
	shutdown := c.fl.Duration("shutdown-timeout", server.DefaultShutdown, "how long a graceful stop waits for requests in flight")
	paths, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(paths) > 0 {
		return c.fail("takes no arguments, only flags")
	}
	if !c.oneOf("log-format", *logFormat, "text", "json") || !c.oneOf("log-level", *logLevel, "debug", "info", "warn", "error") {
		return 2
	}
	if *maxBytes <= 0 || *maxRules <= 0 {
		return c.fail("--max-request-bytes and --max-rules-request-bytes must be positive")
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(*logLevel))
	hopts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(stderr, hopts)
	if *logFormat == "json" {
		h = slog.NewJSONHandler(stderr, hopts)
	}
	dcfg, err := delivery.Load(*dlvFile)
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft serve: --delivery:", err)
		return 2
	}
	if dcfg.Twilio != nil && *public == "" {
		// Twilio signs the URL it calls; the default (http://ADDR) is not it.
		slog.New(h).Error("Twilio is configured without --public-url: its inbound SMS and call webhooks (/in/TENANT/twilio/...) will be refused, their signature being over the URL Twilio calls; set --public-url to it")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = server.Run(ctx, server.Config{
		Delivery:             dcfg,
		PublicURL:            *public,
		DebugAddr:            *debug,
		RateLimit:            rateOrNone(*rate),
		RateBurst:            *burst,
		Data:                 *data,
		Addr:                 *addr,
		MaxRequestBytes:      *maxBytes,
		MaxRulesRequestBytes: *maxRules,
		Shutdown:             *shutdown,
		Log:                  slog.New(h),
	})
	if err != nil {
		fmt.Fprintln(stderr, "stagecraft serve:", err)
		return 1
	}
	return 0
}

// rateOrNone is the server's rate limit for the flag's: 0 is none.
func rateOrNone(r float64) float64 {
	if r <= 0 {
		return -1
	}
	return r
}
