;; The decode GEMV x[k] · B[n, k]ᵀ over q8/q4 weights (src/quant.ts) with integer dot products, as llama.cpp does
;; (ggml's vec_dot_q8_0_q8_0 and vec_dot_q4_1_q8_1): x is quantized once per call to int8 per block of 32, then
;; each weight block's codes meet x's codes in i32x4.dot_i16x8_s (16-bit products summed in pairs into i32
;; lanes), and only the block's i32 sum is scaled in f32. The f32 kernels of gemv-q8.wat and gemv-q4.wat widen
;; every code to f32 and multiply-add it: that arithmetic, not the weights' bytes, was the decode's bound.
;; Plain SIMD128, but for gemv_t_q4_dot_i8 at the end (relaxed SIMD's byte dot product, on by default in Node 22
;; and current browsers, behind a flag in Node 20: see loader.ts).
;;   quantize_x8: x f32 [k] (k a multiple of 32) into the area at xq: codes i16 [k] (int8 values, widened once
;;     here, not per weight block), then d f32 [k/32] at xq + 2k, then Σx f32 [k/32] at xq + 2k + k/8. Per block:
;;     d = max|x| / 127, code = round-to-even(x · (1/d)) (0 when d = 0), so |code| ≤ 127; Σx is the block's sum
;;     of the original f32 x, for q4's minimums. A block's codes are stored in the order 0, 2, .., 14, then
;;     1, 3, .., 15, then 16, 18, .., 30, then 17, 19, .., 31: the order in which the kernels take a weight
;;     block's codes out of 16-bit lanes with shifts and masks (cheaper than widening bytes: 6 against 9 ops
;;     per q4 block, 6-13% faster; the same for q8), one layout for both. With $i8 set, the codes are stored as
;;     bytes in element order instead ([k] bytes; d and Σx stay where they are), for gemv_t_q4_dot_i8.
;;   gemv_t_q8_dot: y[j] = Σ_b (d_b · dx_b) · Σ q·code, rows of B as in gemv_t_q8 (values at q + j·k, scales at
;;     s + j·k/16); |Σ q·code| ≤ 32·127·127 < 2^24, so the i32 sum converts to f32 exactly.
;;   gemv_t_q4_dot: y[j] = Σ_b (d_b · dx_b) · Σ q·code + Σ_b m_b · Σx_b, rows as in gemv_t_q4. The nibbles
;;     (0..15) are unsigned: masked or shifted out, then zero-extended to i16. The minimums meet the exact f32
;;     block sums of x, not d·Σcode, so only the d·q part carries x's quantization error.
;; Per row, d_b · dx_b is taken for all blocks first, four at a time, into ds (k/32 floats of lane scratch), with
;; the f16 widening of gemv-q4.wat; q4 sums m_b · Σx_b in the same pass.
;; Generated into gemv-qdot-wasm.ts by scripts/build-wasm.mjs; edit this file, then run `pnpm build:wasm`.
(module
  (import "env" "memory" (memory 1))
  (func (export "quantize_x8") (param $x i32) (param $xq i32) (param $k i32) (param $i8 i32)
    (local $xk i32) (local $xb i32) (local $d i32) (local $sum i32) (local $scale f32) (local $inv v128) (local $a v128)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128)
    (local.set $xk (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $d (i32.add (local.get $xq) (i32.shl (local.get $k) (i32.const 1))))
    (local.set $sum (i32.add (local.get $d) (i32.shr_u (local.get $k) (i32.const 3))))
    (local.set $xb (local.get $xq))
    (block $db (loop $lb
      (br_if $db (i32.ge_u (local.get $x) (local.get $xk)))
      (local.set $v0 (v128.load (local.get $x)))
      (local.set $v1 (v128.load offset=16 (local.get $x)))
      (local.set $v2 (v128.load offset=32 (local.get $x)))
      (local.set $v3 (v128.load offset=48 (local.get $x)))
      (local.set $v4 (v128.load offset=64 (local.get $x)))
      (local.set $v5 (v128.load offset=80 (local.get $x)))
      (local.set $v6 (v128.load offset=96 (local.get $x)))
      (local.set $v7 (v128.load offset=112 (local.get $x)))
      (local.set $a (f32x4.max
        (f32x4.max (f32x4.max (f32x4.abs (local.get $v0)) (f32x4.abs (local.get $v1)))
                   (f32x4.max (f32x4.abs (local.get $v2)) (f32x4.abs (local.get $v3))))
        (f32x4.max (f32x4.max (f32x4.abs (local.get $v4)) (f32x4.abs (local.get $v5)))
                   (f32x4.max (f32x4.abs (local.get $v6)) (f32x4.abs (local.get $v7))))))
      (local.set $scale (f32.div
        (f32.max (f32.max (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
                 (f32.max (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a))))
        (f32.const 127)))
      (f32.store (local.get $d) (local.get $scale))
      (local.set $a (f32x4.add
        (f32x4.add (f32x4.add (local.get $v0) (local.get $v1)) (f32x4.add (local.get $v2) (local.get $v3)))
        (f32x4.add (f32x4.add (local.get $v4) (local.get $v5)) (f32x4.add (local.get $v6) (local.get $v7)))))
      (f32.store (local.get $sum) (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
        (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
      (local.set $inv (f32x4.splat (select (f32.div (f32.const 1) (local.get $scale)) (f32.const 0)
        (f32.ne (local.get $scale) (f32.const 0)))))
      ;; codes of elements 0..7, 8..15, 16..23, 24..31, then stored even elements first in each half
      (local.set $v0 (i16x8.narrow_i32x4_s
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v0) (local.get $inv))))
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v1) (local.get $inv))))))
      (local.set $v1 (i16x8.narrow_i32x4_s
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v2) (local.get $inv))))
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v3) (local.get $inv))))))
      (if (local.get $i8)
        (then (v128.store (local.get $xb) (i8x16.narrow_i16x8_s (local.get $v0) (local.get $v1))))
        (else
          (v128.store (local.get $xq)
            (i8x16.shuffle 0 1 4 5 8 9 12 13 16 17 20 21 24 25 28 29 (local.get $v0) (local.get $v1)))
          (v128.store offset=16 (local.get $xq)
            (i8x16.shuffle 2 3 6 7 10 11 14 15 18 19 22 23 26 27 30 31 (local.get $v0) (local.get $v1)))))
      (local.set $v0 (i16x8.narrow_i32x4_s
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v4) (local.get $inv))))
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v5) (local.get $inv))))))
      (local.set $v1 (i16x8.narrow_i32x4_s
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v6) (local.get $inv))))
        (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (local.get $v7) (local.get $inv))))))
      (if (local.get $i8)
        (then (v128.store offset=16 (local.get $xb) (i8x16.narrow_i16x8_s (local.get $v0) (local.get $v1))))
        (else
          (v128.store offset=32 (local.get $xq)
            (i8x16.shuffle 0 1 4 5 8 9 12 13 16 17 20 21 24 25 28 29 (local.get $v0) (local.get $v1)))
          (v128.store offset=48 (local.get $xq)
            (i8x16.shuffle 2 3 6 7 10 11 14 15 18 19 22 23 26 27 30 31 (local.get $v0) (local.get $v1)))))
      (local.set $x (i32.add (local.get $x) (i32.const 128)))
      (local.set $xq (i32.add (local.get $xq) (i32.const 64)))
      (local.set $xb (i32.add (local.get $xb) (i32.const 32)))
      (local.set $d (i32.add (local.get $d) (i32.const 4)))
      (local.set $sum (i32.add (local.get $sum) (i32.const 4)))
      (br $lb)))
  )
  (func (export "gemv_t_q8_dot") (param $xq i32) (param $q i32) (param $s i32) (param $y i32) (param $k i32) (param $n i32) (param $ds i32)
    (local $j i32) (local $b i32) (local $blocks i32) (local $dx i32) (local $xp i32) (local $dp i32) (local $de i32)
    (local $w v128) (local $h v128) (local $hv v128) (local $acc v128)
    (local.set $blocks (i32.shr_u (local.get $k) (i32.const 5)))
    (local.set $dx (i32.add (local.get $xq) (i32.shl (local.get $k) (i32.const 1))))
    (local.set $de (i32.add (local.get $ds) (i32.shl (local.get $blocks) (i32.const 2))))
    (block $dj (loop $lj
      (br_if $dj (i32.ge_u (local.get $j) (local.get $n)))
      ;; ds[b] = d_b · dx_b, four blocks at a time, then the rest
      (local.set $b (i32.const 0))
      (block $dc (loop $lc
        (br_if $dc (i32.ge_u (i32.add (local.get $b) (i32.const 3)) (local.get $blocks)))
        (local.set $hv (v128.load16x4_u (i32.add (local.get $s) (i32.shl (local.get $b) (i32.const 1)))))
        (v128.store (i32.add (local.get $ds) (i32.shl (local.get $b) (i32.const 2))) (f32x4.mul
          (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16)))
          (v128.load (i32.add (local.get $dx) (i32.shl (local.get $b) (i32.const 2))))))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br $lc)))
      (block $dt (loop $lt
        (br_if $dt (i32.ge_u (local.get $b) (local.get $blocks)))
        (f32.store (i32.add (local.get $ds) (i32.shl (local.get $b) (i32.const 2))) (f32.mul
          (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (i32.load16_u (i32.add (local.get $s) (i32.shl (local.get $b) (i32.const 1)))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $s) (i32.shl (local.get $b) (i32.const 1)))) (i32.const 16))))
          (f32.load (i32.add (local.get $dx) (i32.shl (local.get $b) (i32.const 2))))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $lt)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $xp (local.get $xq))
      (local.set $dp (local.get $ds))
      (block $db (loop $lb
        (br_if $db (i32.ge_u (local.get $dp) (local.get $de)))
        ;; a 16-bit lane holds an even element (low byte) and the next odd one (high byte): each sign-extended
        ;; by shifts meets x's even or odd codes
        (local.set $w (v128.load (local.get $q)))
        (local.set $h (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.shr_s (i16x8.shl (local.get $w) (i32.const 8)) (i32.const 8)) (v128.load (local.get $xp)))
          (i32x4.dot_i16x8_s (i16x8.shr_s (local.get $w) (i32.const 8)) (v128.load offset=16 (local.get $xp)))))
        (local.set $w (v128.load offset=16 (local.get $q)))
        (local.set $h (i32x4.add (local.get $h) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.shr_s (i16x8.shl (local.get $w) (i32.const 8)) (i32.const 8)) (v128.load offset=32 (local.get $xp)))
          (i32x4.dot_i16x8_s (i16x8.shr_s (local.get $w) (i32.const 8)) (v128.load offset=48 (local.get $xp))))))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (f32x4.convert_i32x4_s (local.get $h)) (v128.load32_splat (local.get $dp)))))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 64)))
        (local.set $dp (i32.add (local.get $dp) (i32.const 4)))
        (br $lb)))
      (f32.store (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2)))
        (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
      (local.set $s (i32.add (local.get $s) (i32.shl (local.get $blocks) (i32.const 1))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $lj)))
  )
  ;; One row of a q4 weight's per-block factors for the integer-dot kernels: ds[b] = d_b · dx_b for its k/32 blocks
  ;; (four at a time, then the rest), and the returned t = Σ_b m_b · Σx_b, its minimums against x's block sums.
  (func $q4_row_scales (param $s i32) (param $mn i32) (param $dx i32) (param $sx i32) (param $ds i32) (param $blocks i32) (result f32)
    (local $b i32) (local $hv v128) (local $tv v128) (local $t f32)
    (block $dc (loop $lc
      (br_if $dc (i32.ge_u (i32.add (local.get $b) (i32.const 3)) (local.get $blocks)))
      (local.set $hv (v128.load16x4_u (i32.add (local.get $s) (i32.shl (local.get $b) (i32.const 1)))))
      (v128.store (i32.add (local.get $ds) (i32.shl (local.get $b) (i32.const 2))) (f32x4.mul
        (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16)))
        (v128.load (i32.add (local.get $dx) (i32.shl (local.get $b) (i32.const 2))))))
      (local.set $hv (v128.load16x4_u (i32.add (local.get $mn) (i32.shl (local.get $b) (i32.const 1)))))
      (local.set $tv (f32x4.add (local.get $tv) (f32x4.mul
        (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16)))
        (v128.load (i32.add (local.get $sx) (i32.shl (local.get $b) (i32.const 2)))))))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br $lc)))
    (local.set $t (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $tv)) (f32x4.extract_lane 1 (local.get $tv)))
      (f32.add (f32x4.extract_lane 2 (local.get $tv)) (f32x4.extract_lane 3 (local.get $tv)))))
    (block $dt (loop $lt
      (br_if $dt (i32.ge_u (local.get $b) (local.get $blocks)))
      (f32.store (i32.add (local.get $ds) (i32.shl (local.get $b) (i32.const 2))) (f32.mul
        (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (i32.load16_u (i32.add (local.get $s) (i32.shl (local.get $b) (i32.const 1)))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $s) (i32.shl (local.get $b) (i32.const 1)))) (i32.const 16))))
        (f32.load (i32.add (local.get $dx) (i32.shl (local.get $b) (i32.const 2))))))
      (local.set $t (f32.add (local.get $t) (f32.mul
        (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (i32.load16_u (i32.add (local.get $mn) (i32.shl (local.get $b) (i32.const 1)))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $mn) (i32.shl (local.get $b) (i32.const 1)))) (i32.const 16))))
        (f32.load (i32.add (local.get $sx) (i32.shl (local.get $b) (i32.const 2)))))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $lt)))
    (local.get $t)
  )
  (func (export "gemv_t_q4_dot")
    (param $xq i32) (param $q i32) (param $s i32) (param $mn i32) (param $y i32) (param $k i32) (param $n i32) (param $ds i32)
    (local $j i32) (local $blocks i32) (local $dx i32) (local $sx i32) (local $xp i32) (local $dp i32) (local $de i32)
    (local $w v128) (local $h v128) (local $acc v128) (local $t f32)
    (local.set $blocks (i32.shr_u (local.get $k) (i32.const 5)))
    (local.set $dx (i32.add (local.get $xq) (i32.shl (local.get $k) (i32.const 1))))
    (local.set $sx (i32.add (local.get $dx) (i32.shl (local.get $blocks) (i32.const 2))))
    (local.set $de (i32.add (local.get $ds) (i32.shl (local.get $blocks) (i32.const 2))))
    (block $dj (loop $lj
      (br_if $dj (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $t (call $q4_row_scales (local.get $s) (local.get $mn) (local.get $dx) (local.get $sx) (local.get $ds) (local.get $blocks)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $xp (local.get $xq))
      (local.set $dp (local.get $ds))
      (block $db (loop $lb
        (br_if $db (i32.ge_u (local.get $dp) (local.get $de)))
        (local.set $w (v128.load (local.get $q)))
        ;; 16-bit lane l holds bytes 2l and 2l+1: elements 2l, 16+2l, 2l+1, 17+2l in bits 0-3, 4-7, 8-11, 12-15
        (local.set $h (i32x4.add
          (i32x4.add
            (i32x4.dot_i16x8_s (v128.and (local.get $w) (v128.const i16x8 15 15 15 15 15 15 15 15)) (v128.load (local.get $xp)))
            (i32x4.dot_i16x8_s (v128.and (i16x8.shr_u (local.get $w) (i32.const 8)) (v128.const i16x8 15 15 15 15 15 15 15 15)) (v128.load offset=16 (local.get $xp))))
          (i32x4.add
            (i32x4.dot_i16x8_s (v128.and (i16x8.shr_u (local.get $w) (i32.const 4)) (v128.const i16x8 15 15 15 15 15 15 15 15)) (v128.load offset=32 (local.get $xp)))
            (i32x4.dot_i16x8_s (i16x8.shr_u (local.get $w) (i32.const 12)) (v128.load offset=48 (local.get $xp))))))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (f32x4.convert_i32x4_s (local.get $h)) (v128.load32_splat (local.get $dp)))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 64)))
        (local.set $dp (i32.add (local.get $dp) (i32.const 4)))
        (br $lb)))
      (f32.store (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2)))
        (f32.add (local.get $t) (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))))
      (local.set $s (i32.add (local.get $s) (i32.shl (local.get $blocks) (i32.const 1))))
      (local.set $mn (i32.add (local.get $mn) (i32.shl (local.get $blocks) (i32.const 1))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $lj)))
  )
  ;; relaxed-simd:begin (built twice: with this section where relaxed SIMD validates, without it elsewhere)
  ;; gemv_t_q4_dot with relaxed SIMD's byte dot product, over x's codes as bytes in element order (quantize_x8
  ;; with $i8): a q4 block's low nibbles are its elements 0..15 in byte order and its high nibbles 16..31, both
  ;; in 0..15, so they are the 7-bit operand, where the instruction is exact on every machine. The two 16-bit
  ;; pair sums (|·| ≤ 2·127·15 each, no overflow) are added, then widened in pairs: lane l sums elements
  ;; 4l..4l+3 and 16+4l..19+4l, the elements gemv_t_q4_dot's lane l sums, in integers where order does not
  ;; matter, so every result equals gemv_t_q4_dot's bit for bit; 2 byte dot products and 3 bit operations per
  ;; block in place of 4 word dot products and 6. (Not i32x4.relaxed_dot_i8x16_i7x16_add_s: Node 20's V8 returns
  ;; twice the sum with it.)
  (func (export "gemv_t_q4_dot_i8")
    (param $xq i32) (param $q i32) (param $s i32) (param $mn i32) (param $y i32) (param $k i32) (param $n i32) (param $ds i32)
    (local $j i32) (local $blocks i32) (local $dx i32) (local $sx i32) (local $xp i32) (local $dp i32) (local $de i32)
    (local $w v128) (local $acc v128) (local $t f32)
    (local.set $blocks (i32.shr_u (local.get $k) (i32.const 5)))
    (local.set $dx (i32.add (local.get $xq) (i32.shl (local.get $k) (i32.const 1))))
    (local.set $sx (i32.add (local.get $dx) (i32.shl (local.get $blocks) (i32.const 2))))
    (local.set $de (i32.add (local.get $ds) (i32.shl (local.get $blocks) (i32.const 2))))
    (block $dj (loop $lj
      (br_if $dj (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $t (call $q4_row_scales (local.get $s) (local.get $mn) (local.get $dx) (local.get $sx) (local.get $ds) (local.get $blocks)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $xp (local.get $xq))
      (local.set $dp (local.get $ds))
      (block $db (loop $lb
        (br_if $db (i32.ge_u (local.get $dp) (local.get $de)))
        (local.set $w (v128.load (local.get $q)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
          (f32x4.convert_i32x4_s (i32x4.extadd_pairwise_i16x8_s (i16x8.add
            (i16x8.relaxed_dot_i8x16_i7x16_s
              (v128.load (local.get $xp))
              (v128.and (local.get $w) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15)))
            (i16x8.relaxed_dot_i8x16_i7x16_s
              (v128.load offset=16 (local.get $xp))
              (v128.and (i16x8.shr_u (local.get $w) (i32.const 4)) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))))))
          (v128.load32_splat (local.get $dp)))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 32)))
        (local.set $dp (i32.add (local.get $dp) (i32.const 4)))
        (br $lb)))
      (f32.store (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2)))
        (f32.add (local.get $t) (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))))
      (local.set $s (i32.add (local.get $s) (i32.shl (local.get $blocks) (i32.const 1))))
      (local.set $mn (i32.add (local.get $mn) (i32.shl (local.get $blocks) (i32.const 1))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $lj)))
  )
  ;; relaxed-simd:end
)
