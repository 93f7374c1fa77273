;; manifest: {"abi":1,"name":"slow","version":"1","actions":[{"name":"slow","inputs":[],"outputs":[{"name":"n","type":"number"}]},{"name":"stuck","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; Calls whose outcome the wall clock decides (the replay tests of
;; runtime/engine): slow counts down from 2^26 and replies, which takes
;; tens of milliseconds, over a 1 ms limit and within a generous one;
;; stuck logs a line and never returns.
(module
  (import "stagecraft" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"outputs\":{\"n\":1}}")
  (data (i32.const 64) "started")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_slow") (param i32 i32) (result i64)
    (local $i i32)
    (local.set $i (i32.const 0x4000000))
    (loop $down
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (br_if $down (local.get $i)))
    (i64.const 19))
  (func (export "action_stuck") (param i32 i32) (result i64)
    (call $log (i32.const 64) (i32.const 7))
    (loop $forever (br $forever))
    (i64.const 19)))
