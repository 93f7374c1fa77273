;; manifest: {"abi":1,"name":"hostile","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; Logs forever: the log limit stops it.
(module
  (import "stagecraft" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "spam spam spam spam spam spam spam spam spam spam spam spam")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64)
    (loop $more (call $log (i32.const 0) (i32.const 59)) (br $more))
    (i64.const 0)))
