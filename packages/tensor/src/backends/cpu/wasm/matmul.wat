;; f32 GEMM micro-kernel with WebAssembly SIMD (128-bit): C[m, n] (+)= A[m, k] · B[k, n] on one block.
;; Layouts (all f32, byte pointers/strides into this module's memory):
;;   A  rows of k values, `lda` bytes apart; m a multiple of 4;
;;   B  packed in panels of 8 columns: panel j/8 holds [k][8] contiguous and starts `panelStride` bytes
;;      after the previous one; n a multiple of 8;
;;   padding rows of A and columns of B may hold anything: C[i][j] reads only row i of A and column j
;;   of B, so they reach only rows and columns of C that the caller drops;
;;   C  [m, n] row-major; overwritten, or added to when `accumulate` is 1 (k-blocking).
;; Each step computes a 4x8 tile of C in 8 vector accumulators: per k, 2 vector loads of B, 4 broadcast
;; loads of A and 8 multiply-adds. The caller blocks m and k so an A block stays in L2 and a B panel
;; slice in L1 (see gemm.ts).
;; The packers (transpose, pack_rows) move operands staged in this memory into those layouts with
;; vector loads and stores: data is only moved, never rounded.
;; Generated into matmul-wasm.ts by scripts/build-wasm.mjs; edit this file, then run `pnpm build:wasm`.
(module
  (memory (export "memory") 1)
  (func (export "gemm")
    (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32)
    (param $lda i32) (param $panelStride i32) (param $accumulate i32)
    (local $j i32) (local $i i32) (local $cStride i32) (local $cRow i32) (local $bp i32) (local $end i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local.set $cStride (i32.shl (local.get $n) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $doneJ (loop $loopJ
      (br_if $doneJ (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda))))
        (local.set $a1 (i32.add (local.get $a0) (local.get $lda)))
        (local.set $a2 (i32.add (local.get $a1) (local.get $lda)))
        (local.set $a3 (i32.add (local.get $a2) (local.get $lda)))
        (local.set $end (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 2))))
        (local.set $bp (i32.add (local.get $b) (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (local.get $panelStride))))
        (local.set $cRow (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))))
        (local.set $c00 (select (v128.load (i32.add (local.get $cRow) (i32.mul (i32.const 0) (local.get $cStride)))) (v128.const i32x4 0 0 0 0) (local.get $accumulate)))
        (local.set $c01 (select (v128.load offset=16 (i32.add (local.get $cRow) (i32.mul (i32.const 0) (local.get $cStride)))) (v128.const i32x4 0 0 0 0) (local.get $accumulate)))
        (local.set $c10 (select (v128.load (i32.add (local.get $cRow) (i32.mul (i32.const 1) (local.get $cStride)))) (v128.const i32x4 0 0 0 0) (local.get $accumulate)))
        (local.set $c11 (select (v128.load offset=16 (i32.add (local.get $cRow) (i32.mul (i32.const 1) (local.get $cStride)))) (v128.const i32x4 0 0 0 0) (local.get $accumulate)))
        (local.set $c20 (select (v128.load (i32.add (local.get $cRow) (i32.mul (i32.const 2) (local.get $cStride)))) (v128.const i32x4 0 0 0 0) (local.get $accumulate)))
        (local.set $c21 (select (v128.load offset=16 (i32.add (local.get $cRow) (i32.mul (i32.const 2) (local.get $cStride)))) (v128.const i32x4 0 0 0 0) (local.get $accumulate)))
        (local.set $c30 (select (v128.load (i32.add (local.get $cRow) (i32.mul (i32.const 3) (local.get $cStride)))) (v128.const i32x4 0 0 0 0) (local.get $accumulate)))
        (local.set $c31 (select (v128.load offset=16 (i32.add (local.get $cRow) (i32.mul (i32.const 3) (local.get $cStride)))) (v128.const i32x4 0 0 0 0) (local.get $accumulate)))
        (block $doneP (loop $loopP
          (br_if $doneP (i32.ge_u (local.get $a0) (local.get $end)))
          (local.set $b0 (v128.load (local.get $bp)))
          (local.set $b1 (v128.load offset=16 (local.get $bp)))
          (local.set $x (v128.load32_splat (local.get $a0)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat (local.get $a1)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat (local.get $a2)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $x (v128.load32_splat (local.get $a3)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
          (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
          (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
          (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
          (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
          (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
          (br $loopP)))
        (v128.store (i32.add (local.get $cRow) (i32.mul (i32.const 0) (local.get $cStride))) (local.get $c00))
        (v128.store offset=16 (i32.add (local.get $cRow) (i32.mul (i32.const 0) (local.get $cStride))) (local.get $c01))
        (v128.store (i32.add (local.get $cRow) (i32.mul (i32.const 1) (local.get $cStride))) (local.get $c10))
        (v128.store offset=16 (i32.add (local.get $cRow) (i32.mul (i32.const 1) (local.get $cStride))) (local.get $c11))
        (v128.store (i32.add (local.get $cRow) (i32.mul (i32.const 2) (local.get $cStride))) (local.get $c20))
        (v128.store offset=16 (i32.add (local.get $cRow) (i32.mul (i32.const 2) (local.get $cStride))) (local.get $c21))
        (v128.store (i32.add (local.get $cRow) (i32.mul (i32.const 3) (local.get $cStride))) (local.get $c30))
        (v128.store offset=16 (i32.add (local.get $cRow) (i32.mul (i32.const 3) (local.get $cStride))) (local.get $c31))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $loopI)))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $loopJ)))
  )
  ;; dst[c][r] = src[r][c] for r < rows, c < cols (both multiples of 4), as 4x4 blocks: 4 row loads, 8
  ;; shuffles, 4 column stores. Strides in bytes. Reads whole blocks, so the caller leaves room past src.
  (func (export "transpose")
    (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $srcStride i32) (param $dstStride i32)
    (local $r i32) (local $c i32) (local $s i32) (local $d i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $c (i32.const 0))
      (block $doneC (loop $loopC
        (br_if $doneC (i32.ge_u (local.get $c) (local.get $cols)))
        (local.set $s (i32.add (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $srcStride))) (i32.shl (local.get $c) (i32.const 2))))
        (local.set $r0 (v128.load (local.get $s)))
        (local.set $r1 (v128.load (i32.add (local.get $s) (local.get $srcStride))))
        (local.set $r2 (v128.load (i32.add (local.get $s) (i32.shl (local.get $srcStride) (i32.const 1)))))
        (local.set $r3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $srcStride) (i32.const 3)))))
        ;; t0 = a0 b0 a1 b1, t1 = a2 b2 a3 b3, t2 = c0 d0 c1 d1, t3 = c2 d2 c3 d3
        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
        (local.set $d (i32.add (i32.add (local.get $dst) (i32.mul (local.get $c) (local.get $dstStride))) (i32.shl (local.get $r) (i32.const 2))))
        (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $d) (local.get $dstStride))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
        (v128.store (i32.add (local.get $d) (i32.shl (local.get $dstStride) (i32.const 1)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
        (v128.store (i32.add (local.get $d) (i32.mul (local.get $dstStride) (i32.const 3)))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $loopC)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $loopR)))
  )
  ;; B panels from row-major rows: for each 8-column group j (n8 a multiple of 8), the 8 floats of rows
  ;; p < k at column j go to dst + (j/8)·panelStride + p·32. srcStride in bytes; reads 8 floats per row, so
  ;; the caller leaves room past src.
  (func (export "pack_rows")
    (param $src i32) (param $dst i32) (param $k i32) (param $n8 i32) (param $srcStride i32) (param $panelStride i32)
    (local $j i32) (local $p i32) (local $s i32) (local $d i32)
    (block $doneJ (loop $loopJ
      (br_if $doneJ (i32.ge_u (local.get $j) (local.get $n8)))
      (local.set $s (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $d (i32.add (local.get $dst) (i32.mul (i32.shr_u (local.get $j) (i32.const 3)) (local.get $panelStride))))
      (local.set $p (i32.const 0))
      (block $doneP (loop $loopP
        (br_if $doneP (i32.ge_u (local.get $p) (local.get $k)))
        (v128.store (local.get $d) (v128.load (local.get $s)))
        (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s)))
        (local.set $s (i32.add (local.get $s) (local.get $srcStride)))
        (local.set $d (i32.add (local.get $d) (i32.const 32)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $loopP)))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $loopJ)))
  )
)
