;; manifest: {"abi":1,"name":"alloctrap","version":"1","actions":[{"name":"echo","inputs":[{"name":"t","type":"text"}],"outputs":[{"name":"n","type":"number"}]}]}
;; An allocator that traps when asked for more than 8 KiB: the buffer
;; the host reserves with the snapshot is smaller, a call's large inputs
;; are not.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"outputs\":{\"n\":1}}")
  (func (export "stagecraft_alloc") (param i32) (result i32)
    (if (i32.gt_u (local.get 0) (i32.const 8192)) (then unreachable))
    (i32.const 1024))
  (func (export "action_echo") (param i32 i32) (result i64) (i64.const 19)))
