;; manifest: {"abi":1,"name":"inittrap","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; An _initialize that traps: every call would fail.
(module
  (memory (export "memory") 1)
  (func (export "_initialize") unreachable)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64) (i64.const 0)))
