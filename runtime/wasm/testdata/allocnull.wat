;; manifest: {"abi":1,"name":"allocnull","version":"1","actions":[{"name":"rate","inputs":[{"name":"country","type":"text"}],"outputs":[{"name":"rate","type":"number"}]}]}
;; An allocator that fails as C's does, returning NULL (0), with the
;; module's data at address 0: the reply the action returns. Written over
;; with the inputs, it would still be JSON with a wrong rate.
(module
  (memory (export "memory") 1)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 0))
  (data (i32.const 0) "{\"outputs\":{\"rate\":23}}           ")
  (func (export "action_rate") (param i32 i32) (result i64) (i64.const 23))
)
