package e2e

import (
	"flag"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

var killRuns = flag.Int("kill.runs", 2, "how many times TestKill kills the server during a stream of events (hundreds for a long run)")

// TestIngestOnce: an event ID is applied once; its repeats, at once, later
// and after a restart, answer the first result.
func TestIngestOnce(t *testing.T) {
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data)
	c := s.client(key)
	id := deal(t, c)
	ingest := func(eventID string) *v1.IngestResponse {
		t.Helper()
		res, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: eventID, Item: id, Event: "invoice paid"}))
		if err != nil {
			t.Fatalf("ingest %s: %v", eventID, err)
		}
		return res.Msg
	}
	first := ingest("pay-1")
	if first.Duplicate || first.Seq == 0 || len(first.Timeline) == 0 {
		t.Fatalf("first: %v", first)
	}
	again := ingest("pay-1")
	if !again.Duplicate || again.Seq != first.Seq || len(again.Timeline) != len(first.Timeline) || again.Timeline[0].Text != first.Timeline[0].Text {
		t.Fatalf("a repeat: %v, first %v", again, first)
	}
	// An event named by its trigger's catalogue ID is the same event.
	byID, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "pay-2", Item: id, Event: "t-invoice-paid"}))
	if err != nil {
		t.Fatalf("an event by its catalogue ID: %v", err)
	}
	if byID.Msg.Duplicate || len(byID.Msg.Timeline) == 0 || byID.Msg.Timeline[0].Text != first.Timeline[0].Text {
		t.Fatalf("by catalogue ID: %v, by name: %v", byID.Msg, first)
	}
	// An event without a setting it needs is refused, not taken: its ID
	// stays free for the event sent again whole.
	_, err = c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "form-1", Item: id, Event: "form submitted"}))
	if code(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), `needs the setting "form"`) {
		t.Fatalf("a form submitted without its form: %v", err)
	}
	if _, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "form-1", Item: id, Event: "form submitted",
		Settings: map[string]string{"form": "zapytanie"}})); err != nil {
		t.Fatalf("the same event ID, whole: %v", err)
	}
	// Many at once, of a new ID: one applies it, the rest answer its result.
	var wg sync.WaitGroup
	var applied atomic.Int32
	seqs := make([]int64, 16)
	for i := range seqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "chat-1", Item: id, Event: "chat message", Settings: map[string]string{"text": "hello"}}))
			if err != nil {
				t.Error(err)
				return
			}
			seqs[i] = res.Msg.Seq
			if !res.Msg.Duplicate {
				applied.Add(1)
			}
		}()
	}
	wg.Wait()
	if applied.Load() != 1 {
		t.Errorf("16 concurrent repeats applied the event %d times", applied.Load())
	}
	for _, q := range seqs[1:] {
		if q != seqs[0] {
			t.Errorf("concurrent repeats answer seqs %v", seqs)
			break
		}
	}
	// The item's timeline holds each event's input once.
	tl, err := c.crm.GetTimeline(ctx(t), connect.NewRequest(&v1.GetTimelineRequest{Id: id, PageSize: 1000}))
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[int64]bool{}
	for _, e := range tl.Msg.Entries {
		inputs[e.Seq] = true
	}
	if !inputs[first.Seq] || !inputs[seqs[0]] {
		t.Errorf("the timeline lacks an event: %v", tl.Msg.Entries)
	}
	// A refused event is not remembered: fixed, it applies.
	if _, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: "bad-1", Item: "nope", Event: "invoice paid"})); code(err) != connect.CodeNotFound {
		t.Errorf("an event on no item: %v", err)
	}
	if r := ingest("bad-1"); r.Duplicate {
		t.Errorf("a refused event's ID was remembered")
	}
	for _, bad := range []*v1.IngestRequest{{Item: id, Event: "invoice paid"}, {EventId: strings.Repeat("x", 129), Item: id, Event: "invoice paid"}, {EventId: "e", Item: id}} {
		if _, err := c.events.Ingest(ctx(t), connect.NewRequest(bad)); code(err) != connect.CodeInvalidArgument {
			t.Errorf("ingest %v: %v, want InvalidArgument", bad, err)
		}
	}
	s.stop()
	s = start(t, data)
	c = s.client(key)
	if r := ingest("pay-1"); !r.Duplicate || r.Seq != first.Seq {
		t.Errorf("after a restart, a repeat: %v", r)
	}
}

// TestKill kills the server with SIGKILL during a stream of events from
// several clients and starts it again, -kill.runs times: every event
// acknowledged before the kill is there once (a repeat answers its seq),
// and one in flight at the kill is applied at most once.
func TestKill(t *testing.T) {
	data := t.TempDir()
	key := newKey(t, data, "acme")
	s := start(t, data)
	id := deal(t, s.client(key))
	acked := map[string]int64{}
	var inflight []string
	for run := 0; run < *killRuns; run++ {
		c := s.client(key)
		var mu sync.Mutex
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					eid := fmt.Sprintf("r%d-g%d-n%d", run, g, n)
					res, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: eid, Item: id, Event: "email opened"}))
					mu.Lock()
					if err == nil {
						acked[eid] = res.Msg.Seq
					} else {
						inflight = append(inflight, eid)
					}
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(150+run%5*50) * time.Millisecond)
		s.kill()
		close(stop)
		wg.Wait()
		s = start(t, data)
	}
	if len(acked) == 0 {
		t.Fatal("no event was acknowledged")
	}
	c := s.client(key)
	for eid, seq := range acked {
		res, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: eid, Item: id, Event: "email opened"}))
		if err != nil {
			t.Fatalf("repeat %s: %v", eid, err)
		}
		if !res.Msg.Duplicate || res.Msg.Seq != seq {
			t.Fatalf("event %s, acknowledged as seq %d before a kill, repeats as %v", eid, seq, res.Msg)
		}
	}
	for _, eid := range inflight {
		first, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: eid, Item: id, Event: "email opened"}))
		if err != nil {
			t.Fatal(err)
		}
		again, err := c.events.Ingest(ctx(t), connect.NewRequest(&v1.IngestRequest{EventId: eid, Item: id, Event: "email opened"}))
		if err != nil || !again.Msg.Duplicate || again.Msg.Seq != first.Msg.Seq {
			t.Fatalf("event %s, in flight at a kill: %v then %v %v", eid, first.Msg, again, err)
		}
	}
	t.Logf("%d runs: %d events acknowledged, %d in flight at a kill", *killRuns, len(acked), len(inflight))
}
