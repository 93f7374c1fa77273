;; manifest: {"abi":1,"name":"stdio","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"ok","type":"bool"}]}]}
;; The WASI calls wasi-libc's stdio links into a C module that formats
;; text (snprintf: fd_seek, fd_close, fd_write; printf: fd_fdstat_get),
;; each checked for what the host answers: fd_seek ESPIPE (70) for the
;; stdio descriptors and EBADF (8) for any other, its result left
;; unwritten; fd_close 0; fd_fdstat_get EBADF for a descriptor that does
;; not exist. It traps when an answer differs.
(module
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "{\"outputs\":{\"ok\":true}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func $want (param $got i32) (param $want i32)
    (if (i32.ne (local.get $got) (local.get $want)) (then unreachable)))
  (func (export "action_run") (param i32 i32) (result i64)
    (i64.store (i32.const 200) (i64.const 0x1122334455667788))
    (call $want (call $seek (i32.const 1) (i64.const 0) (i32.const 1) (i32.const 200)) (i32.const 70))
    (call $want (call $seek (i32.const 3) (i64.const 0) (i32.const 0) (i32.const 200)) (i32.const 8))
    (if (i64.ne (i64.load (i32.const 200)) (i64.const 0x1122334455667788)) (then unreachable))
    (call $want (call $close (i32.const 1)) (i32.const 0))
    (call $want (call $fdstat (i32.const 7) (i32.const 300)) (i32.const 8))
    ;; stdout still writes to the log after fd_close: an iovec at 400
    (i32.store (i32.const 400) (i32.const 500))
    (i32.store (i32.const 404) (i32.const 3))
    (i32.store (i32.const 500) (i32.const 0x0a6968)) ;; "hi\n"
    (call $want (call $write (i32.const 1) (i32.const 400) (i32.const 1) (i32.const 408)) (i32.const 0))
    (i64.const 274877906967))) ;; 64 << 32 | 23
