;; manifest: {"abi":1,"name":"wasiclock","version":"1","actions":[{"name":"now","inputs":[],"outputs":[{"name":"ns","type":"number"},{"name":"random","type":"number"}]}]}
;; Reads WASI's clock and random stream, as a Go module's runtime does:
;; the host's fake clock and fixed-seed stream must give every call the
;; same readings.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $out (mut i32) (i32.const 0))
  (data (i32.const 100) "{\"outputs\":{\"ns\":")
  (data (i32.const 140) ",\"random\":")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 8192))
  (func $put (param $src i32) (param $len i32)
    (memory.copy (global.get $out) (local.get $src) (local.get $len))
    (global.set $out (i32.add (global.get $out) (local.get $len))))
  (func $putu (param $v i64)
    (if (i64.ge_u (local.get $v) (i64.const 10))
      (then (call $putu (i64.div_u (local.get $v) (i64.const 10)))))
    (i32.store8 (global.get $out) (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
    (global.set $out (i32.add (global.get $out) (i32.const 1))))
  (func (export "action_now") (param i32 i32) (result i64)
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 16)))  ;; realtime, into 16
    (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 24)))  ;; monotonic, into 24
    (drop (call $random (i32.const 32) (i32.const 4)))
    (global.set $out (i32.const 1024))
    (call $put (i32.const 100) (i32.const 17))
    (call $putu (i64.add (i64.load (i32.const 16)) (i64.load (i32.const 24))))
    (call $put (i32.const 140) (i32.const 10))
    (call $putu (i64.load32_u (i32.const 32)))
    (i32.store8 (global.get $out) (i32.const 125))
    (global.set $out (i32.add (global.get $out) (i32.const 1)))
    (i32.store8 (global.get $out) (i32.const 125))
    (global.set $out (i32.add (global.get $out) (i32.const 1)))
    (i64.or (i64.shl (i64.const 1024) (i64.const 32)) (i64.extend_i32_u (i32.sub (global.get $out) (i32.const 1024))))))
