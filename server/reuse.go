package server

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/proto"
)

// reusingProto is connect-go's protobuf binary codec, except that a large
// request whose bytes are those of a recent one is not decoded again: its
// message is merged from the one decoded then. An editor sends the same
// rule set, tens of kilobytes, on every keystroke that does not change it
// (BenchmarkCheck), and decoding it (copying each file into a new string,
// checking that it is UTF-8) was an eighth of a Check's CPU; the merge
// shares those strings, which are immutable, and validated once.
//
// A message is found by a seeded hash of its type and bytes, and its
// bytes are compared before use: what the handler gets is exactly what
// decoding the request gives. Decoded messages are kept private and never
// handed out; at most reuseKeep of them, of reuseMin to reuseMax bytes.
// Each tenant has a codec of its own (rulesHandlers): a tenant's requests
// are never answered faster for another's. What every tenant's codec
// keeps counts against one budget of the server's (reuseBudget), so that
// a server of many tenants holds no more than it, however many send.
type reusingProto struct {
	seed   maphash.Seed
	budget *reuseBudget
	mu     sync.Mutex
	byID   map[uint64]*decoded
	ring   [reuseKeep]uint64 // the kept IDs, oldest replaced first
	next   int
	// last is the kept message found or decoded last, compared before
	// any hashing: an editor repeats one rule set, and comparing its
	// bytes costs less than half of hashing them. Always one of byID's,
	// or nil.
	last *decoded
}

// reuseBudget bounds the bytes that every tenant's reusingProto keeps
// together: a request's bytes and its decoded message, counted as twice
// the bytes. A codec that would pass it gives up its own oldest messages
// for the new one, and when giving up all of them is not enough keeps
// nothing (the request is decoded as any other).
type reuseBudget struct {
	max  int64
	used atomic.Int64
}

// take reserves n bytes of the budget, or reports that there are not n left.
func (b *reuseBudget) take(n int64) bool {
	if b.used.Add(n) > b.max {
		b.used.Add(-n)
		return false
	}
	return true
}

// size is what a kept message counts against the budget.
func (d *decoded) size() int64 { return 2 * int64(len(d.raw)) }

type decoded struct {
	name string // the message's full name
	raw  []byte
	msg  proto.Message
}

const (
	// reuseKeep is a tenant's: an editor repeats one rule set until it
	// changes, and a few of a tenant's editors may work at once. At most
	// 8 × 256 KiB of requests, and their messages, per tenant.
	reuseKeep = 8
	reuseMin  = 4 << 10 // smaller messages decode faster than they hash and merge
	reuseMax  = 256 << 10
	// reuseBudgetBytes is the server's reuseBudget: 16 tenants keeping
	// all they may, or many more keeping the rule sets of a few editors.
	reuseBudgetBytes = 64 << 20
)

func newReusingProto(b *reuseBudget) *reusingProto {
	return &reusingProto{seed: maphash.MakeSeed(), budget: b, byID: map[uint64]*decoded{}}
}

func (*reusingProto) Name() string   { return "proto" }
func (*reusingProto) IsBinary() bool { return true }

func (*reusingProto) Marshal(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a protobuf message", m)
	}
	return proto.Marshal(pm)
}

func (*reusingProto) MarshalAppend(dst []byte, m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a protobuf message", m)
	}
	return proto.MarshalOptions{}.MarshalAppend(dst, pm)
}

func (*reusingProto) MarshalStable(m any) ([]byte, error) {
	pm, ok := m.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a protobuf message", m)
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(pm)
}

func (c *reusingProto) Unmarshal(data []byte, m any) error {
	pm, ok := m.(proto.Message)
	if !ok {
		return fmt.Errorf("%T is not a protobuf message", m)
	}
	if len(data) < reuseMin || len(data) > reuseMax {
		return unmarshalProto(data, pm)
	}
	name := string(pm.ProtoReflect().Descriptor().FullName())
	c.mu.Lock()
	d := c.last
	c.mu.Unlock()
	if d != nil && d.name == name && bytes.Equal(d.raw, data) {
		proto.Reset(pm) // as proto.Unmarshal does
		proto.Merge(pm, d.msg)
		return nil
	}
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(name)
	h.WriteByte(0)
	h.Write(data)
	id := h.Sum64()
	c.mu.Lock()
	d = c.byID[id]
	c.mu.Unlock()
	if d != nil && d.name == name && bytes.Equal(d.raw, data) {
		c.mu.Lock()
		c.last = d
		c.mu.Unlock()
		proto.Reset(pm)
		proto.Merge(pm, d.msg)
		return nil
	}
	// Decoded into a message of its own, kept, and merged into the
	// handler's, which the handler may change.
	d = &decoded{name: name, raw: data}
	kept := c.budget.take(d.size())
	for !kept && c.dropOldest() {
		kept = c.budget.take(d.size())
	}
	if !kept {
		return unmarshalProto(data, pm) // the server keeps enough already
	}
	own := pm.ProtoReflect().New().Interface()
	if err := unmarshalProto(data, own); err != nil {
		c.budget.used.Add(-d.size())
		return err
	}
	proto.Reset(pm)
	proto.Merge(pm, own)
	d.raw, d.msg = bytes.Clone(data), own
	c.mu.Lock()
	if old, ok := c.byID[id]; ok {
		c.drop(old)
	} else {
		if old := c.byID[c.ring[c.next]]; old != nil {
			delete(c.byID, c.ring[c.next])
			c.drop(old)
		}
		c.ring[c.next] = id
		c.next = (c.next + 1) % reuseKeep
	}
	c.byID[id] = d
	c.last = d
	c.mu.Unlock()
	return nil
}

// dropOldest stops keeping the codec's oldest message, if it keeps any,
// so that a tenant whose budget the others took still keeps its newest
// rule set rather than stale ones.
func (c *reusingProto) dropOldest() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range reuseKeep {
		id := c.ring[(c.next+i)%reuseKeep]
		if d := c.byID[id]; d != nil {
			delete(c.byID, id)
			c.drop(d)
			return true
		}
	}
	return false
}

// drop gives back the budget of a message no longer kept (c.mu held).
func (c *reusingProto) drop(d *decoded) {
	c.budget.used.Add(-d.size())
	if c.last == d {
		c.last = nil
	}
}

func unmarshalProto(data []byte, pm proto.Message) error {
	if err := proto.Unmarshal(data, pm); err != nil {
		return fmt.Errorf("unmarshal into %T: %w", pm, err)
	}
	return nil
}
