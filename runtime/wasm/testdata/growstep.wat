;; manifest: {"abi":1,"name":"growstep","version":"1","actions":[{"name":"trap","inputs":[],"outputs":[{"name":"n","type":"number"}]},{"name":"say","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; Grows its memory 1 MiB at a time until refused, as a C allocator does,
;; checking that each new MiB reads zero and writing its first byte; then
;; traps (trap) or replies with its own error (say).
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"error\":\"out of memory\"}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func $grow
    (local $old i32)
    (loop $more
      (local.set $old (memory.grow (i32.const 16)))
      (if (i32.ge_s (local.get $old) (i32.const 0))
        (then
          ;; a new page must read zero
          (if (i32.load8_u (i32.mul (local.get $old) (i32.const 65536))) (then unreachable))
          (i32.store8 (i32.mul (local.get $old) (i32.const 65536)) (i32.const 1))
          (br $more)))))
  (func (export "action_trap") (param i32 i32) (result i64)
    (call $grow)
    unreachable)
  (func (export "action_say") (param i32 i32) (result i64)
    (call $grow)
    (i64.const 25)))
