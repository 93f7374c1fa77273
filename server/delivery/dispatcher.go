// Package delivery is the outbox dispatcher: after an input commits, a
// dispatcher per tenant reads the outbox records it has not taken yet from
// a durable cursor and delivers them: e-mail over SMTP, SMS and robocalls
// through a Twilio-compatible API, chat messages and webhooks by HTTP
// POST, a webhook's answer coming back to the engine as an `answer` input.
// Every attempt carries the record's key (SEQ-N) as its idempotency key;
// failures are tried again with backoff, up to a limit. The state of each
// delivery is kept in the tenant's side store, written after each
// attempt: a crash between a send and its record sends again with the same
// key, which a provider that honours keys takes once.
package delivery

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/runtime/value"
	"github.com/stagecraft/stagecraft/server/tenant"
)

// States of a delivery.
const (
	Pending   = "pending"
	Retrying  = "retrying"
	Delivered = "delivered"
	Failed    = "failed"
	Skipped   = "skipped"
)

// Status is where a message's delivery stands.
type Status struct {
	State     string `json:"state"`
	Attempts  int    `json:"attempts,omitempty"`
	LastError string `json:"error,omitempty"`
	// Unix milliseconds of the last attempt and of the next one: a
	// retry's backoff starts at a second (Retry.Base), so the next
	// attempt's time is kept finer than that, or a second's rounding
	// would take most of the first backoff away.
	Last int64 `json:"last_ms,omitempty"`
	Next int64 `json:"next_ms,omitempty"`
}

