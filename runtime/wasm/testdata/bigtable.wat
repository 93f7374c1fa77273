;; manifest: {"abi":1,"name":"bigtable","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; A table that starts past the host's limit of 2^20 elements: refused at
;; load.
(module
  (memory (export "memory") 1)
  (table 16777216 funcref)
  (data (i32.const 0) "{\"outputs\":{\"n\":1}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64) (i64.const 19)))
