;; manifest: {"abi":1,"name":"loops","version":"1","actions":[{"name":"sum","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; Loops as the instrumentation must leave them working: a loop with a
;; parameter and a result (multi-value), nested in a block and an if, left
;; by br_if to an outer label. sum replies 55 (1 + ... + 10)
;; written as two digits.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"outputs\":{\"n\":00}}")
  (func $sum (result i32)
    (local $i i32)
    (block $out (result i32)
      (i32.const 0)
      (if (param i32) (result i32) (i32.const 1)
        (then
          (loop $l (param i32) (result i32)
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (i32.add (local.get $i))
            (br_if $out (i32.eq (local.get $i) (i32.const 10)))
            (br $l))))))
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_sum") (param i32 i32) (result i64)
    (local $s i32)
    (local.set $s (call $sum))
    (i32.store8 (i32.const 16) (i32.add (i32.const 48) (i32.div_u (local.get $s) (i32.const 10))))
    (i32.store8 (i32.const 17) (i32.add (i32.const 48) (i32.rem_u (local.get $s) (i32.const 10))))
    (i64.const 20)))
