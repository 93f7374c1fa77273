;; manifest: {"abi":1,"name":"typedref-datadrop","version":"1","actions":[{"name":"probe","outputs":[{"name":"clean","type":"bool"}]}]}
;; Attack on the host's decoder, as typedref_store.wat, on a segment: a
;; block typed (ref null 28), 02 63 1C, then nop, data.drop 0:
;;   wazero:      block (ref null 28); nop; data.drop 0; br 1; end; drop
;;   the host's:  block; select (1 type: the LEB FC 09); unreachable; br 1; end; drop
;; The host never sees the data.drop, so finds nothing that changes a
;; segment (scan.go) and resets the instance from call to call: the next
;; call's memory.init of the dropped segment traps.
;; The test patches the placeholder block (same 11 bytes):
;;   02 40 01 01 01 01 0C 01 0B 01 01  ->  02 63 1C 01 FC 09 00 0C 01 0B 1A
(module
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (memory (export "memory") 1)
  (data $seg "0123456789abcdef")
  (data (i32.const 256) "{\"outputs\":{\"clean\":true}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_probe") (param i32 i32) (result i64)
    (memory.init $seg (i32.const 20000) (i32.const 0) (i32.const 16))
    (block $outer
      (block (nop) (nop) (nop) (nop) (br 1))
      (nop) (nop))
    (i64.const 0x000001000000001A)))