// decodeStatus reads a stored status. One stored before the times were
// kept in milliseconds has them in seconds, as "last" and "next".
func decodeStatus(raw []byte) (Status, error) {
	var st struct {
		Status
		LastSeconds int64 `json:"last"`
		NextSeconds int64 `json:"next"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return Status{}, err
	}
	if st.Last == 0 {
		st.Last = st.LastSeconds * 1000
	}
	if st.Next == 0 {
		st.Next = st.NextSeconds * 1000
	}
	return st.Status, nil
}

// LastSecond and NextSecond are Last and Next in Unix seconds, as the
// API gives them: the next attempt's rounded up, so never before it is
// due.
func (s Status) LastSecond() int64 { return s.Last / 1000 }
func (s Status) NextSecond() int64 { return (s.Next + 999) / 1000 }

var keyCursor = []byte("dlv/cursor")

// keyStatus orders statuses as the outbox orders records.
func keyStatus(key string) ([]byte, error) {
	seq, n, err := engine.ParseKey(key)
	if err != nil {
		return nil, err
	}
	var b [16]byte
	for i := range 8 {
		b[i] = byte(uint64(seq) >> (56 - 8*i))
		b[8+i] = byte(uint64(n) >> (56 - 8*i))
	}
	return []byte("dlv/msg/" + hex.EncodeToString(b[:])), nil
}

// Attempt is one try, for metrics: the kind of message and its result
// (delivered, retrying, failed).
type Attempt struct {
	Tenant, Kind, Result string
}

// Service runs a dispatcher for each tenant.
type Service struct {
	cfg     Config
	data    string
	log     *slog.Logger
	hc      *http.Client
	Attempt func(Attempt) // called after each attempt, if set
	// Tracker, if set, makes tracked e-mails' click and open URLs.
	Tracker Tracker

	mu   sync.Mutex
	runs map[*tenant.Tenant]*dispatcher

	// life ends the attempts in flight when Abandon is called: a
	// shutdown waits for them only so long.
	life    context.Context
	abandon context.CancelFunc
}

// New returns the delivery service for a data folder with the server's
// config (a tenant's own delivery.json replaces it for the tenant).
func New(cfg Config, data string, log *slog.Logger) *Service {
	s := &Service{cfg: cfg.withDefaults(), data: data, log: log, runs: map[*tenant.Tenant]*dispatcher{},
		hc: &http.Client{Timeout: 30 * time.Second}}
	s.life, s.abandon = context.WithCancel(context.Background())
	return s
}

// Abandon ends the attempts in flight, for a shutdown that has waited for
// them as long as it may: none is counted or recorded, and each is made
// again, with the same key, after the restart.
func (s *Service) Abandon() { s.abandon() }

// Start starts a tenant's dispatcher; the tenant stops it when it closes.
func (s *Service) Start(t *tenant.Tenant) {
	cfg := s.cfg
	log := s.log.With("tenant", t.Name)
	if own := filepath.Join(tenant.Dir(s.data, t.Name), "delivery.json"); exists(own) {
		c, err := Load(own)
		if err != nil {
			log.Error("the tenant's delivery.json: not delivering", "err", err)
			return
		}
		cfg = c.withDefaults()
	}
	if cfg.Files.Drive == "" {
		cfg.Files.Drive = filepath.Join(tenant.Dir(s.data, t.Name), "drive")
	}
	timeout := 10 * time.Second
	if cfg.Webhook != nil && cfg.Webhook.Timeout > 0 {
		timeout = time.Duration(cfg.Webhook.Timeout)
	}
	d := &dispatcher{s: s, t: t, cfg: cfg, log: log, webhookTimeout: timeout,
		jobs: map[string]*job{}, stop: make(chan struct{}), done: make(chan struct{}), wake: make(chan struct{}, 1)}
	s.mu.Lock()
	s.runs[t] = d
	s.mu.Unlock()
	t.OnClose(func() {
		d.close()
		s.mu.Lock()
		delete(s.runs, t)
		s.mu.Unlock()
	})
	go d.run()
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// Status is the state of a record's delivery, for OutboxService.
func (s *Service) Status(t *tenant.Tenant, ef *engine.Effect) Status {
	k, err := keyStatus(ef.Key)
	if err != nil {
		return Status{State: Pending}
	}
	raw, ok, err := t.Side().Get(k)
	if err != nil || !ok {
		return Status{State: Pending}
	}
	st, err := decodeStatus(raw)
	if err != nil {
		return Status{State: Pending}
	}
	return st
}

// Config is the delivery config a tenant's dispatcher runs with (its own
// delivery.json, or the server's); ok is false when it has none running
// (its delivery.json is damaged).
func (s *Service) Config(t *tenant.Tenant) (cfg Config, ok bool) {
	s.mu.Lock()
	d := s.runs[t]
	s.mu.Unlock()
	if d == nil {
		return Config{}, false
	}
	return d.cfg, true
}

// Backlog is how many of a tenant's messages are taken for delivery and
// not yet delivered or given up.
func (s *Service) Backlog(t *tenant.Tenant) int {
	s.mu.Lock()
	d := s.runs[t]
	s.mu.Unlock()
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.jobs)
}

// Wake tells the tenant's dispatcher that the outbox may have grown.
func (s *Service) Wake(t *tenant.Tenant) {
	s.mu.Lock()
	d := s.runs[t]
	s.mu.Unlock()
	if d != nil {
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

// dispatcher delivers one tenant's outbox.
type dispatcher struct {
	s              *Service
	t              *tenant.Tenant
	cfg            Config
	log            *slog.Logger
	webhookTimeout time.Duration

	cursor string          // the last record taken
	jobs   map[string]*job // taken, not final
	busy   int
	mu     sync.Mutex
	wg     sync.WaitGroup

	stop, done, wake chan struct{}
}

type job struct {
	ef      engine.Effect
	st      Status
	running bool
}

// workers is how many deliveries of a tenant run at once.
const workers = 8

// poll is how often the dispatcher looks at the outbox without a wake.
const poll = 250 * time.Millisecond

func (d *dispatcher) run() {
	defer close(d.done)
	if err := d.load(); err != nil {
		d.log.Error("delivery: reading its state; not delivering", "err", err)
		return
	}
	tk := time.NewTicker(poll)
	defer tk.Stop()
	for {
		if err := d.take(); err != nil {
			d.log.Error("delivery: reading the outbox", "err", err)
		}
		d.start()
		select {
		case <-d.stop:
			d.wg.Wait()
			return
		case <-tk.C:
		case <-d.wake:
		}
	}
}

func (d *dispatcher) close() {
	close(d.stop)
	<-d.done
}

// load reads the cursor and the deliveries not final.
func (d *dispatcher) load() error {
	side := d.t.Side()
	if raw, ok, err := side.Get(keyCursor); err != nil {
		return err
	} else if ok {
		d.cursor = string(raw)
	}
	var bad error
	err := side.Scan([]byte("dlv/msg/"), func(k, v []byte) bool {
		st, err := decodeStatus(v)
		if err != nil {
			bad = fmt.Errorf("%s: %v", k, err)
			return false
		}
		if st.State == Pending || st.State == Retrying {
			b, err := hex.DecodeString(string(k[len("dlv/msg/"):]))
			if err != nil || len(b) != 16 {
				bad = fmt.Errorf("%s: not a status key", k)
				return false
			}
			var seq, n uint64
			for i := range 8 {
				seq, n = seq<<8|uint64(b[i]), n<<8|uint64(b[8+i])
			}
			key := strconv.FormatUint(seq, 10) + "-" + strconv.FormatUint(n, 10)
			ef, err := d.t.Engine.Outbox(key)
			if err != nil || ef == nil {
				bad = errors.Join(err, fmt.Errorf("status of %s with no outbox record", key))
				return false
			}
			d.jobs[key] = &job{ef: *ef, st: st}
		}
		return true
	})
	return errors.Join(bad, err)
}

// Kinds are the kinds of message an outbox holds, as its records name
// them (engine.Effect.Kind of a sent record), in order.
var Kinds = []string{"chat", "email", "notification", "robocall", "sms", "webhook"}

// can says whether a kind of message has a way out here.
func (d *dispatcher) can(kind string) bool {
	switch kind {
	case "email":
		return d.cfg.SMTP != nil
	case "sms", "robocall":
		return d.cfg.Twilio != nil
	case "chat":
		return d.cfg.Chat != nil && d.cfg.Chat.URL != ""
	case "webhook":
		return true
	}
	return false // notifications are read in the CRM, not sent
}

// take reads the records after the cursor and records them as pending
// (or skipped), with the cursor, in one synced batch.
func (d *dispatcher) take() error {
	for {
		var got []engine.Effect
		err := d.t.Engine.OutboxAfter(d.cursor, func(ef engine.Effect) bool {
			got = append(got, ef)
			return len(got) < 256
		})
		if err != nil || len(got) == 0 {
			return err
		}
		b := d.t.Side().NewBatch()
		now := time.Now().UnixMilli()
		var jobs []*job
		for _, ef := range got {
			st := Status{State: Skipped}
			if d.can(ef.Kind) {
				st = Status{State: Pending, Next: now}
				jobs = append(jobs, &job{ef: ef, st: st})
			}
			k, err := keyStatus(ef.Key)
			if err != nil {
				b.Discard()
				return err
			}
			body, _ := json.Marshal(st)
			b.Set(k, body)
			if n := Number(ef.To); n != "" && (ef.Kind == "sms" || ef.Kind == "robocall") && ef.Item != "" {
				b.Set(keyNumber(n), []byte(ef.Item))
			}
		}
		cursor := got[len(got)-1].Key
		b.Set(keyCursor, []byte(cursor))
		if err := b.Apply(); err != nil {
			b.Discard()
			return err
		}
		if err := b.Wait(); err != nil {
			return err
		}
		d.cursor = cursor
		d.mu.Lock()
		for _, j := range jobs {
			d.jobs[j.ef.Key] = j
		}
		d.mu.Unlock()
		if len(got) < 256 {
			return nil
		}
	}
}

// start starts the due deliveries, oldest first, up to the workers.
func (d *dispatcher) start() {
	now := time.Now().UnixMilli()
	d.mu.Lock()
	defer d.mu.Unlock()
	var due []*job
	for _, j := range d.jobs {
		if !j.running && j.st.Next <= now {
			due = append(due, j)
		}
	}
	sort.Slice(due, func(a, b int) bool {
		return due[a].ef.Seq < due[b].ef.Seq || due[a].ef.Seq == due[b].ef.Seq && due[a].ef.Key < due[b].ef.Key
	})
	for _, j := range due {
		if d.busy == workers {
			return
		}
		j.running = true
		d.busy++
		d.wg.Add(1)
		go d.deliver(j)
	}
}

// errPermanent marks an error no retry can cure.
type errPermanent struct{ error }

func (e errPermanent) Unwrap() error { return e.error }

func permanent(err error) error { return errPermanent{err} }

// publicLinks is an effect as it goes out: its texts' links to documents
// at files.documents_url (Files.Public), the record left as the engine
// wrote it. attach and drive are read as they are (attachments).
func publicLinks(ef *engine.Effect, files Files) *engine.Effect {
	if files.DocumentsURL == "" {
		return ef
	}
	out := *ef
	out.Fields = make(map[string]string, len(ef.Fields))
	for k, v := range ef.Fields {
		if k != "attach" && k != "drive" {
			v = files.Public(v)
		}
		out.Fields[k] = v
	}
	return &out
}

// deliver makes one attempt and records its result.
func (d *dispatcher) deliver(j *job) {
	defer d.wg.Done()
	ctx, cancel := context.WithTimeout(d.s.life, 60*time.Second)
	defer cancel()
	err := d.send(ctx, &j.ef)
	if err != nil && d.s.life.Err() != nil {
		// Abandoned by a shutdown: not an attempt that failed, so neither
		// counted nor recorded; the state stays as it was, and the next
		// start makes the attempt again with the same key.
		d.mu.Lock()
		d.busy--
		j.running = false
		d.mu.Unlock()
		return
	}
	st := j.st
	st.Attempts++
	st.Last = time.Now().UnixMilli()
	st.Next = 0
	var perm errPermanent
	switch {
	case err == nil:
		st.State, st.LastError = Delivered, ""
	case errors.As(err, &perm) || st.Attempts >= d.cfg.Retry.Attempts:
		st.State, st.LastError = Failed, err.Error()
	default:
		st.State, st.LastError = Retrying, err.Error()
		st.Next = time.Now().Add(d.cfg.Retry.backoff(st.Attempts)).UnixMilli()
	}
	if st.State != Delivered {
		d.log.Warn("delivery attempt failed", "key", j.ef.Key, "kind", j.ef.Kind, "attempt", st.Attempts, "state", st.State, "err", st.LastError)
	}
	if d.s.Attempt != nil {
		d.s.Attempt(Attempt{Tenant: d.t.Name, Kind: j.ef.Kind, Result: st.State})
	}
	if st.State == Failed { // the last attempt: the item's timeline says so, before the state is final
		if _, err := d.t.Apply(engine.Input{Kind: "undelivered", Item: j.ef.Item, Key: j.ef.Key,
			Fields: map[string]value.Value{"error": value.TextOf(st.LastError)}}); err != nil {
			d.log.Error("delivery: recording the failure on the timeline", "key", j.ef.Key, "err", err)
		}
	}
	werr := d.record(j.ef.Key, st)
	if werr != nil {
		d.log.Error("delivery: recording a result", "key", j.ef.Key, "err", werr)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.busy--
	j.running = false
	j.st = st
	if werr == nil && (st.State == Delivered || st.State == Failed) {
		delete(d.jobs, j.ef.Key)
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) record(key string, st Status) error {
	k, err := keyStatus(key)
	if err != nil {
		return err
	}
	body, err := json.Marshal(st)
	if err != nil {
		return err
	}
	b := d.t.Side().NewBatch()
	b.Set(k, body)
	if err := b.Apply(); err != nil {
		b.Discard()
		return err
	}
	return b.Wait()
}

// attemptKey is the key every attempt of a message carries to its
// provider (Idempotency-Key, an e-mail's Message-ID): the tenant's name
// and the outbox key, acme/4-2. Outbox keys are unique in a tenant only,
// and a provider that two tenants share would take another tenant's 4-2
// for a repeat and drop it.
func attemptKey(tenant string, ef *engine.Effect) string { return tenant + "/" + ef.Key }

// send delivers one record by its kind.
func (d *dispatcher) send(ctx context.Context, ef *engine.Effect) error {
	ef = publicLinks(ef, d.cfg.Files)
	switch ef.Kind {
	case "email":
		return sendEmail(ctx, d.cfg.SMTP, d.cfg.Files, d.s.hc, d.s.Tracker, d.t.Name, ef)
	case "sms", "robocall":
		return sendTwilio(ctx, d.s.hc, d.cfg.Twilio, attemptKey(d.t.Name, ef), ef)
	case "chat":
		return postChat(ctx, d.s.hc, d.cfg.Chat, attemptKey(d.t.Name, ef), ef)
	case "webhook":
		wctx, cancel := context.WithTimeout(ctx, d.webhookTimeout)
		defer cancel()
		status, body, err := callWebhook(wctx, d.s.hc, attemptKey(d.t.Name, ef), ef)
		if err != nil {
			return err
		}
		_, err = d.t.Apply(engine.Input{Kind: "answer", Item: ef.Item, Key: ef.Key,
			Fields: map[string]value.Value{"status": value.NumberOf(float64(status)), "body": value.TextOf(body)}})
		if err != nil && !errors.Is(err, store.ErrFailed) && !errors.Is(err, store.ErrClosed) && !errors.Is(err, tenant.ErrClosed) {
			// The item no longer waits (a deploy removed the rule, an
			// earlier attempt's answer came in before a crash): the call
			// was made all the same.
			d.log.Info("webhook answer not taken", "key", ef.Key, "err", err)
			return nil
		}
		return err
	}
	return permanent(fmt.Errorf("no way to deliver a %s", ef.Kind))
}
