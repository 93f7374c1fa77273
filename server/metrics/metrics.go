// Package metrics is the server's Prometheus metrics, served at /metrics:
// inputs applied and refused and how long their commit took, timers
// pending and overdue, the outbox backlog, delivery attempts by result,
// requests refused by the rate limit; each by tenant. Labels name tenants
// and kinds only, never an item, a key or anything a request carried.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Gauges are a tenant's levels at a moment.
type Gauges struct {
	Tenant        string
	TimersPending int
	TimersOverdue int
	OutboxBacklog int // messages taken for delivery and not yet delivered or failed
}

// Metrics holds the server's metrics.
type Metrics struct {
	reg      *prometheus.Registry
	inputs   *prometheus.CounterVec
	commit   *prometheus.HistogramVec
	attempts *prometheus.CounterVec
	limited  *prometheus.CounterVec
	ticks    *prometheus.CounterVec

	mu    sync.RWMutex
	bound map[inputKey]*inputMetrics
}

// New makes the metrics; levels is called at each scrape (at most once
// every few seconds: counting timers reads their keys).
func New(levels func() []Gauges) *Metrics {
	m := &Metrics{
		bound: map[inputKey]*inputMetrics{},
		reg:   prometheus.NewRegistry(),
		inputs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stagecraft_inputs_total",
			Help: "Inputs applied (result ok) or refused (result refused), by tenant and kind."}, []string{"tenant", "kind", "result"}),
		commit: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "stagecraft_commit_seconds",
			Help:    "How long an input took from the engine to durable, by tenant and kind.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5}}, []string{"tenant", "kind"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stagecraft_delivery_attempts_total",
			Help: "Delivery attempts by tenant, kind of message and result (delivered, retrying, failed)."}, []string{"tenant", "kind", "result"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stagecraft_rate_limited_total",
			Help: "Requests refused by a tenant's rate limit."}, []string{"tenant"}),
		ticks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "stagecraft_timers_fired_total",
			Help: "Timers fired by the clock's ticks."}, []string{"tenant"}),
	}
	m.reg.MustRegister(m.inputs, m.commit, m.attempts, m.limited, m.ticks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&levelCollector{levels: levels})
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Input records an input's result and, when applied, its commit time.
func (m *Metrics) Input(tenant, kind string, d time.Duration, err error) {
	in := m.inputOf(tenant, kind)
	if err != nil {
		in.refused.Inc()
		return
	}
	in.ok.Inc()
	in.commit.Observe(d.Seconds())
}

// inputMetrics are a tenant's metrics of one kind of input, their labels
// bound: looked up once, not hashed on every input.
type inputMetrics struct {
	ok, refused prometheus.Counter
	commit      prometheus.Observer
}

type inputKey struct{ tenant, kind string }

func (m *Metrics) inputOf(tenant, kind string) *inputMetrics {
	k := inputKey{tenant, kind}
	m.mu.RLock()
	in := m.bound[k]
	m.mu.RUnlock()
	if in != nil {
		return in
	}
	in = &inputMetrics{
		ok:      m.inputs.WithLabelValues(tenant, kind, "ok"),
		refused: m.inputs.WithLabelValues(tenant, kind, "refused"),
		commit:  m.commit.WithLabelValues(tenant, kind),
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if have := m.bound[k]; have != nil {
		return have
	}
	m.bound[k] = in
	return in
}

// Fired records timers fired by a tick.
func (m *Metrics) Fired(tenant string, n int) { m.ticks.WithLabelValues(tenant).Add(float64(n)) }

// Attempt records a delivery attempt.
func (m *Metrics) Attempt(tenant, kind, result string) {
	m.attempts.WithLabelValues(tenant, kind, result).Inc()
}

// Limited records a request refused by a rate limit.
func (m *Metrics) Limited(tenant string) { m.limited.WithLabelValues(tenant).Inc() }

var (
	descPending = prometheus.NewDesc("stagecraft_timers_pending", "Timers waiting to fire, by tenant.", []string{"tenant"}, nil)
	descOverdue = prometheus.NewDesc("stagecraft_timers_overdue", "Pending timers whose time has come (a drain in progress), by tenant.", []string{"tenant"}, nil)
	descBacklog = prometheus.NewDesc("stagecraft_outbox_backlog", "Messages not yet delivered or given up, by tenant.", []string{"tenant"}, nil)
)

// levelCollector reads the levels at a scrape, keeping them a few
// seconds so that frequent scrapes do not count every timer each time.
type levelCollector struct {
	levels func() []Gauges
	mu     sync.Mutex
	at     time.Time
	last   []Gauges
}

func (c *levelCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descPending
	ch <- descOverdue
	ch <- descBacklog
}

func (c *levelCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if time.Since(c.at) > 5*time.Second {
		c.last, c.at = c.levels(), time.Now()
	}
	gs := c.last
	c.mu.Unlock()
	for _, g := range gs {
		ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(g.TimersPending), g.Tenant)
		ch <- prometheus.MustNewConstMetric(descOverdue, prometheus.GaugeValue, float64(g.TimersOverdue), g.Tenant)
		ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(g.OutboxBacklog), g.Tenant)
	}
}
