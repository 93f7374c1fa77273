;; manifest: {"abi":1,"name":"ownglobal","version":"1","actions":[{"name":"run","inputs":[],"outputs":[{"name":"n","type":"number"}]}]}
;; Exports its own mutable global under the name the host gives the
;; export it adds for global 0 (spec/wasm.md, Instances): refused at load.
(module
  (memory (export "memory") 1)
  (global (export "stagecraft.global.0") (mut i32) (i32.const 0))
  (data (i32.const 0) "{\"outputs\":{\"n\":1}}")
  (func (export "stagecraft_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "action_run") (param i32 i32) (result i64) (i64.const 19)))
