;; Matrix-vector products over q4 weights (src/quant.ts: 4-bit values, one f16 scale d and minimum m per block of
;; 32 along the stored rows; a block's 16 bytes hold its elements j and j + 16 in the low and high nibble of
;; byte j; planar: the nibble plane, the scale plane, the minimum plane), with WebAssembly SIMD, dequantized in
;; registers: nibbles are masked or shifted out, widened to i32 lanes and converted to f32, never written back.
;; Pointers are byte offsets into the imported memory; x and y are f32.
;;   gemv_t_q4: y[n] = x[k] · B[n, k]ᵀ, k a multiple of 32 (blocks along k): row j's nibbles at q + j·k/2, its
;;     scales and minimums at s + j·k/16 and mn + j·k/16. y[j] = Σ_b d_b · Σ q·x + m_b · Σ x, where the block
;;     sums of x are taken once per call into xs (2·k/32 floats of scratch), and per row its scales are widened
;;     into the second half of xs and Σ_b m_b · Σx four blocks at a time, out of the loop over the codes (a
;;     third less time than widening them block by block).
;;   gemv_n_q4: y[n] = x[k] · B[k, n], n and ldb multiples of 32 (blocks along n): row p's nibbles at q + p·ldb/2,
;;     its scales and minimums at s + p·ldb/16 and mn + p·ldb/16; y += (x[p]·d)·q + x[p]·m.
;; f16 scales and minimums are widened to f32 inline, as in gemv-q8.wat.
;; Generated into gemv-q4-wasm.ts by scripts/build-wasm.mjs; edit this file, then run `pnpm build:wasm`.
(module
  (import "env" "memory" (memory 1))
  (func (export "gemv_t_q4")
    (param $x i32) (param $q i32) (param $s i32) (param $mn i32) (param $y i32) (param $k i32) (param $n i32) (param $xs i32)
    (local $j i32) (local $xp i32) (local $xk i32) (local $sp i32) (local $w v128) (local $h v128) (local $acc v128) (local $t f32)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local $blocks i32) (local $ds i32) (local $hv v128) (local $tv v128)
    (local.set $xk (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $blocks (i32.shr_u (local.get $k) (i32.const 5)))
    (local.set $ds (i32.add (local.get $xs) (i32.shl (local.get $blocks) (i32.const 2))))
    ;; xs[b] = Σ x over block b
    (local.set $xp (local.get $x))
    (local.set $sp (local.get $xs))
    (block $dx (loop $lx
      (br_if $dx (i32.ge_u (local.get $xp) (local.get $xk)))
      (local.set $acc (f32x4.add
        (f32x4.add (f32x4.add (v128.load (local.get $xp)) (v128.load offset=16 (local.get $xp)))
                   (f32x4.add (v128.load offset=32 (local.get $xp)) (v128.load offset=48 (local.get $xp))))
        (f32x4.add (f32x4.add (v128.load offset=64 (local.get $xp)) (v128.load offset=80 (local.get $xp)))
                   (f32x4.add (v128.load offset=96 (local.get $xp)) (v128.load offset=112 (local.get $xp))))))
      (f32.store (local.get $sp) (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
      (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
      (local.set $xp (i32.add (local.get $xp) (i32.const 128)))
      (br $lx)))
    (block $dj (loop $lj
      (br_if $dj (i32.ge_u (local.get $j) (local.get $n)))
      ;; this row's scales as f32 into ds, and t = Σ_b m_b · xs_b, four blocks at a time
      (local.set $sp (i32.const 0))
      (local.set $tv (v128.const i32x4 0 0 0 0))
      (block $dc (loop $lc
        (br_if $dc (i32.ge_u (i32.add (local.get $sp) (i32.const 3)) (local.get $blocks)))
        (local.set $hv (v128.load16x4_u (i32.add (local.get $s) (i32.shl (local.get $sp) (i32.const 1)))))
        (v128.store (i32.add (local.get $ds) (i32.shl (local.get $sp) (i32.const 2))) (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))
        (local.set $hv (v128.load16x4_u (i32.add (local.get $mn) (i32.shl (local.get $sp) (i32.const 1)))))
        (local.set $tv (f32x4.add (local.get $tv) (f32x4.mul (v128.or (f32x4.mul (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)) (v128.const f32x4 0x1p112 0x1p112 0x1p112 0x1p112)) (i32x4.shl (v128.and (local.get $hv) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))) (v128.load (i32.add (local.get $xs) (i32.shl (local.get $sp) (i32.const 2)))))))
        (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
        (br $lc)))
      (local.set $t (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $tv)) (f32x4.extract_lane 1 (local.get $tv)))
        (f32.add (f32x4.extract_lane 2 (local.get $tv)) (f32x4.extract_lane 3 (local.get $tv)))))
      (block $dt (loop $lt
        (br_if $dt (i32.ge_u (local.get $sp) (local.get $blocks)))
        (f32.store (i32.add (local.get $ds) (i32.shl (local.get $sp) (i32.const 2))) (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (i32.load16_u (i32.add (local.get $s) (i32.shl (local.get $sp) (i32.const 1)))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $s) (i32.shl (local.get $sp) (i32.const 1)))) (i32.const 16)))))
        (local.set $t (f32.add (local.get $t) (f32.mul (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (i32.load16_u (i32.add (local.get $mn) (i32.shl (local.get $sp) (i32.const 1)))) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (i32.load16_u (i32.add (local.get $mn) (i32.shl (local.get $sp) (i32.const 1)))) (i32.const 16))))
          (f32.load (i32.add (local.get $xs) (i32.shl (local.get $sp) (i32.const 2)))))))
        (local.set $sp (i32.add (local.get $sp) (i32.const 1)))
        (br $lt)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $xp (local.get $x))
      (local.set $sp (local.get $ds))
      (block $db (loop $lb
        (br_if $db (i32.ge_u (local.get $xp) (local.get $xk)))
        (local.set $w (v128.load (local.get $q)))
        ;; low nibbles: elements 0..15
        (local.set $h (i16x8.extend_low_i8x16_u (v128.and (local.get $w) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))))
        (local.set $p0 (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h))) (v128.load (local.get $xp))))
        (local.set $p1 (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h))) (v128.load offset=16 (local.get $xp))))
        (local.set $h (i16x8.extend_high_i8x16_u (v128.and (local.get $w) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))))
        (local.set $p2 (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h))) (v128.load offset=32 (local.get $xp))))
        (local.set $p3 (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h))) (v128.load offset=48 (local.get $xp))))
        ;; high nibbles: elements 16..31
        (local.set $w (i8x16.shr_u (local.get $w) (i32.const 4)))
        (local.set $h (i16x8.extend_low_i8x16_u (local.get $w)))
        (local.set $p0 (f32x4.add (local.get $p0) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h))) (v128.load offset=64 (local.get $xp)))))
        (local.set $p1 (f32x4.add (local.get $p1) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h))) (v128.load offset=80 (local.get $xp)))))
        (local.set $h (i16x8.extend_high_i8x16_u (local.get $w)))
        (local.set $p2 (f32x4.add (local.get $p2) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h))) (v128.load offset=96 (local.get $xp)))))
        (local.set $p3 (f32x4.add (local.get $p3) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h))) (v128.load offset=112 (local.get $xp)))))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (f32x4.add (f32x4.add (local.get $p0) (local.get $p1)) (f32x4.add (local.get $p2) (local.get $p3)))
            (v128.load32_splat (local.get $sp)))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 128)))
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
  (func (export "gemv_n_q4")
    (param $x i32) (param $q i32) (param $s i32) (param $mn i32) (param $y i32) (param $k i32) (param $n i32) (param $ldb i32)
    (local $p i32) (local $yp i32) (local $yn i32) (local $row i32) (local $srow i32) (local $mrow i32) (local $xp f32)
    (local $d v128) (local $m v128) (local $w v128) (local $h v128)
    (local.set $yn (i32.add (local.get $y) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $yp (local.get $y))
    (block $dz (loop $lz
      (br_if $dz (i32.ge_u (local.get $yp) (local.get $yn)))
      (v128.store (local.get $yp) (v128.const i32x4 0 0 0 0))
      (local.set $yp (i32.add (local.get $yp) (i32.const 16)))
      (br $lz)))
    (block $dp (loop $lp
      (br_if $dp (i32.ge_u (local.get $p) (local.get $k)))
      (local.set $xp (f32.load (i32.add (local.get $x) (i32.shl (local.get $p) (i32.const 2)))))
      (local.set $row (i32.add (local.get $q) (i32.mul (local.get $p) (i32.shr_u (local.get $ldb) (i32.const 1)))))
      (local.set $srow (i32.add (local.get $s) (i32.mul (local.get $p) (i32.shr_u (local.get $ldb) (i32.const 4)))))
      (local.set $mrow (i32.add (local.get $mn) (i32.mul (local.get $p) (i32.shr_u (local.get $ldb) (i32.const 4)))))
      (local.set $yp (local.get $y))
      (block $db (loop $lb
        (br_if $db (i32.ge_u (local.get $yp) (local.get $yn)))
        (local.set $d (f32x4.splat (f32.mul (local.get $xp) (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (i32.load16_u (local.get $srow)) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (i32.load16_u (local.get $srow)) (i32.const 16)))))))
        (local.set $m (f32x4.splat (f32.mul (local.get $xp) (f32.copysign (f32.mul (f32.reinterpret_i32 (i32.shl (i32.and (i32.load16_u (local.get $mrow)) (i32.const 0x7fff)) (i32.const 13))) (f32.const 0x1p112)) (f32.reinterpret_i32 (i32.shl (i32.load16_u (local.get $mrow)) (i32.const 16)))))))
        (local.set $w (v128.load (local.get $row)))
        (local.set $h (i16x8.extend_low_i8x16_u (v128.and (local.get $w) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))))
        (v128.store (local.get $yp) (f32x4.add (v128.load (local.get $yp)) (f32x4.add (local.get $m)
          (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h)))))))
        (v128.store offset=16 (local.get $yp) (f32x4.add (v128.load offset=16 (local.get $yp)) (f32x4.add (local.get $m)
          (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h)))))))
        (local.set $h (i16x8.extend_high_i8x16_u (v128.and (local.get $w) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))))
        (v128.store offset=32 (local.get $yp) (f32x4.add (v128.load offset=32 (local.get $yp)) (f32x4.add (local.get $m)
          (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h)))))))
        (v128.store offset=48 (local.get $yp) (f32x4.add (v128.load offset=48 (local.get $yp)) (f32x4.add (local.get $m)
          (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h)))))))
        (local.set $w (i8x16.shr_u (local.get $w) (i32.const 4)))
        (local.set $h (i16x8.extend_low_i8x16_u (local.get $w)))
        (v128.store offset=64 (local.get $yp) (f32x4.add (v128.load offset=64 (local.get $yp)) (f32x4.add (local.get $m)
          (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h)))))))
        (v128.store offset=80 (local.get $yp) (f32x4.add (v128.load offset=80 (local.get $yp)) (f32x4.add (local.get $m)
          (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h)))))))
        (local.set $h (i16x8.extend_high_i8x16_u (local.get $w)))
        (v128.store offset=96 (local.get $yp) (f32x4.add (v128.load offset=96 (local.get $yp)) (f32x4.add (local.get $m)
          (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_u (local.get $h)))))))
        (v128.store offset=112 (local.get $yp) (f32x4.add (v128.load offset=112 (local.get $yp)) (f32x4.add (local.get $m)
          (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_u (local.get $h)))))))
        (local.set $row (i32.add (local.get $row) (i32.const 16)))
        (local.set $srow (i32.add (local.get $srow) (i32.const 2)))
        (local.set $mrow (i32.add (local.get $mrow) (i32.const 2)))
        (local.set $yp (i32.add (local.get $yp) (i32.const 128)))
        (br $lb)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $lp)))
  )
)
