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

// filesKey hashes the files and the modules, each path and content with
// its length, the count of files first: the same rules with other module
// bytes are another check, and no file can pass for a module.
func filesKey(files []*v1.SourceFile, mods []*v1.ModuleFile) [32]byte {
	h := sha256.New()
	var n [8]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	binary.BigEndian.PutUint64(n[:], uint64(len(files)))
	h.Write(n[:])
	for _, f := range files {
		put([]byte(f.GetPath()))
		put([]byte(f.GetContent()))
	}
	for _, m := range mods {
		put([]byte(m.GetPath()))
		put(m.GetData())
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// get answers from the cache or by check, once for concurrent callers of
// the same files. Answers are shared: callers must not change them.
func (c *checkCache) get(files []*v1.SourceFile, mods []*v1.ModuleFile, check func() (*v1.CheckResponse, error)) (*v1.CheckResponse, error) {
	k := filesKey(files, mods)
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
