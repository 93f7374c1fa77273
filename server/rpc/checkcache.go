package rpc

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// checkCache keeps the answers of recent Checks by the hash of their
// files: checking is a function of the files alone, so an editor or a CI
// job sending the same rule set again is answered without checking it
// again, and identical requests in flight together check it once.
type checkCache struct {
	mu       sync.Mutex
	max      int
	entries  map[[32]byte]*list.Element
	order    *list.List // front: most recently used
	inflight map[[32]byte]*checkCall
}

type checkEntry struct {
	key [32]byte
	res *v1.CheckResponse
}

type checkCall struct {
	done chan struct{}
	res  *v1.CheckResponse
	err  error
}

func newCheckCache(max int) *checkCache {
	return &checkCache{max: max, entries: map[[32]byte]*list.Element{}, order: list.New(), inflight: map[[32]byte]*checkCall{}}
}

// filesKey hashes the files, each path and content with its length.
func filesKey(files []*v1.SourceFile) [32]byte {
	h := sha256.New()
	var n [8]byte
	for _, f := range files {
		for _, s := range []string{f.GetPath(), f.GetContent()} {
			binary.BigEndian.PutUint64(n[:], uint64(len(s)))
			h.Write(n[:])
			h.Write([]byte(s))
		}
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// get answers from the cache or by check, once for concurrent callers of
// the same files. Answers are shared: callers must not change them.
func (c *checkCache) get(files []*v1.SourceFile, check func() (*v1.CheckResponse, error)) (*v1.CheckResponse, error) {
	k := filesKey(files)
	c.mu.Lock()
	if e, ok := c.entries[k]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*checkEntry).res, nil
	}
	if call, ok := c.inflight[k]; ok {
		c.mu.Unlock()
		<-call.done
		return call.res, call.err
	}
	call := &checkCall{done: make(chan struct{})}
	c.inflight[k] = call
	c.mu.Unlock()

	call.res, call.err = check()
	c.mu.Lock()
	delete(c.inflight, k)
	if call.err == nil {
		c.entries[k] = c.order.PushFront(&checkEntry{key: k, res: call.res})
		for c.order.Len() > c.max {
			old := c.order.Back()
			c.order.Remove(old)
			delete(c.entries, old.Value.(*checkEntry).key)
		}
	}
	c.mu.Unlock()
	close(call.done)
	return call.res, call.err
}
