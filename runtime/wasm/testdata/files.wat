;; manifest: {"abi":1,"name":"hostile","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; Imports WASI's path_open: no files in the sandbox.
(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64) (i64.const 0)))
