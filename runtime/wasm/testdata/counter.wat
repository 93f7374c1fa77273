;; manifest: {"abi":1,"name":"counter","version":"1","actions":[{"name":"count","inputs":[],"outputs":[{"name":"global","type":"number"},{"name":"memory","type":"number"}]}]}
;; Counts its calls in a global and in memory, and replies with both
;; counts: 1 and 1 on every call when no state survives a call.
(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 0) "{\"outputs\":{\"global\":0,\"memory\":0}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_count") (param i32 i32) (result i64)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store (i32.const 512) (i32.add (i32.load (i32.const 512)) (i32.const 1)))
    ;; one digit each (the test calls fewer than 10 times)
    (i32.store8 (i32.const 21) (i32.add (i32.const 48) (global.get $calls)))
    (i32.store8 (i32.const 32) (i32.add (i32.const 48) (i32.load (i32.const 512))))
    (i64.const 35)))
