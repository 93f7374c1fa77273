// Package server is `stagecraft serve`: one listener that serves the API
// (Connect, gRPC and gRPC-Web on one port, HTTP/2 without TLS too), server
// reflection (so grpcurl and buf curl work), /healthz and /readyz, over
// the tenants of a data folder, each with its clock. It wires the parts:
// server/auth (keys), server/tenant (stores, engines, clocks),
// server/rpc (the services), server/delivery (the outbox going out),
// server/tracking and server/inbound (what comes back). It logs with log/slog and never logs a key,
// a token, a credential or a message body.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"

	"github.com/stagecraft/stagecraft/gen/stagecraft/v1/stagecraftv1connect"
	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/server/auth"
	"github.com/stagecraft/stagecraft/server/delivery"
	"github.com/stagecraft/stagecraft/server/inbound"
	"github.com/stagecraft/stagecraft/server/metrics"
	"github.com/stagecraft/stagecraft/server/rpc"
	"github.com/stagecraft/stagecraft/server/tenant"
	"github.com/stagecraft/stagecraft/server/tracking"
	"github.com/stagecraft/stagecraft/stdlib"
)

// Defaults of Config.
const (
	DefaultData            = "./stagecraft-data"
	DefaultAddr            = "127.0.0.1:8080"
	DefaultMaxRequestBytes = 4 << 20
	// DefaultMaxRulesRequestBytes is RulesService's: a Check or Deploy
	// carries the modules of custom actions, and a Go module (~3.5 MB) is
	// ~4.6 MB as base64 in Connect JSON (grpcurl, buf curl).
	DefaultMaxRulesRequestBytes = 64 << 20
	DefaultShutdown             = 30 * time.Second
	// DefaultRateLimit is above what two cores serve (Ingest's target is
	// 15,000 events/s from one tenant), so that only a runaway client
	// meets it on a machine of that size.
	DefaultRateLimit = 20000
	// DefaultGCPercent is the garbage collector's target while the server
	// runs. Its live heap is small (Pebble keeps its caches and memtables
	// off the Go heap): at Go's default of 100 the collector runs every
	// few megabytes of requests' garbage, a fifth of the CPU of a call in
	// BenchmarkIngest and BenchmarkCheck. At 400 the heap grows to five
	// times the live heap between collections; GOMEMLIMIT still caps it.
	DefaultGCPercent = 400
)

// Config is how the server runs; zero values take the defaults.
type Config struct {
	Data            string // the data folder: keys/ and tenants/NAME/
	Addr            string // host:port to listen on; port 0 picks a free one
	MaxRequestBytes int64  // the largest request body (and message) taken
	// MaxRulesRequestBytes is the same for RulesService (rule sets with
	// their modules); default DefaultMaxRulesRequestBytes.
	MaxRulesRequestBytes int64
	// RateLimit is each tenant's limit of requests a second, with bursts
	// of RateBurst (default twice the rate); negative: none. Default
	// DefaultRateLimit.
	RateLimit float64
	RateBurst int
	// Shutdown bounds how long a graceful stop waits for requests in flight.
	Shutdown time.Duration
	// GCPercent is the garbage collector's target (debug.SetGCPercent)
	// while Run runs, unless GOGC is set in the environment, which wins;
	// default DefaultGCPercent; negative: Go's own setting is left alone.
	GCPercent int
	Tick      time.Duration // the clock's period; default one second
	Log       *slog.Logger
	Engine    engine.Options
	// Delivery is how the outbox goes out (server/delivery).
	Delivery delivery.Config
	// PublicURL is where clients reach the server, for the tracking links
	// of e-mails; default http://ADDR (the address listened on).
	PublicURL string
	// DebugAddr, if set, serves Go's profiles (/debug/pprof/) there, on a
	// listener of its own: keep it on the loopback.
	DebugAddr string
	// Listening, if set, is called with the address once the server listens.
	Listening func(addr string)
}

