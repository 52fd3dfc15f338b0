;; AdamW with WebAssembly SIMD: the Backend contract's formula in f64, two lanes at a time, operation
;; for operation as the TypeScript loop (f32 loads promoted; m and v stored, then read back rounded to
;; f32; one rounding of w on store), so the results are bit for bit the same. f64 division and square
;; root are correctly rounded in wasm as in JavaScript.
;;   adamw: w, g, m, v f32 arrays of n elements (byte pointers) updated in place. Works in pairs: an odd
;;   n reads and writes one element past the end of each (the caller leaves room).
;; Generated into adamw-wasm.ts by scripts/build-wasm.mjs; edit this file, then run `pnpm build:wasm`.
(module
  (memory (export "memory") 1)
  (func (export "adamw")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $lr f64) (param $beta1 f64) (param $beta2 f64) (param $eps f64) (param $decay f64) (param $bc1 f64) (param $bc2 f64)
    (local $i i32) (local $gi v128) (local $wi v128) (local $mHat v128) (local $vHat v128)
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $gi (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $g))))
      ;; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g g
      (v128.store64_lane 0 (local.get $m) (f32x4.demote_f64x2_zero (f64x2.add
        (f64x2.mul (f64x2.splat (local.get $beta1)) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $m))))
        (f64x2.mul (f64x2.splat (f64.sub (f64.const 1) (local.get $beta1))) (local.get $gi)))))
      (v128.store64_lane 0 (local.get $v) (f32x4.demote_f64x2_zero (f64x2.add
        (f64x2.mul (f64x2.splat (local.get $beta2)) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $v))))
        (f64x2.mul (f64x2.mul (f64x2.splat (f64.sub (f64.const 1) (local.get $beta2))) (local.get $gi)) (local.get $gi)))))
      (local.set $mHat (f64x2.div (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $m))) (f64x2.splat (local.get $bc1))))
      (local.set $vHat (f64x2.div (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $v))) (f64x2.splat (local.get $bc2))))
      ;; w -= lr (mHat / (sqrt(vHat) + eps) + decay w)
      (local.set $wi (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $w))))
      (v128.store64_lane 0 (local.get $w) (f32x4.demote_f64x2_zero (f64x2.sub (local.get $wi)
        (f64x2.mul (f64x2.splat (local.get $lr)) (f64x2.add
          (f64x2.div (local.get $mHat) (f64x2.add (f64x2.sqrt (local.get $vHat)) (f64x2.splat (local.get $eps))))
          (f64x2.mul (f64x2.splat (local.get $decay)) (local.get $wi)))))))
      (local.set $w (i32.add (local.get $w) (i32.const 8)))
      (local.set $g (i32.add (local.get $g) (i32.const 8)))
      (local.set $m (i32.add (local.get $m) (i32.const 8)))
      (local.set $v (i32.add (local.get $v) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $next))))
)
