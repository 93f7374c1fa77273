;; manifest: {"abi":1,"name":"growcount","version":"1","actions":[{"name":"count","inputs":[],"outputs":[{"name":"global","type":"number"},{"name":"memory","type":"number"}]}]}
;; counter.wat that also grows its memory by a page on every call: an
;; instance whose memory grew cannot be reset, so it must not serve again.
(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 0) "{\"outputs\":{\"global\":0,\"memory\":0}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_count") (param i32 i32) (result i64)
    (drop (memory.grow (i32.const 1)))
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store (i32.const 512) (i32.add (i32.load (i32.const 512)) (i32.const 1)))
    (i32.store8 (i32.const 21) (i32.add (i32.const 48) (global.get $calls)))
    (i32.store8 (i32.const 32) (i32.add (i32.const 48) (i32.load (i32.const 512))))
    (i64.const 35)))
