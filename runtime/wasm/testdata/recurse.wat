;; manifest: {"abi":1,"name":"recurse","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; No loop at all: a recursion that calls itself twice, 2^60 calls deep
;; 60. Only a test at every function's start stops it (wazero's own exit
;; checks are at loop headers only).
(module
  (memory (export "memory") 1)
  (func $f (param $n i64)
    (if (i64.ne (local.get $n) (i64.const 0))
      (then
        (call $f (i64.sub (local.get $n) (i64.const 1)))
        (call $f (i64.sub (local.get $n) (i64.const 1))))))
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64)
    (call $f (i64.const 60))
    (i64.const 0)))
