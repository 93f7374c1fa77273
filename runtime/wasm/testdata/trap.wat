;; manifest: {"abi":1,"name":"hostile","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; Traps: unreachable.
(module
  (memory (export "memory") 1)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64) unreachable))
