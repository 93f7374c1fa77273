package wasm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Modules made of long straight-line code (TestCheckWeights,
// TestLongStraightLineCode, TestCollectionsDuringALongCall), and what
// stopping one costs. Run with:
//
//	go test ./runtime/wasm -run '^$' -bench BenchmarkStop -benchtime 10x

// watText builds a module from WAT text, as wat does from testdata.
func watText(t testing.TB, man, text string) []byte {
	t.Helper()
	bin := need(t, "wat2wasm", "apt-get install wabt")
	dir := t.TempDir()
	src, out := filepath.Join(dir, "m.wat"), filepath.Join(dir, "m.wasm")
	if err := os.WriteFile(src, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(bin, "--enable-all", src, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s", err, b)
	}
	plain, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := Embed(plain, []byte(man))
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

const bigManifest = `{"abi":1,"name":"big","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}`

// replyWAT is a function $reply that replies {"outputs":{"n":V}} for an
// i32 V, written in decimal at address 0.
const replyWAT = `
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"outputs\":{\"n\":")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func $reply (param $v i32) (result i64)
    (local $len i32) (local $t i32) (local $p i32)
    (local.set $t (local.get $v))
    (local.set $len (i32.const 1))
    (block $d (loop $c
      (br_if $d (i32.lt_u (local.get $t) (i32.const 10)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (local.set $len (i32.add (local.get $len) (i32.const 1)))
      (br $c)))
    (local.set $p (i32.add (i32.const 16) (local.get $len)))
    (i32.store16 (local.get $p) (i32.const 0x7d7d))
    (loop $w
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $w (i32.gt_u (local.get $p) (i32.const 16))))
    (i64.extend_i32_u (i32.add (i32.const 18) (local.get $len))))
`

// bigBody is straight-line code of 4*n instructions adding 1, 2, ... 7, 1,
// ... to $a; it returns what it adds in all.
func bigBody(b *strings.Builder, n int) (sum int) {
	for j := 0; j < n; j++ {
		fmt.Fprintf(b, "(local.set $a (i32.add (local.get $a) (i32.const %d)))\n", j%7+1)
		sum += j%7 + 1
	}
	return sum
}

// bigLoopModule is a loop whose body is 4*n instructions of straight-line
// code, run iterations times (0: for ever), replying the sum.
func bigLoopModule(t testing.TB, n, iterations int) (mod []byte, want int) {
	var b strings.Builder
	b.WriteString("(module" + replyWAT + `
  (func (export "action_run") (param i32 i32) (result i64)
    (local $i i32) (local $a i32)
    (loop $l
`)
	sum := bigBody(&b, n)
	if iterations == 0 {
		b.WriteString("(br $l))\n")
	} else {
		fmt.Fprintf(&b, "(local.set $i (i32.add (local.get $i) (i32.const 1)))\n(br_if $l (i32.lt_u (local.get $i) (i32.const %d))))\n", iterations)
	}
	b.WriteString("(call $reply (local.get $a))))\n")
	return watText(t, bigManifest, b.String()), sum * iterations
}

// bigStraightModule is a function of 4*n instructions and no loop, called
// iterations times by the action, and code after a branch that skips a
// loop.
func bigStraightModule(t testing.TB, n, iterations int) (mod []byte, want int) {
	var b strings.Builder
	b.WriteString("(module" + replyWAT + "(func $f (param $a i32) (result i32)\n")
	sum := bigBody(&b, n)
	b.WriteString(`(local.get $a))
  (func $g (param $a i32) (result i32)
    (block $skip
      (loop $never
        (br_if $skip (i32.const 1))
        (br $never)))
`)
	sum += bigBody(&b, n)
	fmt.Fprintf(&b, `(local.get $a))
  (func (export "action_run") (param i32 i32) (result i64)
    (local $i i32) (local $a i32)
    (loop $l
      (local.set $a (call $g (call $f (local.get $a))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const %d))))
    (call $reply (local.get $a))))
`, iterations)
	return watText(t, bigManifest, b.String()), sum * iterations
}

// BenchmarkStop calls a loop with a body of 60,000 instructions that runs
// for ever, under a limit of 100 ms, and reports how long after the limit
// the call returned (late-ms, the mean; late-max-ms): alone; with
// runtime.GC() called over and over meanwhile (gc-max-ms: the longest
// collection, which waits for the module to visit Go); and two such calls
// at once; and the collections alone, with no call (gc-no-call).
func BenchmarkStop(b *testing.B) {
	const limit = 100 * time.Millisecond
	for _, c := range []struct {
		name  string
		calls int
		gc    bool
	}{{"alone", 1, false}, {"gc", 1, true}, {"two", 2, false}, {"gc-no-call", 0, true}} {
		b.Run(c.name, func(b *testing.B) {
			bin, _ := bigLoopModule(b, 15000, 0)
			m := load(b, newHost(b, Options{CallTimeout: limit}), bin)
			var late, lateMax, gcMax time.Duration
			calls := 0
			for b.Loop() {
				stop := make(chan struct{})
				var gcs sync.WaitGroup
				if c.gc {
					gcs.Add(1)
					go func() {
						defer gcs.Done()
						for {
							select {
							case <-stop:
								return
							default:
							}
							t := time.Now()
							runtime.GC()
							gcMax = max(gcMax, time.Since(t))
							time.Sleep(time.Millisecond)
						}
					}()
				}
				var mu sync.Mutex
				var wg sync.WaitGroup
				for range c.calls {
					wg.Add(1)
					go func() {
						defer wg.Done()
						t := time.Now()
						_, err := m.Call(context.Background(), "run", nil)
						d := time.Since(t) - limit
						var le *LimitError
						if !errors.As(err, &le) || le.Limit != LimitTime {
							b.Errorf("err = %v, want a time limit", err)
						}
						mu.Lock()
						late, lateMax, calls = late+d, max(lateMax, d), calls+1
						mu.Unlock()
					}()
				}
				if c.calls == 0 {
					time.Sleep(limit)
				}
				wg.Wait()
				close(stop)
				gcs.Wait()
			}
			if calls > 0 {
				b.ReportMetric(float64(late.Microseconds())/1000/float64(calls), "late-ms")
				b.ReportMetric(float64(lateMax.Microseconds())/1000, "late-max-ms")
			}
			if c.gc {
				b.ReportMetric(float64(gcMax.Microseconds())/1000, "gc-max-ms")
			}
		})
	}
}

// BenchmarkBigLoop runs the loop with a body of 60,000 instructions 200
// times: ns-per-instr is what a check's weight unit costs on straight-line
// code, the cost of the checks included.
func BenchmarkBigLoop(b *testing.B) {
	bin, _ := bigLoopModule(b, 15000, 200)
	m := load(b, newHost(b, Options{}), bin)
	for b.Loop() {
		if _, err := m.Call(context.Background(), "run", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(200*60000), "ns-per-instr")
}
