package server

import (
	"bytes"
	"hash/maphash"
	"strconv"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// TestReusingProto: a large request decoded again from the same bytes is
// the same message as a decoding gives, whatever the handler did to the
// first; other bytes, another type, bad bytes and a hash shared with
// other bytes are decoded for themselves.
func TestReusingProto(t *testing.T) {
	c := newReusingProto(&reuseBudget{max: reuseBudgetBytes})
	req := &v1.CheckRequest{
		Files:   []*v1.SourceFile{{Path: "a.rules", Content: strings.Repeat("pipeline deal P { stage A }\n", 400)}, {Path: "b.rules", Content: "x"}},
		Modules: []*v1.ModuleFile{{Path: "m.wasm", Data: []byte("\x00asm")}},
	}
	data, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	decode := func(data []byte, m proto.Message) proto.Message {
		t.Helper()
		if err := c.Unmarshal(append([]byte(nil), data...), m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := decode(data, &v1.CheckRequest{}).(*v1.CheckRequest)
	if !proto.Equal(first, req) {
		t.Fatalf("decoded %v", first)
	}
	first.Files[0].Content = "changed by the handler"
	first.Modules[0].Data[0] = 'X'
	if again := decode(data, &v1.CheckRequest{}); !proto.Equal(again, req) {
		t.Errorf("decoded again: %v", again)
	}
	// Into a message that has fields already: replaced, as by proto.Unmarshal.
	if again := decode(data, &v1.CheckRequest{Files: []*v1.SourceFile{{Path: "old.rules"}}}); !proto.Equal(again, req) {
		t.Errorf("decoded into a used message: %v", again)
	}
	if len(c.byID) != 1 {
		t.Errorf("%d messages kept, want 1", len(c.byID))
	}

	other := proto.Clone(req).(*v1.CheckRequest)
	other.Files[1].Content = "y"
	od, _ := proto.Marshal(other)
	if got := decode(od, &v1.CheckRequest{}); !proto.Equal(got, other) {
		t.Errorf("other bytes: %v", got)
	}
	// The same bytes as another type: a FormatRequest has the files at
	// the same field number (and the modules as an unknown field).
	want, got := &v1.FormatRequest{}, &v1.FormatRequest{}
	if err := proto.Unmarshal(data, want); err != nil {
		t.Fatal(err)
	}
	if decode(data, got); !proto.Equal(got, want) || len(got.Files) != 2 {
		t.Errorf("as a FormatRequest: %v", got)
	}

	// A hash shared with other bytes: the kept message is not used.
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString("stagecraft.v1.CheckRequest")
	h.WriteByte(0)
	h.Write(od)
	c.mu.Lock()
	for _, d := range c.byID {
		if proto.Equal(d.msg, req) {
			c.byID[h.Sum64()] = d // req's message under other's ID
		}
	}
	c.mu.Unlock()
	if got := decode(od, &v1.CheckRequest{}); !proto.Equal(got, other) {
		t.Errorf("a shared hash gave another message: %v", got)
	}

	// Bytes that do not decode (a file that is not UTF-8) are refused
	// every time, and not kept.
	bad := append([]byte(nil), data...)
	bad[strings.Index(string(bad), "pipeline")] = 0xff
	kept := len(c.byID)
	for range 2 {
		if err := c.Unmarshal(bad, &v1.CheckRequest{}); err == nil {
			t.Errorf("invalid UTF-8 taken")
		}
	}
	if len(c.byID) != kept {
		t.Errorf("bytes that do not decode are kept")
	}

	// At most reuseKeep kept.
	for i := range 2 * reuseKeep {
		m := proto.Clone(req).(*v1.CheckRequest)
		m.Files[1].Content = strings.Repeat("z", i)
		b, _ := proto.Marshal(m)
		decode(b, &v1.CheckRequest{})
	}
	if len(c.byID) > reuseKeep {
		t.Errorf("%d kept, at most %d", len(c.byID), reuseKeep)
	}
}

// TestReusingProtoBudget: the tenants' codecs keep together no more than
// their budget; past it a request is decoded as any other, and what a
// codec stops keeping is given back for the others.
func TestReusingProtoBudget(t *testing.T) {
	msg := func(i int) []byte {
		b, _ := proto.Marshal(&v1.CheckRequest{Files: []*v1.SourceFile{{Path: "a.rules", Content: strings.Repeat("#", 8000) + strconv.Itoa(i)}}})
		return b
	}
	size := 2 * int64(len(msg(0)))
	b := &reuseBudget{max: 3 * size}
	acme, globex := newReusingProto(b), newReusingProto(b)
	kept := func() int64 {
		var n int64
		for _, c := range []*reusingProto{acme, globex} {
			c.mu.Lock()
			for _, d := range c.byID {
				n += d.size()
			}
			c.mu.Unlock()
		}
		return n
	}
	for i := range 40 {
		c := acme
		if i%3 == 2 {
			c = globex
		}
		var got v1.CheckRequest
		if err := c.Unmarshal(msg(i), &got); err != nil || !strings.HasSuffix(got.Files[0].Content, "#"+strconv.Itoa(i)) {
			t.Fatalf("message %d: %v, %v", i, err, got.Files)
		}
		if u := b.used.Load(); u > b.max || u != kept() {
			t.Fatalf("after message %d the budget's use is %d, the codecs keep %d, the budget is %d", i, u, kept(), b.max)
		}
		if c == acme && (acme.last == nil || !bytes.Equal(acme.last.raw, msg(i))) {
			t.Fatalf("message %d: acme keeps another message than its newest: last %v, %d kept, used %d", i, acme.last != nil, len(acme.byID), b.used.Load())
		}
	}
	if kept() == 0 {
		t.Error("nothing kept within the budget")
	}
}

// TestReusingProtoConcurrent: requests decoded at once from the same
// bytes each get the whole message (go test -race).
func TestReusingProtoConcurrent(t *testing.T) {
	c := newReusingProto(&reuseBudget{max: reuseBudgetBytes})
	req := &v1.CheckRequest{Files: []*v1.SourceFile{{Path: "a.rules", Content: strings.Repeat("stage A\n", 1000)}},
		Modules: []*v1.ModuleFile{{Path: "m.wasm", Data: []byte("\x00asm")}}}
	data, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				m := &v1.CheckRequest{}
				if err := c.Unmarshal(data, m); err != nil || !proto.Equal(m, req) {
					t.Errorf("decoded %v, %v", m, err)
					return
				}
				m.Modules[0].Data[0] = 'X' // the handler's own
			}
		}()
	}
	wg.Wait()
}
