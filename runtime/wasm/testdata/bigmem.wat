;; manifest: {"abi":1,"name":"hostile","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; A memory that starts at 32 MiB, above the 16 MiB limit.
(module
  (memory (export "memory") 512)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64) (i64.const 0)))
