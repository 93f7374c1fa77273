;; manifest: {"abi":1,"name":"writes","version":"1","actions":[{"name":"write","inputs":[{"name":"how","type":"number"},{"name":"ad","type":"number"}],"outputs":[{"name":"clean","type":"number"},{"name":"changed","type":"bool"}]}]}
;; Writes memory in one of the ways a module can, at an address it is
;; given, after checking that the whole memory is as _initialize left it
;; (each byte i holds i*31+7), but for this call's inputs. Replies with
;; clean: -1 when it was, else the first address that was not; changed:
;; whether the write changed one of the 16 bytes from the address on.
;;
;;   how  0 nothing         7 v128.store           14 random_get, 16 bytes
;;        1 i32.store8      8 i64.store32 offset=3 15 clock_time_get, 8 bytes
;;        2 i32.store16     9 v128.store64_lane    16 fd_write's nwritten, 4 bytes
;;        3 i32.store      10 i32.store offset=65536  17 memory.grow, then i32.store8
;;        4 i64.store      11 memory.fill, 16 bytes   18 a byte every 997 to the end
;;        5 f32.store      12 memory.copy, 16 bytes
;;        6 f64.store      13 memory.init, 16 bytes
;;
;; and stores whose address and value come from a local, a global or a
;; constant, which the marks read where the store did:
;;
;;       19 i32.store8 of local.get, local.get
;;       20 i64.store of global.get, local.get
;;       21 i64.store offset=12380 of i32.const 4000, i64.const (at 16380 only)
;;       22 v128.store of local.get, v128.const
;;       23 f64.store offset=100 of local.get, f64.const
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 3)
  (global $addr (mut i32) (i32.const 0))
  (data $seg "0123456789abcdef")

  (func $pattern (param $i i32) (result i32)
    (i32.and (i32.add (i32.mul (local.get $i) (i32.const 31)) (i32.const 7)) (i32.const 255)))

  (func (export "_initialize")
    (local $i i32)
    (loop $fill
      (i32.store8 (local.get $i) (call $pattern (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.mul (memory.size) (i32.const 65536))))))

  ;; The inputs go at 256: a buffer of 4096 at most.
  (func (export "stagecraft_alloc") (param $size i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $size) (i32.const 4096))
      (then (i32.const 0))
      (else (i32.const 256))))

  ;; number reads the digits at p; it returns the value and the end.
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

  ;; check returns the first address not as _initialize left it, outside
  ;; [skip, skip+n), or -1.
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

  (func $changed (param $at i32) (result i32)
    (local $i i32)
    (loop $next
      (if (i32.ne (i32.load8_u (i32.add (local.get $at) (local.get $i)))
                  (call $pattern (i32.add (local.get $at) (local.get $i))))
        (then (return (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 16))))
    (i32.const 0))

  (func $write (param $how i32) (param $at i32)
    (local $i i32) (local $v i32) (local $v64 i64) (local $base i32)
    (block $k23 (block $k22 (block $k21 (block $k20 (block $k19
    (block $grow (block $spread
    (block $k16 (block $k15 (block $k14 (block $k13 (block $k12 (block $k11 (block $k10
    (block $k9 (block $k8 (block $k7 (block $k6 (block $k5 (block $k4 (block $k3 (block $k2 (block $k1 (block $k0
      (br_table $k0 $k1 $k2 $k3 $k4 $k5 $k6 $k7 $k8 $k9 $k10 $k11 $k12 $k13 $k14 $k15 $k16 $grow $spread $k19 $k20 $k21 $k22 $k23 $k0 (local.get $how)))
      (return))
      (i32.store8 (local.get $at) (i32.xor (i32.load8_u (local.get $at)) (i32.const -1))) (return))
      (i32.store16 (local.get $at) (i32.xor (i32.load16_u (local.get $at)) (i32.const -1))) (return))
      (i32.store (local.get $at) (i32.xor (i32.load (local.get $at)) (i32.const -1))) (return))
      (i64.store (local.get $at) (i64.xor (i64.load (local.get $at)) (i64.const -1))) (return))
      (f32.store (local.get $at) (f32.reinterpret_i32 (i32.xor (i32.load (local.get $at)) (i32.const -1)))) (return))
      (f64.store (local.get $at) (f64.reinterpret_i64 (i64.xor (i64.load (local.get $at)) (i64.const -1)))) (return))
      (v128.store (local.get $at) (v128.not (v128.load (local.get $at)))) (return))
      (i64.store32 offset=3 (i32.sub (local.get $at) (i32.const 3)) (i64.xor (i64.load (local.get $at)) (i64.const -1))) (return))
      (v128.store64_lane 1 (local.get $at) (v128.not (v128.load (local.get $at)))) (return))
      (i32.store offset=65536 (i32.sub (local.get $at) (i32.const 65536)) (i32.xor (i32.load (local.get $at)) (i32.const -1))) (return))
      (memory.fill (local.get $at) (i32.const 0x5A) (i32.const 16)) (return))
      (memory.copy (local.get $at) (i32.sub (local.get $at) (i32.const 1)) (i32.const 16)) (return))
      (memory.init $seg (local.get $at) (i32.const 0) (i32.const 16)) (return))
      (drop (call $random (local.get $at) (i32.const 16))) (return))
      (drop (call $clock (i32.const 0) (i64.const 1) (local.get $at))) (return))
      ;; one byte of "x" from 0x40 (its iovec at 0x30), nwritten at $at
      (i32.store (i32.const 0x30) (i32.const 0x40))
      (i32.store (i32.const 0x34) (i32.const 1))
      (i32.store8 (i32.const 0x40) (i32.const 120))
      (drop (call $fd_write (i32.const 1) (i32.const 0x30) (i32.const 1) (local.get $at))) (return))
      (local.set $i (local.get $at))
      (loop $every
        (i32.store8 (local.get $i) (i32.xor (i32.load8_u (local.get $i)) (i32.const -1)))
        (local.set $i (i32.add (local.get $i) (i32.const 997)))
        (br_if $every (i32.lt_u (local.get $i) (i32.mul (memory.size) (i32.const 65536)))))
      (return))
    (drop (memory.grow (i32.const 1)))
    (i32.store8 (local.get $at) (i32.xor (i32.load8_u (local.get $at)) (i32.const -1)))
    (return))
    (local.set $v (i32.xor (i32.load8_u (local.get $at)) (i32.const -1)))
    (i32.store8 (local.get $at) (local.get $v))
    (return))
    (global.set $addr (local.get $at))
    (local.set $v64 (i64.xor (i64.load (local.get $at)) (i64.const -1)))
    (i64.store (global.get $addr) (local.get $v64))
    (return))
    (i64.store offset=12380 (i32.const 4000) (i64.const 0x0102030405060708))
    (return))
    (v128.store (local.get $at) (v128.const i32x4 1 2 3 4))
    (return))
    (local.set $base (i32.sub (local.get $at) (i32.const 100)))
    (f64.store offset=100 (local.get $base) (f64.const 1.5)))

  ;; putn writes v (-1 or more) in decimal at p; it returns the end.
  (func $putn (param $p i32) (param $v i32) (result i32)
    (if (i32.lt_s (local.get $v) (i32.const 0))
      (then
        (i32.store16 (local.get $p) (i32.const 0x312D)) ;; "-1"
        (return (i32.add (local.get $p) (i32.const 2)))))
    (if (i32.ge_u (local.get $v) (i32.const 10))
      (then (local.set $p (call $putn (local.get $p) (i32.div_u (local.get $v) (i32.const 10))))))
    (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
    (i32.add (local.get $p) (i32.const 1)))

  ;; The reply's text: passive, so that _initialize's pattern is all of memory.
  (data $head "{\"outputs\":{\"clean\":")
  (data $false ",\"changed\":false}}")
  (data $true ",\"changed\":true}}")

  (func (export "action_write") (param $ptr i32) (param $len i32) (result i64)
    (local $how i32) (local $at i32) (local $p i32) (local $clean i32) (local $changed i32) (local $out i32)
    (local.set $clean (call $check (local.get $ptr) (local.get $len)))
    ;; {"how":N,"ad":M}
    (call $number (i32.add (local.get $ptr) (i32.const 7)))
    (local.set $p)
    (local.set $how)
    (call $number (i32.add (local.get $p) (i32.const 6)))
    (drop)
    (local.set $at)
    (call $write (local.get $how) (local.get $at))
    (local.set $changed (call $changed (local.get $at)))
    ;; the reply at the memory's last 64 KiB page but one
    (local.set $out (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 0x10000)))
    (memory.init $head (local.get $out) (i32.const 0) (i32.const 20))
    (local.set $p (call $putn (i32.add (local.get $out) (i32.const 20)) (local.get $clean)))
    (if (local.get $changed)
      (then (memory.init $true (local.get $p) (i32.const 0) (i32.const 17))
            (local.set $p (i32.add (local.get $p) (i32.const 17))))
      (else (memory.init $false (local.get $p) (i32.const 0) (i32.const 18))
            (local.set $p (i32.add (local.get $p) (i32.const 18)))))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
            (i64.extend_i32_u (i32.sub (local.get $p) (local.get $out))))))
