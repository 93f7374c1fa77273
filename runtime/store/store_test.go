package store

import (
	"bytes"
	"testing"
)

func TestBatchReadsItsWritesAndCommits(t *testing.T) {
	st, err := OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := st.NewBatch()
	b.Set([]byte("a/1"), []byte("x"))
	b.Set([]byte("a/2"), []byte("y"))
	b.Set([]byte("b/1"), []byte("z"))
	if v, ok, _ := b.Get([]byte("a/2")); !ok || string(v) != "y" {
		t.Fatal("a batch does not read its own write")
	}
	if _, ok, _ := st.Get([]byte("a/2")); ok {
		t.Fatal("an uncommitted write is visible")
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	st.Scan([]byte("a/"), func(k, _ []byte) bool { keys = append(keys, string(k)); return true })
	if len(keys) != 2 || keys[0] != "a/1" || keys[1] != "a/2" {
		t.Fatalf("scan a/: %v", keys)
	}
	var all bytes.Buffer
	st.Dump(&all)
	if all.String() != "\"a/1\"=\"x\"\n\"a/2\"=\"y\"\n\"b/1\"=\"z\"\n" {
		t.Fatalf("dump: %q", all.String())
	}
}

func TestPrefixEnd(t *testing.T) {
	for in, want := range map[string]string{"a/": "a0", "a\xff": "b", "\xff\xff": ""} {
		if got := string(prefixEnd([]byte(in))); got != want {
			t.Errorf("prefixEnd(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLast(t *testing.T) {
	st, err := OpenMem()
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, ok, err := st.Last([]byte("a/"), []byte("a0")); ok || err != nil {
		t.Fatalf("empty store: ok %v, err %v", ok, err)
	}
	b := st.NewBatch()
	for _, k := range []string{"a/1", "a/3", "a/2", "b/9"} {
		b.Set([]byte(k), []byte("v"+k))
	}
	if err := b.Apply(); err != nil {
		t.Fatal(err)
	}
	b.Wait()
	if k, v, ok, _ := st.Last([]byte("a/"), []byte("a0")); !ok || string(k) != "a/3" || string(v) != "va/3" {
		t.Fatalf("last of a/: %q %q %v", k, v, ok)
	}
}