func (c Config) withDefaults() Config {
	if c.Data == "" {
		c.Data = DefaultData
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxRequestBytes <= 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if c.MaxRulesRequestBytes <= 0 {
		c.MaxRulesRequestBytes = DefaultMaxRulesRequestBytes
	}
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.Shutdown <= 0 {
		c.Shutdown = DefaultShutdown
	}
	if c.GCPercent == 0 {
		c.GCPercent = DefaultGCPercent
	}
	if c.Log == nil {
		c.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return c
}

// Services are the API's services, by their full names.
var Services = []string{
	stagecraftv1connect.RulesServiceName,
	stagecraftv1connect.CrmServiceName,
	stagecraftv1connect.EventServiceName,
	stagecraftv1connect.OutboxServiceName,
}

// Run serves until ctx is done, then stops gracefully: it refuses new
// requests, waits for those in flight (at most Config.Shutdown), stops the
// clocks and closes the stores.
func Run(ctx context.Context, cfg Config) error {
	cfg = cfg.withDefaults()
	log := cfg.Log
	if _, set := os.LookupEnv("GOGC"); !set && cfg.GCPercent > 0 {
		defer debug.SetGCPercent(debug.SetGCPercent(cfg.GCPercent))
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return err
	}
	unlock, err := lockData(cfg.Data)
	if err != nil {
		return err
	}
	defer unlock()
	dlv := delivery.New(cfg.Delivery, cfg.Data, log)
	log.Info(cfg.Delivery.String())
	var reg *tenant.Registry
	m := metrics.New(func() []metrics.Gauges { return levels(reg, dlv) })
	dlv.Attempt = func(a delivery.Attempt) { m.Attempt(a.Tenant, a.Kind, a.Result) }
	reg = tenant.NewRegistry(cfg.Data, stdlib.Runtime(), tenant.Options{Engine: cfg.Engine, Tick: cfg.Tick,
		Opened: dlv.Start, Committed: dlv.Wake, Observe: m.Input,
		Ticked: func(name string, res *engine.Result) { m.Fired(name, res.Fired) }}, log)
	closeTenants := sync.OnceFunc(func() {
		if err := reg.Close(); err != nil {
			log.Error("closing the tenants", "err", err)
		}
	})
	defer closeTenants()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	tr, err := tracking.Open(cfg.Data, cfg.PublicURL, reg, log)
	if err != nil {
		ln.Close()
		return err
	}
	dlv.Tracker = tr // before any dispatcher starts
	tr.Public = cfg.Delivery.Files.Public
	if err := reg.OpenAll(); err != nil {
		// One tenant's damaged store does not keep the others down: its
		// calls fail (Internal) until it opens, and the log says why.
		log.Error("a tenant did not open", "err", err)
	}
	var ready atomic.Bool
	in := &inbound.Handler{Tenants: reg, Delivery: dlv, PublicURL: cfg.PublicURL, Log: log}
	h := Handler(cfg, Parts{Keys: auth.Open(cfg.Data), Tenants: reg, Delivery: dlv, Metrics: m, Tracking: tr, Inbound: in, Ready: &ready})
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:           h,
		Protocols:         &protocols,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if cfg.DebugAddr != "" {
		dln, err := net.Listen("tcp", cfg.DebugAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--debug-addr: %w", err)
		}
		dmux := http.NewServeMux()
		dmux.HandleFunc("/debug/pprof/", pprof.Index)
		dmux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		dmux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		dsrv := &http.Server{Handler: dmux, ReadHeaderTimeout: 10 * time.Second}
		go dsrv.Serve(dln)
		defer dsrv.Close()
		log.Info("debug listening", "addr", dln.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(bufListener{ln}) }()
	ready.Store(true)
	log.Info("listening", "addr", ln.Addr().String(), "data", cfg.Data, "tenants", len(reg.Names()))
	if cfg.Listening != nil {
		cfg.Listening(ln.Addr().String())
	}
	// closeWithin closes the tenants (their dispatchers waiting for the
	// deliveries in flight) within what is left of the shutdown's time;
	// a delivery still going then is abandoned, and made again with the
	// same key after a restart.
	closeWithin := func(sctx context.Context) {
		stop := context.AfterFunc(sctx, func() {
			log.Warn("deliveries still in flight at the shutdown timeout: abandoning them; they are made again after a restart")
			dlv.Abandon()
		})
		defer stop()
		closeTenants()
	}
	select {
	case err := <-served:
		sctx, cancel := context.WithTimeout(context.Background(), cfg.Shutdown)
		defer cancel()
		closeWithin(sctx)
		return err
	case <-ctx.Done():
	}
	ready.Store(false)
	log.Info("shutting down: waiting for requests and deliveries in flight", "timeout", cfg.Shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Shutdown)
	defer cancel()
	err = srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		log.Warn("requests still in flight at the shutdown timeout: closing them")
		srv.Close()
	}
	closeWithin(sctx)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// Parts are what the handler serves.
type Parts struct {
	Keys     *auth.Keys
	Tenants  *tenant.Registry
	Delivery *delivery.Service // nil: no delivery states
	Metrics  *metrics.Metrics  // nil: no /metrics
	Tracking *tracking.Tracker // nil: no tracking endpoints
	Inbound  *inbound.Handler  // nil: no providers' webhooks
	Ready    *atomic.Bool      // nil or false: /readyz says not ready
}

// Handler is the server's HTTP handler: the services behind the keys'
// middleware and the request limit, reflection, health, metrics.
func Handler(cfg Config, p Parts) http.Handler {
	cfg = cfg.withDefaults()
	log := cfg.Log
	keys, ready := p.Keys, p.Ready
	s := &rpc.Server{Tenants: p.Tenants}
	if p.Tracking != nil { // the data folder's secret: page tokens outlive a restart
		s.PageKey = p.Tracking.Key("page tokens")
	}
	if p.Delivery != nil {
		s.Delivery = p.Delivery
	}
	opts := append(codecs(),
		connect.WithReadMaxBytes(int(cfg.MaxRequestBytes)),
		// Small answers go uncompressed: gzip costs more CPU than it saves
		// on loopback and LAN for a few hundred bytes.
		connect.WithCompressMinBytes(4<<10),
		connect.WithInterceptors(logCalls(log)),
		connect.WithRecover(func(ctx context.Context, spec connect.Spec, _ http.Header, p any) error {
			log.Error("panic in a call", "procedure", spec.Procedure, "tenant", auth.Tenant(ctx), "panic", fmt.Sprint(p))
			return connect.NewError(connect.CodeInternal, errors.New("internal error"))
		}),
	)
	// Each service behind the keys, the rate limit and its request limit;
	// the mux picks the service, its handler the procedure.
	_, crm := stagecraftv1connect.NewCrmServiceHandler(rpc.Crm{Server: s}, opts...)
	_, events := stagecraftv1connect.NewEventServiceHandler(rpc.Events{Server: s}, opts...)
	_, outbox := stagecraftv1connect.NewOutboxServiceHandler(rpc.Outbox{Server: s}, opts...)
	reuse := &reuseBudget{max: reuseBudgetBytes}
	services := map[string]http.Handler{
		stagecraftv1connect.RulesServiceName: limitBody(cfg.MaxRulesRequestBytes, &rulesHandlers{make: func() http.Handler {
			_, h := stagecraftv1connect.NewRulesServiceHandler(rpc.Rules{Server: s},
				// The last WithReadMaxBytes wins: RulesService takes its own limit.
				append(append([]connect.HandlerOption(nil), opts...),
					connect.WithReadMaxBytes(int(cfg.MaxRulesRequestBytes)), connect.WithCodec(newReusingProto(reuse)))...)
			return h
		}}),
		stagecraftv1connect.CrmServiceName:    limitBody(cfg.MaxRequestBytes, crm),
		stagecraftv1connect.EventServiceName:  limitBody(cfg.MaxRequestBytes, events),
		stagecraftv1connect.OutboxServiceName: limitBody(cfg.MaxRequestBytes, outbox),
	}
	var lim *limiter // one for every service: a tenant's requests of all kinds count
	if cfg.RateLimit > 0 {
		var count func(string)
		if p.Metrics != nil {
			count = p.Metrics.Limited
		}
		lim = newLimiter(cfg.RateLimit, cfg.RateBurst, count)
	}
	mux := http.NewServeMux()
	for _, name := range Services {
		h := services[name]
		if lim != nil {
			h = lim.middleware(h)
		}
		mux.Handle("/"+name+"/", keys.Middleware(log, h))
	}
	reflector := grpcreflect.NewStaticReflector(Services...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))
	if p.Tracking != nil {
		p.Tracking.Register(mux)
	}
	if p.Inbound != nil {
		p.Inbound.Register(mux)
	}
	if p.Metrics != nil {
		mux.Handle("GET /metrics", p.Metrics.Handler())
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if ready == nil || !ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready")
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// levels are each open tenant's timers and outbox backlog, for metrics.
func levels(reg *tenant.Registry, dlv *delivery.Service) []metrics.Gauges {
	var out []metrics.Gauges
	for _, name := range reg.Names() {
		t, err := reg.Get(name)
		if err != nil {
			continue
		}
		g := metrics.Gauges{Tenant: name, OutboxBacklog: dlv.Backlog(t)}
		g.TimersPending, g.TimersOverdue, _ = t.Engine.CountTimers(t.Now())
		out = append(out, g)
	}
	return out
}

// limitBody refuses a request whose declared length is over the limit
// before reading it (ResourceExhausted, in the request's protocol), and
// cuts off a body that turns out longer than it declared.
func limitBody(max int64, next http.Handler) http.Handler {
	ew := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			err := connect.NewError(connect.CodeResourceExhausted,
				fmt.Errorf("the request is %d bytes, over %d; %s", r.ContentLength, max, raiseLimit))
			if ew.IsSupported(r) {
				_ = ew.Write(w, r, err)
			} else {
				http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			}
			return
		}
		// Room for the envelope of a message of the largest size.
		r.Body = limitedBody{http.MaxBytesReader(w, r.Body, max+64), max}
		next.ServeHTTP(w, r)
	})
}

// limitedBody is a request body cut off at the limit, whose error says
// which limit and how to raise it: a body of undeclared length (chunked,
// a gRPC stream) meets it only when read, and the client gets this error
// in connect's words.
type limitedBody struct {
	io.ReadCloser
	max int64
}

func (b limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		// A connect error, which connect passes on as it is on every
		// protocol's read (it makes ResourceExhausted of a MaxBytesError
		// only on some).
		err = connect.NewError(connect.CodeResourceExhausted, fmt.Errorf("the request is over %d bytes; %s", b.max, raiseLimit))
	}
	return n, err
}

