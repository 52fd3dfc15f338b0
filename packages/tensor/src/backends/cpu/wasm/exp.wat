;; exp for the CPU kernels with WebAssembly SIMD, in f64 two lanes at a time, so that kernels written in f64
;; around Math.exp (swiglu, cross-entropy) keep their results: exp(r) 2^k with k = round(x / ln 2) (a
;; 1.5·2^52 shift, whose low bits are k), r = x - k ln 2 (Cody-Waite two-part ln 2, |r| <= ln2/2), and
;; the degree-13 Taylor polynomial of exp(r) evaluated by Estrin's scheme (short dependency chains).
;; A couple of f64 ulps off Math.exp, so after the f32 rounding the kernels' results are those of
;; Math.exp except in about one element in 10^8. Arguments are clamped to [-708, 709] (2^k stays a
;; normal f64; exp(-708) is far below f32's smallest subnormal) and x > 709 gives +Infinity; NaN stays NaN.
;;   exp: dst[i] (f64) = exp(scale * src[i] - shift) for i < n, src f32; pointers in bytes. Works in
;;   pairs: an odd n reads one f32 and writes one f64 past the end (the caller leaves room).
;; Generated into exp-wasm.ts by scripts/build-wasm.mjs; edit this file, then run `pnpm build:wasm`.
(module
  (memory (export "memory") 1)
  (func (export "exp") (param $src i32) (param $dst i32) (param $n i32) (param $scale f64) (param $shift f64)
    (local $i i32) (local $x v128) (local $c v128) (local $t v128) (local $k v128) (local $r v128) (local $r2 v128) (local $r4 v128) (local $lo v128) (local $hi v128) (local $p v128)
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $x (f64x2.sub
        (f64x2.mul (f64x2.splat (local.get $scale)) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $src))))
        (f64x2.splat (local.get $shift))))
      ;; pmin/pmax keep NaN (their comparisons are false for it)
      (local.set $c (f64x2.pmax (f64x2.pmin (local.get $x) (f64x2.splat (f64.const 709))) (f64x2.splat (f64.const -708))))
      (local.set $t (f64x2.add
        (f64x2.mul (local.get $c) (f64x2.splat (f64.const 1.4426950408889634)))
        (f64x2.splat (f64.const 6755399441055744))))
      (local.set $k (f64x2.sub (local.get $t) (f64x2.splat (f64.const 6755399441055744))))
      (local.set $r (f64x2.sub
        (f64x2.sub (local.get $c)
          (f64x2.mul (local.get $k) (f64x2.splat (f64.const 6.93147180369123816490e-01))))
        (f64x2.mul (local.get $k) (f64x2.splat (f64.const 1.90821492927058770002e-10)))))
      (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
      (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
      ;; sum of r^i / i!, i <= 13: pairs c_i + c_(i+1) r, joined by r^2, then r^4, then r^8
      (local.set $lo (f64x2.add (f64x2.add (f64x2.splat (f64.const 1.0)) (f64x2.mul (f64x2.splat (f64.const 1.0)) (local.get $r)))
        (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.5)) (f64x2.mul (f64x2.splat (f64.const 0.16666666666666666)) (local.get $r))) (local.get $r2))))
      (local.set $lo (f64x2.add (local.get $lo) (f64x2.mul (local.get $r4) (f64x2.add (f64x2.add (f64x2.splat (f64.const 0.041666666666666664)) (f64x2.mul (f64x2.splat (f64.const 0.008333333333333333)) (local.get $r)))
        (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0.001388888888888889)) (f64x2.mul (f64x2.splat (f64.const 0.0001984126984126984)) (local.get $r))) (local.get $r2))))))
      (local.set $hi (f64x2.add (f64x2.add (f64x2.splat (f64.const 2.48015873015873e-05)) (f64x2.mul (f64x2.splat (f64.const 2.7557319223985893e-06)) (local.get $r)))
        (f64x2.mul (f64x2.add (f64x2.splat (f64.const 2.755731922398589e-07)) (f64x2.mul (f64x2.splat (f64.const 2.505210838544172e-08)) (local.get $r))) (local.get $r2))))
      (local.set $hi (f64x2.add (local.get $hi) (f64x2.mul (local.get $r4) (f64x2.add (f64x2.splat (f64.const 2.08767569878681e-09)) (f64x2.mul (f64x2.splat (f64.const 1.6059043836821613e-10)) (local.get $r))))))
      (local.set $p (f64x2.add (local.get $lo) (f64x2.mul (local.get $hi) (f64x2.mul (local.get $r4) (local.get $r4)))))
      ;; times 2^k: the low bits of t hold k, moved into the exponent field with its bias
      (local.set $p (f64x2.mul (local.get $p)
        (i64x2.shl (i64x2.add (local.get $t) (i64x2.splat (i64.const -4843621399236967425))) (i32.const 52))))
      (v128.store (local.get $dst)
        (v128.bitselect (f64x2.splat (f64.const inf)) (local.get $p) (f64x2.gt (local.get $x) (f64x2.splat (f64.const 709)))))
      (local.set $src (i32.add (local.get $src) (i32.const 8)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $next))))
)
