package server

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/stagecraft/stagecraft/server/auth"
)

// limiter is a token bucket per tenant: rate requests a second, bursts
// up to burst. A request over it is refused ResourceExhausted (HTTP 429
// in Connect) with Retry-After, before its body is read.
type limiter struct {
	rate, burst float64
	mu          sync.Mutex
	buckets     map[string]*bucket
	limited     func(tenant string)
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(rate float64, burst int, limited func(string)) *limiter {
	if burst <= 0 {
		burst = int(math.Max(1, 2*rate))
	}
	return &limiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}, limited: limited}
}

// take takes a token of the tenant's bucket, or says how long until one.
func (l *limiter) take(tenant string, now time.Time) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[tenant]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[tenant] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

func (l *limiter) middleware(next http.Handler) http.Handler {
	ew := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tenant := auth.Tenant(r.Context())
		if ok, wait := l.take(tenant, time.Now()); !ok {
			if l.limited != nil {
				l.limited(tenant)
			}
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			err := connect.NewError(connect.CodeResourceExhausted,
				fmt.Errorf("tenant %s is over its rate limit of %g requests a second (serve --rate-limit): try again in %ds", tenant, l.rate, secs))
			if ew.IsSupported(r) {
				_ = ew.Write(w, r, err)
			} else {
				http.Error(w, err.Error(), http.StatusTooManyRequests)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}
