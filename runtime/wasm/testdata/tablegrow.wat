;; manifest: {"abi":1,"name":"tablegrow","version":"1","actions":[{"name":"huge","inputs":[],"outputs":[{"name":"n","type":"number"}]},{"name":"limit","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; Grows a table that declares no maximum: by 2^31 - 16 elements (16 GiB
;; of the host's memory, were it allowed), and to one past the host's
;; limit of 2^20. Each grow must return -1 (n: -1), the host unharmed.
(module
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (data (i32.const 0) "{\"outputs\":{\"n\":-1}}")
  (data (i32.const 64) "{\"outputs\":{\"n\":1}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func $reply (param $got i32) (result i64)
    (if (result i64) (i32.eq (local.get $got) (i32.const -1))
      (then (i64.const 20))
      (else (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const 19)))))
  (func (export "action_huge") (param i32 i32) (result i64)
    (call $reply (table.grow $t (ref.null func) (i32.const 0x7ffffff0))))
  (func (export "action_limit") (param i32 i32) (result i64)
    (call $reply (table.grow $t (ref.null func) (i32.const 1048576)))))
