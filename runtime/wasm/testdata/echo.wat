;; manifest: {"abi":1,"name":"echo","version":"1","actions":[{"name":"echo","inputs":[{"name":"s","type":"text"}],"outputs":[{"name":"s","type":"text"}]}]}
;; Replies with its inputs as its outputs, through a bump allocator that
;; grows memory as needed: inputs of any size cross the ABI whole.
(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (data (i32.const 0) "{\"outputs\":")
  (func $alloc (export "stagecraft_alloc") (param $size i32) (result i32)
    (local $p i32) (local $need i32)

    (local.set $p (global.get $next))
    (global.set $next (i32.add (local.get $p) (local.get $size)))
    (local.set $need (i32.sub (i32.shr_u (i32.add (global.get $next) (i32.const 65535)) (i32.const 16)) (memory.size)))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then (if (i32.lt_s (memory.grow (local.get $need)) (i32.const 0)) (then unreachable))))
    (local.get $p))
  (func (export "action_echo") (param $ptr i32) (param $len i32) (result i64)
    (local $out i32)
    (local.set $out (call $alloc (i32.const 12)))
    (drop (call $alloc (local.get $len)))
    (memory.copy (local.get $out) (i32.const 0) (i32.const 11))
    (memory.copy (i32.add (local.get $out) (i32.const 11)) (local.get $ptr) (local.get $len))
    (i32.store8 (i32.add (local.get $out) (i32.add (local.get $len) (i32.const 11))) (i32.const 125))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $out)) (i64.const 32))
            (i64.extend_i32_u (i32.add (local.get $len) (i32.const 12))))))
