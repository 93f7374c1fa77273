;; manifest: {"abi":1,"name":"table-initialiser","version":"1","actions":[{"name":"probe","outputs":[{"name":"clean","type":"bool"}]}]}
;; Attack: a table whose elements are the import random_get, put there by
;; the table's own initialiser expression (the 0x40 0x00 form of the
;; table section, which wazero v1.12 accepts), not by an element segment.
;; The test patches the table section (wat2wasm cannot write the form):
;;   (table 1 funcref)  ->  (table 1 funcref (ref.func $random))
;; The action reports whether the 16 bytes at 65536 (chunk 8 of 8 KiB;
;; the inputs go to chunk 0, which the host marks) are still zero, then
;; calls random_get on them through call_indirect: no mark.
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (type $rg (func (param i32 i32) (result i32)))
  (memory (export "memory") 4)
  (table $t 1 funcref)
  (data (i32.const 256) "{\"outputs\":{\"clean\":true}}")
  (data (i32.const 512) "{\"outputs\":{\"clean\":false}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_probe") (param i32 i32) (result i64)
    (local $clean i32)
    (local.set $clean (i64.eqz (i64.or (i64.load (i32.const 65536)) (i64.load (i32.const 65544)))))
    (drop (call_indirect $t (type $rg) (i32.const 65536) (i32.const 16) (i32.const 0)))
    (if (result i64) (local.get $clean)
      (then (i64.const 0x000001000000001A))
      (else (i64.const 0x000002000000001B)))))
