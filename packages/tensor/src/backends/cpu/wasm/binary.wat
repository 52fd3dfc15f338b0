;; f32 add, sub, mul and div with WebAssembly SIMD, four lanes at a time. f32 arithmetic is correctly
;; rounded, as is the f64 arithmetic of the TypeScript loops followed by their rounding to f32 (an f64
;; intermediate is wide enough for +, -, *, / of f32 values), so the results are bit for bit the same.
;;   binary: out[i] = a[i] op b[i] for i < n; op 0 add, 1 sub, 2 mul, 3 div. A step of 0 makes that
;;   operand the scalar at its pointer, 16 a vector advancing 4 floats. Pointers in bytes. Works in
;;   groups of 4: up to 3 floats past the end are read and written (the caller leaves room).
;; Generated into binary-wasm.ts by scripts/build-wasm.mjs; edit this file, then run `pnpm build:wasm`.
(module
  (memory (export "memory") 1)
  (func (export "binary") (param $op i32) (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (param $aStep i32) (param $bStep i32)
    (local $i i32) (local $x v128) (local $y v128) (local $r v128)
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $x (select (v128.load (local.get $a)) (v128.load32_splat (local.get $a)) (local.get $aStep)))
      (local.set $y (select (v128.load (local.get $b)) (v128.load32_splat (local.get $b)) (local.get $bStep)))
      (block $store
        (block $div (block $mul (block $sub (block $add
          (br_table $add $sub $mul $div (local.get $op)))
          (local.set $r (f32x4.add (local.get $x) (local.get $y)))
          (br $store))
          (local.set $r (f32x4.sub (local.get $x) (local.get $y)))
          (br $store))
          (local.set $r (f32x4.mul (local.get $x) (local.get $y)))
          (br $store))
        (local.set $r (f32x4.div (local.get $x) (local.get $y))))
      (v128.store (local.get $out) (local.get $r))
      (local.set $a (i32.add (local.get $a) (local.get $aStep)))
      (local.set $b (i32.add (local.get $b) (local.get $bStep)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next))))
)
