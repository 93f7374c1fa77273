;; manifest: {"abi":1,"name":"write-ways","version":"1","actions":[{"name":"probe","inputs":[{"name":"how","type":"number"},{"name":"ad","type":"number"}],"outputs":[{"name":"clean","type":"number"}]}]}
;; Attacks that should hold: the action first checks that all of memory
;; is as _initialize left it (byte i = i*31+7), but for its inputs, and
;; replies clean: -1, or the first address that is not; then it writes in
;; one way (how) at an address (at), in ways the tests of writes.wat do
;; not try. Memory: 4 pages, chunks of 8 KiB.
;;
;;  1 i64.store in a function called through call_indirect
;;  2 clock_res_get's 8 bytes          3 args_sizes_get (two i32)
;;  4 environ_sizes_get                5 fd_fdstat_get(1) (24 bytes)
;;  6 poll_oneoff, one clock subscription, its event at at (32 bytes)
;;  7 memory.fill of 20000 bytes       8 memory.copy of 20000 bytes, backward overlap
;;  9 memory.copy of 0 bytes at at     10 random_get of 20000 bytes
;; 11 i64.store at (global.get $g) of (global.get $g)
;; 12 stores in the arms of an if, a br_table, and a loop
;; 13 i32.store, then a trap              14 proc_exit(0) after an i32.store
;; 15 i64.store offset=0xFFFFFFF8 at at (effective address past 4 GiB when at > 7: traps)
;; 16 v128.store32_lane offset=1 at at-1 17 fd_write's nwritten at at, through a wrapper
;; 18 stagecraft.log, then i32.store16 at at
;; 19 memory.init of a passive segment of 20 bytes, twice, at at and at+8190
;; 20 i64.store in the start function's callee, called again by the action
(module
  (import "wasi_snapshot_preview1" "clock_res_get" (func $clock_res (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "stagecraft" "log" (func $log (param i32 i32)))
  (type $st (func (param i32)))
  (memory (export "memory") 4)
  (table 2 funcref)
  (elem (i32.const 0) $store64 $store8)
  (global $g (mut i32) (i32.const 0))
  (data $seg "0123456789abcdefghij")

  (func $pattern (param $i i32) (result i32)
    (i32.and (i32.add (i32.mul (local.get $i) (i32.const 31)) (i32.const 7)) (i32.const 255)))
  (func $fill
    (local $i i32)
    (loop $fill
      (i32.store8 (local.get $i) (call $pattern (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))))
  (func $store64 (param $at i32) (i64.store (local.get $at) (i64.xor (i64.load (local.get $at)) (i64.const -1))))
  (func $store8 (param $at i32) (i32.store8 (local.get $at) (i32.xor (i32.load8_u (local.get $at)) (i32.const -1))))
  (func $startf (call $fill))
  (start $startf)
  (func (export "_initialize") (call $fill))
  (func (export "stagecraft_alloc") (param $size i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $size) (i32.const 4096))
      (then (i32.const 0))
      (else (i32.const 256))))

  (func $number (param $p i32) (result i32 i32)
    (local $v i32) (local $c i32)
    (block $done
      (loop $more
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $done (i32.or (i32.lt_u (local.get $c) (i32.const 48)) (i32.gt_u (local.get $c) (i32.const 57))))
        (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $more)))
    (local.get $v) (local.get $p))
  (func $check (param $skip i32) (param $n i32) (result i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.mul (memory.size) (i32.const 65536)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (if (i32.and
              (i32.or (i32.lt_u (local.get $i) (local.get $skip))
                      (i32.ge_u (local.get $i) (i32.add (local.get $skip) (local.get $n))))
              (i32.ne (i32.load8_u (local.get $i)) (call $pattern (local.get $i))))
          (then (return (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const -1))

  (func $write (param $how i32) (param $at i32)
    (local $i i32)
    (block $k20 (block $k19 (block $k18 (block $k17 (block $k16 (block $k15 (block $k14 (block $k13 (block $k12 (block $k11
    (block $k10 (block $k9 (block $k8 (block $k7 (block $k6 (block $k5 (block $k4 (block $k3 (block $k2 (block $k1 (block $k0
      (br_table $k0 $k1 $k2 $k3 $k4 $k5 $k6 $k7 $k8 $k9 $k10 $k11 $k12 $k13 $k14 $k15 $k16 $k17 $k18 $k19 $k20 $k0 (local.get $how)))
      (return))
      (call_indirect (type $st) (local.get $at) (i32.const 0)) (return))
      (drop (call $clock_res (i32.const 0) (local.get $at))) (return))
      (drop (call $args_sizes (local.get $at) (i32.add (local.get $at) (i32.const 4)))) (return))
      (drop (call $environ_sizes (local.get $at) (i32.add (local.get $at) (i32.const 4)))) (return))
      (drop (call $fdstat (i32.const 1) (local.get $at))) (return))
      ;; subscription at 8192*20 (48 bytes: userdata, tag 0 = clock, id, timeout, precision, flags); event at at; nevents at at+40
      (i64.store (i32.const 163840) (i64.const 7))
      (i32.store8 (i32.const 163848) (i32.const 0))
      (i32.store (i32.const 163856) (i32.const 1))
      (i64.store (i32.const 163864) (i64.const 1))
      (i64.store (i32.const 163872) (i64.const 0))
      (i32.store16 (i32.const 163880) (i32.const 0))
      (drop (call $poll (i32.const 163840) (local.get $at) (i32.const 1) (i32.add (local.get $at) (i32.const 40)))) (return))
      (memory.fill (local.get $at) (i32.const 0xA5) (i32.const 20000)) (return))
      (memory.copy (local.get $at) (i32.add (local.get $at) (i32.const 3)) (i32.const 20000)) (return))
      (memory.copy (local.get $at) (i32.const 0) (i32.const 0)) (return))
      (drop (call $random (local.get $at) (i32.const 20000))) (return))
      (global.set $g (local.get $at))
      (i64.store (global.get $g) (i64.extend_i32_u (global.get $g)))
      (global.set $g (i32.const 0))
      (return))
      (if (i32.and (local.get $at) (i32.const 1))
        (then (i32.store8 (local.get $at) (i32.const 0xEE)))
        (else (i32.store8 (i32.add (local.get $at) (i32.const 1)) (i32.const 0xEE))))
      (block $b (block $a
        (br_table $a $b (i32.and (local.get $at) (i32.const 1))))
        (i32.store16 offset=8200 (local.get $at) (i32.const 0xEEEE)) (return))
      (local.set $i (i32.const 3))
      (loop $l
        (i32.store8 offset=16400 (i32.add (local.get $at) (local.get $i)) (i32.const 0xEE))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br_if $l (local.get $i)))
      (return))
      (i32.store (local.get $at) (i32.const -1))
      (unreachable))
      (i32.store (local.get $at) (i32.const -1))
      (call $exit (i32.const 0)) (return))
      (i64.store offset=0xFFFFFFF8 (local.get $at) (i64.const -1)) (return))
      (v128.store32_lane offset=1 1 (i32.sub (local.get $at) (i32.const 1)) (v128.const i32x4 -1 -1 -1 -1)) (return))
      ;; one byte "x" at 0x10000+0x40 (its iovec at 0x10000+0x30), nwritten at at
      (i32.store (i32.const 0x10030) (i32.const 0x10040))
      (i32.store (i32.const 0x10034) (i32.const 1))
      (i32.store8 (i32.const 0x10040) (i32.const 120))
      (call $write_wrapped (local.get $at)) (return))
      (call $log (i32.const 300) (i32.const 10))
      (i32.store16 (local.get $at) (i32.const 0xEEEE)) (return))
      (memory.init $seg (local.get $at) (i32.const 0) (i32.const 20))
      (memory.init $seg (i32.add (local.get $at) (i32.const 8190)) (i32.const 0) (i32.const 20)) (return))
    (call $store64 (local.get $at)))

  (func $write_wrapped (param $nw i32)
    (drop (call $fd_write (i32.const 1) (i32.const 0x10030) (i32.const 1) (local.get $nw))))

  (func $putn (param $p i32) (param $v i32) (result i32)
    (if (i32.lt_s (local.get $v) (i32.const 0))
      (then
        (i32.store16 (local.get $p) (i32.const 0x312D))
        (return (i32.add (local.get $p) (i32.const 2)))))
    (if (i32.ge_u (local.get $v) (i32.const 10))
      (then (local.set $p (call $putn (local.get $p) (i32.div_u (local.get $v) (i32.const 10))))))
    (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
    (i32.add (local.get $p) (i32.const 1)))

  (data $head "{\"outputs\":{\"clean\":")
  (func (export "action_probe") (param $ptr i32) (param $len i32) (result i64)
    (local $how i32) (local $at i32) (local $p i32) (local $clean i32) (local $out i32)
    (local.set $clean (call $check (local.get $ptr) (local.get $len)))
    (call $number (i32.add (local.get $ptr) (i32.const 7)))
    (local.set $p)
    (local.set $how)
    (call $number (i32.add (local.get $p) (i32.const 6)))
    (drop)
    (local.set $at)
    (call $write (local.get $how) (local.get $at))
    ;; the reply in the last page
    (local.set $out (i32.const 0x30000))
    (memory.init $head (local.get $out) (i32.const 0) (i32.const 20))
    (local.set $p (call $putn (i32.add (local.get $out) (i32.const 20)) (local.get $clean)))
    (i32.store16 (local.get $p) (i32.const 0x7D7D))
    (local.set $p (i32.add (local.get $p) (i32.const 2)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
            (i64.extend_i32_u (i32.sub (local.get $p) (local.get $out))))))
