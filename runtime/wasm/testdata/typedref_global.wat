;; manifest: {"abi":1,"name":"typedref-global","version":"1","actions":[{"name":"probe","outputs":[{"name":"clean","type":"bool"}]}]}
;; Attack on the host's scan of globals (scan.go: one byte of value type,
;; one of mutability): a mutable global whose type is written in the
;; typed-reference form, (ref null func) = 63 70, which wazero reads as
;; funcref. The scan reads 63 as the type and 70 as "immutable", so the
;; global is never exported nor restored: a call that sets it leaves it
;; set for the next. The test replaces the global section:
;;   (global (mut funcref) (ref.null func))  70 01 D0 70 0B
;;   ->                                      63 70 01 D0 70 0B
(module
  (memory (export "memory") 1)
  (global $g (mut funcref) (ref.null func))
  (data (i32.const 256) "{\"outputs\":{\"clean\":true}}")
  (data (i32.const 512) "{\"outputs\":{\"clean\":false}}")
  (table 1 funcref)
  (func $f)
  (elem (i32.const 0) $f)
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_probe") (param i32 i32) (result i64)
    (local $clean i32)
    (local.set $clean (ref.is_null (global.get $g)))
    (global.set $g (table.get 0 (i32.const 0)))
    (if (result i64) (local.get $clean)
      (then (i64.const 0x000001000000001A))
      (else (i64.const 0x000002000000001B)))))
