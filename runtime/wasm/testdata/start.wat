;; manifest: {"abi":1,"name":"start","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; A start section and an _initialize, which run once, in this order,
;; before the snapshot: start sets $g to 3, _initialize adds 1 (4; the
;; other order gives 3). Every call adds 1 and replies with $g: 5, on every
;; call, when nothing of a call survives it.
(module
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 0) "{\"outputs\":{\"n\":0}}")
  (func $start (global.set $g (i32.const 3)))
  (start $start)
  (func (export "_initialize") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (i32.store8 (i32.const 16) (i32.add (i32.const 48) (global.get $g)))
    (i64.const 19)))
