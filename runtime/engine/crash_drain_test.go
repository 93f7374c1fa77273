package engine_test

import (
	"fmt"
	"math/rand"
	randv2 "math/rand/v2"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/stagecraft/stagecraft/runtime/engine"
	"github.com/stagecraft/stagecraft/runtime/store"
	"github.com/stagecraft/stagecraft/stdlib"
)

// TestCrashMidDrain crashes the store while a backlog of due timers drains
// and while a deploy reschedules them, reopens the copy and finishes: each
// deal gets exactly one SMS, with the text of the program in force when it
// fired, and the deploy is there whole or not at all.
func TestCrashMidDrain(t *testing.T) {
	const deals = 300
	v1 := program(t, sms("nudge", "A", "10d", "v1"))
	v2 := program(t, sms("nudge", "A", "5d", "v2"))
	for seed := int64(1); seed <= int64(*crashSeeds); seed++ {
		for _, during := range []string{"drain", "deploy"} {
			t.Run(fmt.Sprintf("%s/%d", during, seed), func(t *testing.T) {
				r := rand.New(rand.NewSource(seed))
				fs := vfs.NewCrashableMem()
				st, err := store.Open("db", fs)
				if err != nil {
					t.Fatal(err)
				}
				e, err := engine.Open(st, stdlib.Runtime(), engine.Options{TimersPerTick: 16})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.Deploy(v1, t0); err != nil {
					t.Fatal(err)
				}
				seedDeals(t, e, deals)
				cfg := vfs.CrashCloneCfg{UnsyncedDataPercent: r.Intn(100), RNG: randv2.New(randv2.NewPCG(uint64(seed), 2))}
				var crashed *vfs.MemFS
				var wg sync.WaitGroup
				crash := func() {
					wg.Add(1)
					go func() { defer wg.Done(); crashed = fs.CrashClone(cfg) }()
				}
				if during == "deploy" {
					crash()
					if _, err := e.Deploy(v2, t0+day); err != nil {
						t.Fatal(err)
					}
				} else {
					at, chunks := r.Intn(deals/16), 0
					if err := e.Advance(t0+20*day, func(*engine.Result) {
						if chunks++; chunks == at+1 {
							crash()
						}
					}); err != nil {
						t.Fatal(err)
					}
				}
				wg.Wait()
				st.Close()

				st2, err := store.Open("db", crashed)
				if err != nil {
					t.Fatal(err)
				}
				defer st2.Close()
				e2, err := engine.Open(st2, stdlib.Runtime(), engine.Options{TimersPerTick: 16})
				if err != nil {
					t.Fatal(err)
				}
				version := e2.Version()
				if version != 1 && version != 2 {
					t.Fatalf("version %d after the crash", version)
				}
				if err := e2.Advance(t0+20*day, nil); err != nil {
					t.Fatal(err)
				}
				got := map[string]int{}
				texts := map[string]bool{}
				for _, s := range sentSMS(t, e2) {
					got[s.item]++
					texts[s.text] = true
				}
				if len(got) != deals {
					t.Errorf("%d deals got an SMS, want %d", len(got), deals)
				}
				for id, n := range got {
					if n != 1 {
						t.Errorf("deal %s got %d SMS", id, n)
					}
				}
				if during == "deploy" && (len(texts) != 1 || !texts[fmt.Sprintf("v%d", version)]) {
					t.Errorf("version %d in force, but the texts sent were %v: the deploy is there in part", version, texts)
				}
			})
		}
	}
}
