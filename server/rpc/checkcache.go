package rpc

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"hash/maphash"
	"io"
	"sync"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// checkCache keeps the answers of recent Checks by their files: checking
// is a function of the files alone, so an editor or a CI job sending the
// same rule set again is answered without checking it again, and
// identical requests in flight together check it once.
//
// Entries are a tenant's own: the tenant is part of the key, so that
// how fast a tenant is answered never says what another tenant checked
// (an answer from the cache takes microseconds, a check milliseconds).
//
// A rule set of up to keepMax bytes (an editor's, every keystroke) is
// found by a seeded 64-bit hash and confirmed by comparing the files
// themselves, kept with the answer, byte for byte: a hit is always the
// same rule set, and this costs a fraction of a cryptographic hash of the
// files on every request. Two rule sets of one hash (chance, the seed
// being random) only share no entry: the later is checked. A larger rule
// set (its modules, say) is found by its SHA-256 and not kept, so that
// the cache holds at most max × keepMax bytes of files.
type checkCache struct {
	seed     maphash.Seed
	mu       sync.Mutex
	max      int
	entries  map[checkKey]*list.Element
	order    *list.List // front: most recently used
	inflight map[checkKey]*checkCall
	// last is each tenant's kept entry used last, compared before any
	// hashing: an editor sends one rule set again and again, and its
	// texts are then the very strings of the entry (server/reuse.go merges
	// a repeated request's message from the one decoded first), which
	// compare equal at once, by address, where hashing them costs a tenth
	// of a Check answered from the cache.
	last map[string]*list.Element
}

// keepMax is the largest rule set (files and modules) kept to compare.
const keepMax = 256 << 10

// checkKey is a rule set's SHA-256 (sum) if it is larger than keepMax,
// else its seeded hash (hash).
type checkKey struct {
	sum  [32]byte
	hash uint64
}

// checkInput is what a Check's answer is a function of, and whose
// answer it is.
type checkInput struct {
	tenant string
	files  []*v1.SourceFile
	mods   []*v1.ModuleFile
}

type checkEntry struct {
	key checkKey
	in  checkInput // nil files and modules for a key by SHA-256
	res *v1.CheckResponse
}

type checkCall struct {
	in   checkInput
	done chan struct{}
	res  *v1.CheckResponse
	err  error
}

func newCheckCache(max int) *checkCache {
	return &checkCache{seed: maphash.MakeSeed(), max: max, entries: map[checkKey]*list.Element{}, order: list.New(), inflight: map[checkKey]*checkCall{},
		last: map[string]*list.Element{}}
}

// key hashes the tenant, the files and the modules, each with its length,
// the count of files after the tenant: the same rules with other module
// bytes are another check, and no file can pass for a module. kept says
// whether the input is small enough to keep and compare.
func (c *checkCache) key(in checkInput) (k checkKey, kept bool) {
	size := 0
	for _, f := range in.files {
		size += len(f.GetPath()) + len(f.GetContent())
	}
	for _, m := range in.mods {
		size += len(m.GetPath()) + len(m.GetData())
	}
	var mh maphash.Hash
	var sh hash.Hash
	var w io.Writer
	if kept = size <= keepMax; kept {
		mh.SetSeed(c.seed)
		w = &mh
	} else {
		sh = sha256.New()
		w = sh
	}
	var n [8]byte
	count := func(l int) {
		binary.BigEndian.PutUint64(n[:], uint64(l))
		w.Write(n[:])
	}
	count(len(in.tenant))
	io.WriteString(w, in.tenant)
	count(len(in.files))
	for _, f := range in.files {
		count(len(f.GetPath()))
		io.WriteString(w, f.GetPath())
		count(len(f.GetContent()))
		io.WriteString(w, f.GetContent())
	}
	for _, m := range in.mods {
		count(len(m.GetPath()))
		io.WriteString(w, m.GetPath())
		count(len(m.GetData()))
		w.Write(m.GetData())
	}
	if kept {
		return checkKey{hash: mh.Sum64()}, true
	}
	sh.Sum(k.sum[:0])
	return k, false
}

// same says whether two inputs are the same files and modules.
func (a checkInput) same(b checkInput) bool {
	if a.tenant != b.tenant || len(a.files) != len(b.files) || len(a.mods) != len(b.mods) {
		return false
	}
	for i, f := range a.files {
		if f.GetPath() != b.files[i].GetPath() || f.GetContent() != b.files[i].GetContent() {
			return false
		}
	}
	for i, m := range a.mods {
		if m.GetPath() != b.mods[i].GetPath() || !bytes.Equal(m.GetData(), b.mods[i].GetData()) {
			return false
		}
	}
	return true
}

// kept is a copy of the input the cache may keep: the request's messages
// are the handler's, and a module's bytes could be reused after it
// returns. Texts are immutable and kept as they are.
func (a checkInput) kept() checkInput {
	out := checkInput{tenant: a.tenant, files: make([]*v1.SourceFile, len(a.files)), mods: make([]*v1.ModuleFile, len(a.mods))}
	for i, f := range a.files {
		out.files[i] = &v1.SourceFile{Path: f.GetPath(), Content: f.GetContent()}
	}
	for i, m := range a.mods {
		out.mods[i] = &v1.ModuleFile{Path: m.GetPath(), Data: bytes.Clone(m.GetData())}
	}
	return out
}

// get answers the tenant from the cache or by check, once for concurrent
// callers of the same tenant and files. Answers are shared: callers must
// not change them.
func (c *checkCache) get(tenant string, files []*v1.SourceFile, mods []*v1.ModuleFile, check func() (*v1.CheckResponse, error)) (*v1.CheckResponse, error) {
	in := checkInput{tenant, files, mods}
	c.mu.Lock()
	if e := c.last[tenant]; e != nil && e.Value.(*checkEntry).in.same(in) {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*checkEntry).res, nil
	}
	c.mu.Unlock()
	k, keep := c.key(in)
	c.mu.Lock()
	if e, ok := c.entries[k]; ok {
		ent := e.Value.(*checkEntry)
		if !keep || ent.in.same(in) {
			c.order.MoveToFront(e)
			if keep {
				c.last[tenant] = e
			}
			c.mu.Unlock()
			return ent.res, nil
		}
		c.mu.Unlock()
		return check() // another rule set of the same hash: checked, not kept
	}
	if call, ok := c.inflight[k]; ok {
		c.mu.Unlock()
		if keep && !call.in.same(in) {
			return check()
		}
		<-call.done
		return call.res, call.err
	}
	call := &checkCall{done: make(chan struct{})}
	if keep {
		call.in = in.kept()
	}
	c.inflight[k] = call
	c.mu.Unlock()

	call.res, call.err = check()
	c.mu.Lock()
	delete(c.inflight, k)
	if call.err == nil {
		e := c.order.PushFront(&checkEntry{key: k, in: call.in, res: call.res})
		c.entries[k] = e
		if keep {
			c.last[tenant] = e
		}
		for c.order.Len() > c.max {
			old := c.order.Back()
			c.order.Remove(old)
			ent := old.Value.(*checkEntry)
			delete(c.entries, ent.key)
			if c.last[ent.in.tenant] == old {
				delete(c.last, ent.in.tenant)
			}
		}
	}
	c.mu.Unlock()
	close(call.done)
	return call.res, call.err
}
