;; manifest: {"abi":1,"name":"tablecount","version":"1","actions":[{"name":"count","inputs":[],"outputs":[{"name":"global","type":"number"},{"name":"memory","type":"number"}]}]}
;; counter.wat that also writes a table (table.set): the host cannot
;; restore a table, so this module gets a new instance for every call.
(module
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 0) "{\"outputs\":{\"global\":0,\"memory\":0}}")
  (func $f)
  (elem declare func $f)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_count") (param i32 i32) (result i64)
    (table.set $t (i32.const 0) (ref.null func))
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store (i32.const 512) (i32.add (i32.load (i32.const 512)) (i32.const 1)))
    (i32.store8 (i32.const 21) (i32.add (i32.const 48) (global.get $calls)))
    (i32.store8 (i32.const 32) (i32.add (i32.const 48) (i32.load (i32.const 512))))
    (i64.const 35)))