// raiseLimit says how the request limits are raised.
const raiseLimit = "at most that many are taken (serve --max-request-bytes, or --max-rules-request-bytes for RulesService)"

// callCode is the code the client gets for err. connect-go hands its
// interceptors the context's own error when a call's deadline passed or
// its client went away before the handler ran (a large request read
// past a short deadline), and makes it DeadlineExceeded or Canceled only
// when it writes the answer: CodeOf alone would log it as the server's
// failure (Unknown).
func callCode(err error) connect.Code {
	var ce *connect.Error
	switch {
	case errors.As(err, &ce):
		return ce.Code()
	case errors.Is(err, context.DeadlineExceeded):
		return connect.CodeDeadlineExceeded
	case errors.Is(err, context.Canceled):
		return connect.CodeCanceled
	}
	return connect.CodeUnknown
}

// logCalls logs each call: its procedure, tenant, code and duration;
// never its headers or body.
func logCalls(log *slog.Logger) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			start := time.Now()
			res, err := next(ctx, req)
			code, level := "ok", slog.LevelDebug
			var cause []any
			if err != nil {
				c := callCode(err)
				code, level = c.String(), slog.LevelInfo
				if c == connect.CodeInternal || c == connect.CodeUnknown || c == connect.CodeUnavailable {
					// The server's own failure: its cause, which quotes no
					// request data (the store's or the engine's state).
					level = slog.LevelError
					cause = []any{"err", err.Error()}
				}
			}
			if !log.Enabled(ctx, level) { // a call's line is built only if it is written
				return res, err
			}
			attrs := append([]any{"procedure", req.Spec().Procedure, "tenant", auth.Tenant(ctx), "protocol", req.Peer().Protocol}, cause...)
			log.Log(ctx, level, "call", append(attrs, "code", code, "ms", float64(time.Since(start).Microseconds())/1000)...)
			return res, err
		}
	}
}
