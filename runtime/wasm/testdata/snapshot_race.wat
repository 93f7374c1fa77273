;; manifest: {"abi":1,"name":"snapshot-race","version":"1","actions":[{"name":"probe","outputs":[{"name":"clean","type":"bool"}]}]}
;; Attack: two first calls race to take the snapshot, and the one that
;; loses keeps its own state, which the reset by marks never copies back.
;; No _initialize: an instance is ready without running anything, so a
;; caller whose context is already done still gets one and a snapshot,
;; though its stagecraft_alloc(4096) (the reserved input buffer) is
;; stopped: its snapshot has no buffer, and the flag at 70000 is 0. The
;; other first caller's stagecraft_alloc(4096) succeeds (after a spin, so
;; that it finishes last) and sets the flag: its instance's memory is not
;; the snapshot's, and no call writes the flag's chunk.
;; The action says whether the flag is 0, as in the snapshot.
(module
  (memory (export "memory") 4)
  (data (i32.const 256) "{\"outputs\":{\"clean\":true}}")
  (data (i32.const 512) "{\"outputs\":{\"clean\":false}}")
  (func (export "stagecraft_alloc") (param $size i32) (result i32)
    (local $i i32)
    (if (i32.eq (local.get $size) (i32.const 4096))
      (then
        (loop $spin
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $spin (i32.lt_u (local.get $i) (i32.const 100000000))))
        (i32.store8 (i32.const 70000) (i32.const 1))))
    (i32.const 1024))
  (func (export "action_probe") (param i32 i32) (result i64)
    (if (result i64) (i32.eqz (i32.load8_u (i32.const 70000)))
      (then (i64.const 0x000001000000001A))
      (else (i64.const 0x000002000000001B)))))
