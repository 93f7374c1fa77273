package rpc

import (
	"strings"
	"sync"
	"testing"

	v1 "github.com/stagecraft/stagecraft/gen/stagecraft/v1"
)

// TestCheckCache: the same files are answered from the cache, other files
// (one byte, a path, a module's bytes) are checked, and a rule set too
// large to keep is found by its SHA-256.
func TestCheckCache(t *testing.T) {
	c := newCheckCache(4)
	checks := 0
	ask := func(files []*v1.SourceFile, mods []*v1.ModuleFile) *v1.CheckResponse {
		t.Helper()
		res, err := c.get("acme", files, mods, func() (*v1.CheckResponse, error) {
			checks++
			return &v1.CheckResponse{Ok: checks%2 == 1}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	files := func(content string) []*v1.SourceFile {
		return []*v1.SourceFile{{Path: "a.rules", Content: content}, {Path: "b.rules", Content: "x"}}
	}
	mods := []*v1.ModuleFile{{Path: "m.wasm", Data: []byte{0, 'a', 's', 'm'}}}
	first := ask(files("pipeline"), mods)
	if again := ask(files("pipeline"), []*v1.ModuleFile{{Path: "m.wasm", Data: []byte{0, 'a', 's', 'm'}}}); again != first || checks != 1 {
		t.Errorf("the same files again: %d checks", checks)
	}
	for i, other := range []struct {
		files []*v1.SourceFile
		mods  []*v1.ModuleFile
	}{
		{files("pipelinf"), mods},
		{[]*v1.SourceFile{{Path: "a.rules", Content: "pipeline"}, {Path: "c.rules", Content: "x"}}, mods},
		{files("pipeline"), []*v1.ModuleFile{{Path: "m.wasm", Data: []byte{0, 'a', 's', 'n'}}}},
		{files("pipeline"), nil},
	} {
		before := checks
		ask(other.files, other.mods)
		if checks != before+1 {
			t.Errorf("other files %d: answered from the cache", i)
		}
	}
	// The request's module bytes reused after the call: the kept copy
	// still says what was checked.
	reused := []*v1.ModuleFile{{Path: "n.wasm", Data: []byte("one")}}
	ask(files("y"), reused)
	reused[0].Data[0] = 't'
	before := checks
	ask(files("y"), []*v1.ModuleFile{{Path: "n.wasm", Data: []byte("tne")}})
	if checks != before+1 {
		t.Errorf("a module changed after its check is answered from the cache")
	}

	big := files(strings.Repeat("#", keepMax+1))
	before = checks
	ask(big, nil)
	ask(files(strings.Repeat("#", keepMax+1)), nil)
	if checks != before+1 {
		t.Errorf("a large rule set again: %d checks, want 1", checks-before)
	}
	if e := c.entries[mustKey(t, c, big)]; e == nil || e.Value.(*checkEntry).in.files != nil {
		t.Errorf("a large rule set is kept: %v", e)
	}
}

func mustKey(t *testing.T, c *checkCache, files []*v1.SourceFile) checkKey {
	k, _ := c.key(checkInput{tenant: "acme", files: files})
	return k
}

// TestCheckCacheCollision: a rule set whose hash is another's is checked,
// never answered with the other's answer.
func TestCheckCacheCollision(t *testing.T) {
	c := newCheckCache(4)
	a := []*v1.SourceFile{{Path: "a.rules", Content: "a"}}
	b := []*v1.SourceFile{{Path: "a.rules", Content: "b"}}
	resA := &v1.CheckResponse{Ok: true}
	// a's entry under b's key: what a collision of their hashes would leave.
	kb := mustKey(t, c, b)
	c.entries[kb] = c.order.PushFront(&checkEntry{key: kb, in: checkInput{tenant: "acme", files: a}, res: resA})
	res, err := c.get("acme", b, nil, func() (*v1.CheckResponse, error) { return &v1.CheckResponse{}, nil })
	if err != nil || res == resA {
		t.Errorf("b answered with a's answer")
	}
	// The same for a check in flight.
	c = newCheckCache(4)
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.get("acme", a, nil, func() (*v1.CheckResponse, error) {
			close(started)
			<-release
			return resA, nil
		})
	}()
	<-started
	ka := mustKey(t, c, a)
	c.mu.Lock()
	c.inflight[kb] = c.inflight[ka]
	c.mu.Unlock()
	res, err = c.get("acme", b, nil, func() (*v1.CheckResponse, error) { return &v1.CheckResponse{}, nil })
	close(release)
	wg.Wait()
	if err != nil || res == resA {
		t.Errorf("b answered with a's answer in flight")
	}
}

// TestCheckCacheByTenant: a tenant's answer, kept or in flight, is never
// another tenant's: the same files from another tenant are checked, as
// if the first had never sent them.
func TestCheckCacheByTenant(t *testing.T) {
	c := newCheckCache(4)
	files := []*v1.SourceFile{{Path: "a.rules", Content: "pipeline"}}
	checks := 0
	check := func() (*v1.CheckResponse, error) { checks++; return &v1.CheckResponse{Ok: true}, nil }
	c.get("acme", files, nil, check)
	c.get("acme", files, nil, check)
	if checks != 1 {
		t.Fatalf("the same tenant's files again: %d checks, want 1", checks)
	}
	c.get("beta", files, nil, check)
	if checks != 2 {
		t.Errorf("another tenant's files answered from the cache")
	}
	// In flight: beta's call does not wait for acme's.
	c = newCheckCache(4)
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.get("acme", files, nil, func() (*v1.CheckResponse, error) {
			close(started)
			<-release
			return &v1.CheckResponse{Ok: true}, nil
		})
	}()
	<-started
	res, err := c.get("beta", files, nil, func() (*v1.CheckResponse, error) { return &v1.CheckResponse{}, nil })
	close(release)
	<-done
	if err != nil || res.Ok {
		t.Errorf("beta answered with acme's check in flight")
	}
}

// TestCheckCacheLast: a tenant's last entry answers its same files before
// any hashing, never another tenant's, and leaves with its entry.
func TestCheckCacheLast(t *testing.T) {
	c := newCheckCache(1)
	files := []*v1.SourceFile{{Path: "a.rules", Content: "pipeline"}}
	checks := 0
	check := func() (*v1.CheckResponse, error) { checks++; return &v1.CheckResponse{Ok: true}, nil }
	c.get("acme", files, nil, check)
	if c.last["acme"] == nil {
		t.Fatal("no last entry for acme")
	}
	c.get("acme", []*v1.SourceFile{{Path: "a.rules", Content: strings.Clone("pipeline")}}, nil, check)
	if checks != 1 {
		t.Errorf("the same files again: %d checks, want 1", checks)
	}
	// Answered from last, before any hashing: with the entries found by
	// key gone, the same files again make no check.
	clear(c.entries)
	c.get("acme", files, nil, check)
	if checks != 1 {
		t.Errorf("the same files, found by key no more: %d checks, want 1 (last not used)", checks)
	}
	c.get("beta", files, nil, check) // evicts acme's only entry
	if checks != 2 || c.last["acme"] != nil || len(c.last) != 1 {
		t.Errorf("after beta's: %d checks, last %v", checks, c.last)
	}
	c.get("acme", files, nil, check)
	if checks != 3 {
		t.Errorf("acme's evicted files answered without a check")
	}
}
