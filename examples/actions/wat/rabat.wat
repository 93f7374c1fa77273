;; rabat: the discount of examples/auxiliary.rules, as a stagecraft action
;; module written by hand in the WebAssembly text format (spec/wasm.md).
;;
;;   inputs  {"amount":12300,"category":"Kuchnie"}   (amount: money, category: text)
;;   reply   {"outputs":{"price":11070.00,"reason":"Kuchnie: 10%"}}
;;
;; Kitchens (category "Kuchnie") get 10%; any other order of 5000 or more
;; gets 5%; the rest pays the full amount. The host writes the inputs
;; object with its members in the manifest's order and no spaces, money
;; with at most two decimals and no exponent, which keeps this parser small.
(module
  (import "stagecraft" "log" (func $log (param i32 i32)))
  (memory (export "memory") 2)

  ;; constant strings, at fixed offsets
  (data (i32.const 0) "\"amount\":")                     ;; 0, 9 bytes
  (data (i32.const 16) "\"category\":\"Kuchnie\"")         ;; 16, 20 bytes
  (data (i32.const 48) "{\"outputs\":{\"price\":")         ;; 48, 20 bytes
  (data (i32.const 80) ",\"reason\":\"")                  ;; 80, 11 bytes
  (data (i32.const 96) "Kuchnie: 10%")                    ;; 96, 12 bytes
  (data (i32.const 112) "zam\c3\b3wienie od 5000: 5%")     ;; 112, 23 bytes
  (data (i32.const 144) "bez rabatu")                     ;; 144, 10 bytes
  (data (i32.const 160) "\"}}")                           ;; 160, 3 bytes
  (data (i32.const 176) "{\"error\":\"amount is missing or not money\"}") ;; 176, 42 bytes
  (data (i32.const 224) "rabat: no amount in the inputs")  ;; 224, 30 bytes

  (global $out (mut i32) (i32.const 0))   ;; the reply's write position
  (global $OUT i32 (i32.const 1024))       ;; where the reply starts
  (global $IN i32 (i32.const 65536))       ;; where the inputs go: page 1 on

  ;; stagecraft_alloc: the inputs go at page 1, which grows to fit them.
  (func (export "stagecraft_alloc") (param $size i32) (result i32)
    (local $need i32)
    (local.set $need (i32.sub
      (i32.shr_u (i32.add (i32.add (global.get $IN) (local.get $size)) (i32.const 65535)) (i32.const 16))
      (memory.size)))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then (if (i32.lt_s (memory.grow (local.get $need)) (i32.const 0)) (then unreachable))))
    (global.get $IN))

  ;; find returns the offset just after the first occurrence of the
  ;; needle in the haystack, or -1.
  (func $find (param $h i32) (param $hlen i32) (param $n i32) (param $nlen i32) (result i32)
    (local $i i32) (local $j i32)
    (block $none
      (loop $next
        (br_if $none (i32.gt_s (i32.add (local.get $i) (local.get $nlen)) (local.get $hlen)))
        (local.set $j (i32.const 0))
        (block $miss
          (loop $cmp
            (br_if $miss (i32.ne
              (i32.load8_u (i32.add (local.get $h) (i32.add (local.get $i) (local.get $j))))
              (i32.load8_u (i32.add (local.get $n) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (if (i32.eq (local.get $j) (local.get $nlen))
              (then (return (i32.add (local.get $h) (i32.add (local.get $i) (local.get $nlen))))))
            (br $cmp)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const -1))

  ;; cents reads a money amount at p ("12300", "99.5", "-10.25") as cents;
  ;; -1 << 62 when there is no number there.
  (func $cents (param $p i32) (param $end i32) (result i64)
    (local $c i32) (local $v i64) (local $neg i32) (local $frac i32) (local $digits i32)
    (local.set $frac (i32.const -1))
    (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 45)) ;; '-'
      (then (local.set $neg (i32.const 1)) (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $p)))
        (if (i32.eq (local.get $c) (i32.const 46)) ;; '.'
          (then (local.set $frac (i32.const 0)))
          (else
            (br_if $done (i32.or (i32.lt_u (local.get $c) (i32.const 48)) (i32.gt_u (local.get $c) (i32.const 57))))
            (local.set $v (i64.add (i64.mul (local.get $v) (i64.const 10)) (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
            (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
            (if (i32.ge_s (local.get $frac) (i32.const 0))
              (then (local.set $frac (i32.add (local.get $frac) (i32.const 1)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $more)))
    (if (i32.eqz (local.get $digits)) (then (return (i64.const 0xc000000000000000))))
    ;; scale to two decimals
    (if (i32.le_s (local.get $frac) (i32.const 0)) (then (local.set $v (i64.mul (local.get $v) (i64.const 100)))))
    (if (i32.eq (local.get $frac) (i32.const 1)) (then (local.set $v (i64.mul (local.get $v) (i64.const 10)))))
    (if (local.get $neg) (then (local.set $v (i64.sub (i64.const 0) (local.get $v)))))
    (local.get $v))

  (func $put (param $src i32) (param $len i32)
    (memory.copy (global.get $out) (local.get $src) (local.get $len))
    (global.set $out (i32.add (global.get $out) (local.get $len))))

  (func $putc (param $c i32)
    (i32.store8 (global.get $out) (local.get $c))
    (global.set $out (i32.add (global.get $out) (i32.const 1))))

  ;; putu writes an unsigned number in decimal.
  (func $putu (param $v i64)
    (if (i64.ge_u (local.get $v) (i64.const 10))
      (then (call $putu (i64.div_u (local.get $v) (i64.const 10)))))
    (call $putc (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10))))))

  ;; putmoney writes cents as 123.45.
  (func $putmoney (param $v i64)
    (if (i64.lt_s (local.get $v) (i64.const 0))
      (then (call $putc (i32.const 45)) (local.set $v (i64.sub (i64.const 0) (local.get $v)))))
    (call $putu (i64.div_u (local.get $v) (i64.const 100)))
    (call $putc (i32.const 46))
    (call $putc (i32.add (i32.const 48) (i32.wrap_i64 (i64.div_u (i64.rem_u (local.get $v) (i64.const 100)) (i64.const 10)))))
    (call $putc (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10))))))

  (func (export "action_rabat") (param $ptr i32) (param $len i32) (result i64)
    (local $at i32) (local $amount i64) (local $pct i64) (local $reason i32) (local $rlen i32)
    (local.set $at (call $find (local.get $ptr) (local.get $len) (i32.const 0) (i32.const 9)))
    (if (i32.lt_s (local.get $at) (i32.const 0))
      (then
        (call $log (i32.const 224) (i32.const 30))
        (return (i64.or (i64.shl (i64.const 176) (i64.const 32)) (i64.const 42)))))
    (local.set $amount (call $cents (local.get $at) (i32.add (local.get $ptr) (local.get $len))))
    (if (i64.eq (local.get $amount) (i64.const 0xc000000000000000))
      (then (return (i64.or (i64.shl (i64.const 176) (i64.const 32)) (i64.const 42)))))
    (local.set $reason (i32.const 144)) (local.set $rlen (i32.const 10))
    (if (i32.ge_s (call $find (local.get $ptr) (local.get $len) (i32.const 16) (i32.const 20)) (i32.const 0))
      (then (local.set $pct (i64.const 10)) (local.set $reason (i32.const 96)) (local.set $rlen (i32.const 12)))
      (else (if (i64.ge_s (local.get $amount) (i64.const 500000))
        (then (local.set $pct (i64.const 5)) (local.set $reason (i32.const 112)) (local.set $rlen (i32.const 23))))))
    ;; price = amount * (100 - pct) / 100, rounded half away from zero
    (local.set $amount (i64.mul (local.get $amount) (i64.sub (i64.const 100) (local.get $pct))))
    (local.set $amount (i64.div_s
      (i64.add (local.get $amount) (select (i64.const 50) (i64.const -50) (i64.ge_s (local.get $amount) (i64.const 0))))
      (i64.const 100)))
    (global.set $out (global.get $OUT))
    (call $put (i32.const 48) (i32.const 20))
    (call $putmoney (local.get $amount))
    (call $put (i32.const 80) (i32.const 11))
    (call $put (local.get $reason) (local.get $rlen))
    (call $put (i32.const 160) (i32.const 3))
    (i64.or
      (i64.shl (i64.extend_i32_u (global.get $OUT)) (i64.const 32))
      (i64.extend_i32_u (i32.sub (global.get $out) (global.get $OUT)))))
)
