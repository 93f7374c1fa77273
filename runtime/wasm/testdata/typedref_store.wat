;; manifest: {"abi":1,"name":"typedref-store","version":"1","actions":[{"name":"probe","outputs":[{"name":"clean","type":"bool"}]}]}
;; Attack on the host's decoder: a block whose type is a typed reference,
;; (block (result (ref null 63))), written 02 63 3F. wazero (validator and
;; compiler, DecodeBlockType) reads the two bytes 63 3F as the block type;
;; the host's decoder (scan.go, instr: one LEB for a block type) reads 63
;; alone, and 3F as the next instruction, memory.size, whose immediate is
;; the next byte... From there it is out of step with wazero, and the
;; bytes are chosen so that it reads
;;     memory.size 0x41; i32.load align=0x41 mem=0x2A offset=0x36; nop;
;;     i64.div_u; i64.div_u; nop
;; where wazero reads
;;     i32.const 40; i32.const 42; i32.store align=1 offset=16384
;; : a store the host never sees, so never marks (chunk 8 of 2 KiB).
;; The test patches the placeholder block below, the same 16 bytes:
;;   02 40 41 28 41 2A 36 02 80 80 01 0C 01 0B 01 01
;;   02 63 3F 41 28 41 2A 36 01 80 80 01 0C 01 0B 1A
;; Type 63 must exist: 64 types.
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
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (type (func))
  (memory (export "memory") 1)
  (data (i32.const 256) "{\"outputs\":{\"clean\":true}}")
  (data (i32.const 512) "{\"outputs\":{\"clean\":false}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_probe") (param i32 i32) (result i64)
    (local $clean i32)
    (local.set $clean (i32.eqz (i32.load (i32.const 16424))))
    (block $outer
      (block (i32.store offset=16384 (i32.const 40) (i32.const 42)) (br 1))
      (nop) (nop))
    (if (result i64) (local.get $clean)
      (then (i64.const 0x000001000000001A))
      (else (i64.const 0x000002000000001B)))))
