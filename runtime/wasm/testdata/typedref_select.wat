;; manifest: {"abi":1,"name":"typedref-select","version":"1","actions":[{"name":"probe","outputs":[{"name":"clean","type":"bool"}]}]}
;; Attack on the decoders: a typed select whose type is a typed reference,
;; select (ref null 26), written 1C 01 63 1A. wazero's validator reads
;; the heap type (1A) as part of the select; its compiler (wazevo
;; frontend, state.pc += 2) and the host's decoder (scan.go, one LEB per
;; type) read 1A as the next instruction, a drop. The test patches the
;; placeholder "select (result i32) nop" (1C 01 7F 01) into 1C 01 63 1A.
(module
  (type $t0 (func)) (type (func)) (type (func)) (type (func)) (type (func)) (type (func)) (type (func))
  (type (func)) (type (func)) (type (func)) (type (func)) (type (func)) (type (func)) (type (func))
  (type (func)) (type (func)) (type (func)) (type (func)) (type (func)) (type (func)) (type (func))
  (type (func)) (type (func)) (type (func)) (type (func)) (type (func)) (type (func)) (type (func))
  (memory (export "memory") 1)
  (data (i32.const 256) "{\"outputs\":{\"clean\":true}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_probe") (param i32 i32) (result i64)
    (i32.const 7) (i32.const 8) (i32.const 1)
    (select (result i32))
    (nop)
    (drop)
    (i64.const 0x000001000000001A)))
