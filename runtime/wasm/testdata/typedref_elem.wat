;; manifest: {"abi":1,"name":"typedref-elem","version":"1","actions":[{"name":"probe","outputs":[{"name":"clean","type":"bool"}]}]}
;; Attack on newTracking's read of the element section (track.go,
;; elementWrites: one byte of reference type): an active segment of
;; expressions (flags 6) whose type is written in the typed-reference
;; form, (ref null func) = 63 70. The host reads 63 as the type and 70
;; (112) as the count of expressions; the real count, 41 (65), it reads
;; as an i32.const whose LEB swallows the first expression's ref.func 0,
;; random_get's index. So it finds no import that writes in a table,
;; tracks the module, and the call_indirect to random_get is not marked.
;; The test replaces the element section with
;;   01 06 00 41 00 0B 63 70 41 (D2 00 0B) (D0 70 0B) x64
;; (table 0 from 0: random_get, then 64 nulls).
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (type $rg (func (param i32 i32) (result i32)))
  (memory (export "memory") 4)
  (table $t 65 funcref)
  (elem (table $t) (i32.const 0) funcref (ref.null func))
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
