;; manifest: {"abi":1,"name":"hostile","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; Asks for 1 GiB of memory and traps when it is refused.
(module
  (memory (export "memory") 1)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64)
    (if (i32.lt_s (memory.grow (i32.const 16384)) (i32.const 0)) (then unreachable))
    (i64.const 0)))
