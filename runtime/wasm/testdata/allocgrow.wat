;; manifest: {"abi":1,"name":"allocgrow","version":"1","actions":[{"name":"run","inputs":[{"name":"t","type":"text"}],"outputs":[{"name":"n","type":"number"}]}]}
;; An allocator that grows memory for every buffer, past the limit, and
;; returns NULL (0) when the grow is refused, as C's malloc does.
(module
  (memory (export "memory") 1)
  (func (export "stagecraft_alloc") (param $size i32) (result i32)
    (if (i32.eq (memory.grow (i32.const 1000)) (i32.const -1))
      (then (return (i32.const 0))))
    (i32.const 1024))
  (data (i32.const 0) "{\"outputs\":{\"n\":1}}")
  (func (export "action_run") (param i32 i32) (result i64) (i64.const 19))
)
