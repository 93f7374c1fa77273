;; manifest: {"abi":1,"name":"ownstop","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; loop.wat exporting a function under the name of the host's stop global:
;; the instrumented module cannot be compiled (two exports of one name), so
;; it keeps wazero's own deadline, which must stop it as well.
(module
  (memory (export "memory") 1)
  (func (export "stagecraft.stop"))
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64)
    (loop $forever (br $forever))
    (i64.const 0)))
