;; f32 matrix-vector products with WebAssembly SIMD (128-bit), for decode (one token: m = 1).
;; All pointers are byte offsets into this module's memory; f32 data; no alignment or size requirements
;; (a scalar loop handles the tail that does not fill a 4-lane vector).
;;   gemv_n: y[n]  = x[k] · B[k, n]    (B row-major: y += x[p] · row p of B, vectorized over n)
;;   gemv_t: y[n]  = x[k] · B[n, k]ᵀ   (each y[j] is the dot product of x with row j of B)
;;   widen_bf16: dst[count] f32 = src[count] bf16 bits shifted into the top half (count a multiple of 8,
;;   the caller pads), so bf16 weights are copied in at 2 bytes per value and widened here.
;; Generated into gemv-wasm.ts by scripts/build-wasm.mjs; edit this file, then run `pnpm build:wasm`.
(module
  (memory (export "memory") 1)
  (func (export "gemv_n") (param $x i32) (param $b i32) (param $y i32) (param $k i32) (param $n i32)
    (local $p i32) (local $j i32) (local $n4 i32) (local $row i32) (local $xp f32) (local $xv v128)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    ;; y = 0
    (local.set $j (i32.const 0))
    (block $z (loop $zl
      (br_if $z (i32.ge_u (local.get $j) (local.get $n)))
      (f32.store (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2))) (f32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $zl)))
    (local.set $p (i32.const 0))
    (block $dp (loop $lp
      (br_if $dp (i32.ge_u (local.get $p) (local.get $k)))
      (local.set $xp (f32.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2)))))
      (local.set $xv (f32x4.splat (local.get $xp)))
      (local.set $row (i32.add (local.get $b) (i32.shl (i32.mul (local.get $p) (local.get $n)) (i32.const 2))))
      (local.set $j (i32.const 0))
      (block $dv (loop $lv
        (br_if $dv (i32.ge_u (local.get $j) (local.get $n4)))
        (v128.store (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2)))
          (f32x4.add
            (v128.load (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2))))
            (f32x4.mul (local.get $xv) (v128.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $lv)))
      (block $ds (loop $ls
        (br_if $ds (i32.ge_u (local.get $j) (local.get $n)))
        (f32.store (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2)))
          (f32.add
            (f32.load (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2))))
            (f32.mul (local.get $xp) (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $ls)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $lp)))
  )
  (func (export "gemv_t") (param $x i32) (param $b i32) (param $y i32) (param $k i32) (param $n i32)
    (local $j i32) (local $p i32) (local $k8 i32) (local $row i32) (local $acc0 v128) (local $acc1 v128) (local $s f32)
    (local.set $k8 (i32.and (local.get $k) (i32.const -8)))
    (local.set $j (i32.const 0))
    (block $dj (loop $lj
      (br_if $dj (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $row (i32.add (local.get $b) (i32.shl (i32.mul (local.get $j) (local.get $k)) (i32.const 2))))
      (local.set $acc0 (v128.const i32x4 0 0 0 0))
      (local.set $acc1 (v128.const i32x4 0 0 0 0))
      (local.set $p (i32.const 0))
      (block $dv (loop $lv
        (br_if $dv (i32.ge_u (local.get $p) (local.get $k8)))
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (v128.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2))))
                     (v128.load (i32.add (local.get $row) (i32.shl (local.get $p) (i32.const 2)))))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (v128.load offset=16 (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2))))
                     (v128.load offset=16 (i32.add (local.get $row) (i32.shl (local.get $p) (i32.const 2)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $lv)))
      (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
      (local.set $s (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
      (block $ds (loop $ls
        (br_if $ds (i32.ge_u (local.get $p) (local.get $k)))
        (local.set $s (f32.add (local.get $s)
          (f32.mul (f32.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2))))
                   (f32.load (i32.add (local.get $row) (i32.shl (local.get $p) (i32.const 2)))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ls)))
      (f32.store (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $lj)))
  )
  (func (export "widen_bf16") (param $src i32) (param $dst i32) (param $count i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 1))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (local.set $v (v128.load (local.get $src)))
      (v128.store (local.get $dst) (i32x4.shl (i32x4.extend_low_i16x8_u (local.get $v)) (i32.const 16)))
      (v128.store offset=16 (local.get $dst) (i32x4.shl (i32x4.extend_high_i16x8_u (local.get $v)) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (br $next)))
  )
)
