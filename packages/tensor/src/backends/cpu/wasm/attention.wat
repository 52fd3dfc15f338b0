;; Row kernels of the CPU attention with WebAssembly SIMD (128-bit), run on the score tiles that the GEMM
;; (matmul.wat) leaves in memory; this module imports that module's memory (see attention-pack.ts).
;; All pointers are byte offsets of f32 rows; `count` floats are processed, in groups of 4: lanes of the
;; last group past `count` are written as 0 (scores there are masked), so rows need room for count
;; rounded up to 4.
;;   exp_row: x <- exp(scale*x - shift) in place, returns the sum (softmax numerators and P from lse);
;;   max_row: the largest x;
;;   exp_panel: p <- exp(scale*s - lse) on a transposed tile held as [count][8] (8 query columns, their
;;     lse as 8 floats at `lse`), with the causal mask: column c of key row j is kept (else 0) when
;;     j <= first + c, first being the last key column 0 sees (tk when not causal);
;;   grad_panel: dp <- p * (dp - delta) * scale on such tiles (dS from dP; delta per column).
;;   latent_scores / latent_mix: one token's attention over an MLA latent cache (one KV head shared by every
;;     query head), on `count` f32 cache rows of `width` values starting at `rows`:
;;     latent_scores: s[h*ld + j] = q_h . row_j for every head h < heads (queries `width` f32 apart), four
;;       heads at a time;
;;     latent_mix: out_h[0:dv] += s[h*ld + j] * row_j[0:dv] (out rows dv f32 apart), two heads at a time.
;;     Both walk the rows once, each row against every head while it is in L1.
;;   latent_softmax / latent_finish: the online softmax between them, per head, across chunks of rows;
;;   widen_bf16: bf16 cache rows to f32, for the kernels above.
;; exp is Cephes' expf in f32x4: n = round(x log2 e), exp(x) = 2^n * e^(x - n ln 2) with a degree-6
;; polynomial, x clamped at -87 so 2^n stays a normal f32 (e^-87 ~ 1.6e-38 is negligible next to the
;; row's largest term, which is 1). Relative error a few f32 ulps.
;; Generated into attention-wasm.ts by scripts/build-wasm.mjs; edit this file, then run `pnpm build:wasm`.
(module
  (import "env" "memory" (memory 1))
  (func $tailMask (param $left i32) (result v128)
    (i32x4.lt_s (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $left))))
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $y v128) (local $p v128)
    (local.set $x (f32x4.max (local.get $x) (f32x4.splat (f32.const -87))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $y (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
    (local.set $y (f32x4.add (local.get $y) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $y)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $y)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $y)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $y)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $y)) (f32x4.splat (f32.const 5.0000001201e-1))))
    (local.set $p (f32x4.add
      (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $y)) (local.get $y)) (local.get $y))
      (f32x4.splat (f32.const 1))))
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))
  (func $exp_row (export "exp_row") (param $at i32) (param $count i32) (param $scale f32) (param $shift f32) (result f32)
    (local $i i32) (local $e v128) (local $sum v128)
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $count)))
      (local.set $e (v128.and
        (call $exp4 (f32x4.sub
          (f32x4.mul (v128.load (local.get $at)) (f32x4.splat (local.get $scale)))
          (f32x4.splat (local.get $shift))))
        (call $tailMask (i32.sub (local.get $count) (local.get $i)))))
      (v128.store (local.get $at) (local.get $e))
      (local.set $sum (f32x4.add (local.get $sum) (local.get $e)))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (call $hsum (local.get $sum)))
  (func $max_row (export "max_row") (param $at i32) (param $count i32) (result f32)
    (local $i i32) (local $max v128) (local $m f32)
    (local.set $max (f32x4.splat (f32.const -inf)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $count)))
      (local.set $max (f32x4.max (local.get $max)
        (v128.bitselect (v128.load (local.get $at)) (f32x4.splat (f32.const -inf))
          (call $tailMask (i32.sub (local.get $count) (local.get $i))))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $max)) (f32x4.extract_lane 1 (local.get $max)))
      (f32.max (f32x4.extract_lane 2 (local.get $max)) (f32x4.extract_lane 3 (local.get $max)))))
  (func $panelMask (param $j i32) (param $first i32) (param $half i32) (result v128)
    ;; lanes half*4 .. half*4+3 kept when j <= first + lane
    (i32x4.ge_s
      (i32x4.add (v128.const i32x4 0 1 2 3) (i32x4.splat (i32.add (local.get $first) (i32.shl (local.get $half) (i32.const 2)))))
      (i32x4.splat (local.get $j))))
  (func (export "exp_panel") (param $at i32) (param $count i32) (param $lse i32) (param $first i32) (param $scale f32)
    (local $j i32) (local $l0 v128) (local $l1 v128)
    (local.set $l0 (v128.load (local.get $lse)))
    (local.set $l1 (v128.load offset=16 (local.get $lse)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $j) (local.get $count)))
      (v128.store (local.get $at) (v128.and
        (call $exp4 (f32x4.sub (f32x4.mul (v128.load (local.get $at)) (f32x4.splat (local.get $scale))) (local.get $l0)))
        (call $panelMask (local.get $j) (local.get $first) (i32.const 0))))
      (v128.store offset=16 (local.get $at) (v128.and
        (call $exp4 (f32x4.sub (f32x4.mul (v128.load offset=16 (local.get $at)) (f32x4.splat (local.get $scale))) (local.get $l1)))
        (call $panelMask (local.get $j) (local.get $first) (i32.const 1))))
      (local.set $at (i32.add (local.get $at) (i32.const 32)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next))))
  (func (export "grad_panel") (param $p i32) (param $dp i32) (param $count i32) (param $delta i32) (param $scale f32)
    (local $j i32) (local $d0 v128) (local $d1 v128) (local $s v128)
    (local.set $d0 (v128.load (local.get $delta)))
    (local.set $d1 (v128.load offset=16 (local.get $delta)))
    (local.set $s (f32x4.splat (local.get $scale)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $j) (local.get $count)))
      (v128.store (local.get $dp) (f32x4.mul (local.get $s)
        (f32x4.mul (v128.load (local.get $p)) (f32x4.sub (v128.load (local.get $dp)) (local.get $d0)))))
      (v128.store offset=16 (local.get $dp) (f32x4.mul (local.get $s)
        (f32x4.mul (v128.load offset=16 (local.get $p)) (f32x4.sub (v128.load offset=16 (local.get $dp)) (local.get $d1)))))
      (local.set $p (i32.add (local.get $p) (i32.const 32)))
      (local.set $dp (i32.add (local.get $dp) (i32.const 32)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next))))
  ;; $dot4: the dot products of four query rows (`qStride` bytes apart) with one cache row, stored `sStride`
  ;; bytes apart from `s`: four independent sums, the row loaded once for all four. $dot: one query row.
  (func $dot4 (param $q i32) (param $qStride i32) (param $row i32) (param $n i32) (param $s i32) (param $sStride i32)
    (local $i i32) (local $x v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $q1 i32) (local $q2 i32) (local $q3 i32) (local $t0 f32) (local $t1 f32) (local $t2 f32) (local $t3 f32) (local $xs f32)
    (local.set $q1 (i32.add (local.get $q) (local.get $qStride)))
    (local.set $q2 (i32.add (local.get $q1) (local.get $qStride)))
    (local.set $q3 (i32.add (local.get $q2) (local.get $qStride)))
    (block $done (loop $next
      (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (local.set $x (v128.load (local.get $row)))
      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x) (v128.load (local.get $q)))))
      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x) (v128.load (local.get $q1)))))
      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x) (v128.load (local.get $q2)))))
      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x) (v128.load (local.get $q3)))))
      (local.set $row (i32.add (local.get $row) (i32.const 16)))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (local.set $q1 (i32.add (local.get $q1) (i32.const 16)))
      (local.set $q2 (i32.add (local.get $q2) (i32.const 16)))
      (local.set $q3 (i32.add (local.get $q3) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (local.set $t0 (call $hsum (local.get $a0)))
    (local.set $t1 (call $hsum (local.get $a1)))
    (local.set $t2 (call $hsum (local.get $a2)))
    (local.set $t3 (call $hsum (local.get $a3)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $xs (f32.load (local.get $row)))
      (local.set $t0 (f32.add (local.get $t0) (f32.mul (local.get $xs) (f32.load (local.get $q)))))
      (local.set $t1 (f32.add (local.get $t1) (f32.mul (local.get $xs) (f32.load (local.get $q1)))))
      (local.set $t2 (f32.add (local.get $t2) (f32.mul (local.get $xs) (f32.load (local.get $q2)))))
      (local.set $t3 (f32.add (local.get $t3) (f32.mul (local.get $xs) (f32.load (local.get $q3)))))
      (local.set $row (i32.add (local.get $row) (i32.const 4)))
      (local.set $q (i32.add (local.get $q) (i32.const 4)))
      (local.set $q1 (i32.add (local.get $q1) (i32.const 4)))
      (local.set $q2 (i32.add (local.get $q2) (i32.const 4)))
      (local.set $q3 (i32.add (local.get $q3) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (f32.store (local.get $s) (local.get $t0))
    (f32.store (i32.add (local.get $s) (local.get $sStride)) (local.get $t1))
    (f32.store (i32.add (local.get $s) (i32.mul (local.get $sStride) (i32.const 2))) (local.get $t2))
    (f32.store (i32.add (local.get $s) (i32.mul (local.get $sStride) (i32.const 3))) (local.get $t3)))
  (func $dot (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $i i32) (local $acc v128) (local $s f32)
    (block $done (loop $next
      (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (local.set $s (call $hsum (local.get $acc)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $s))
  ;; $axpy2: y0 += a0 x and y1 += a1 x over n floats, x loaded once for both.
  (func $axpy2 (param $y0 i32) (param $y1 i32) (param $x i32) (param $n i32) (param $a0 f32) (param $a1 f32)
    (local $i i32) (local $v0 v128) (local $v1 v128) (local $xv v128)
    (local.set $v0 (f32x4.splat (local.get $a0)))
    (local.set $v1 (f32x4.splat (local.get $a1)))
    (block $done (loop $next
      (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (local.set $xv (v128.load (local.get $x)))
      (v128.store (local.get $y0) (f32x4.add (v128.load (local.get $y0)) (f32x4.mul (local.get $v0) (local.get $xv))))
      (v128.store (local.get $y1) (f32x4.add (v128.load (local.get $y1)) (f32x4.mul (local.get $v1) (local.get $xv))))
      (local.set $y0 (i32.add (local.get $y0) (i32.const 16)))
      (local.set $y1 (i32.add (local.get $y1) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (f32.store (local.get $y0) (f32.add (f32.load (local.get $y0)) (f32.mul (local.get $a0) (f32.load (local.get $x)))))
      (f32.store (local.get $y1) (f32.add (f32.load (local.get $y1)) (f32.mul (local.get $a1) (f32.load (local.get $x)))))
      (local.set $y0 (i32.add (local.get $y0) (i32.const 4)))
      (local.set $y1 (i32.add (local.get $y1) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  (func (export "latent_scores") (param $q i32) (param $rows i32) (param $s i32) (param $heads i32) (param $count i32)
    (param $width i32) (param $ld i32)
    (local $j i32) (local $h i32) (local $qBytes i32) (local $ldBytes i32) (local $qh i32) (local $sh i32)
    (local.set $qBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $ldBytes (i32.shl (local.get $ld) (i32.const 2)))
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_s (local.get $j) (local.get $count)))
      (local.set $h (i32.const 0))
      (local.set $qh (local.get $q))
      (local.set $sh (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2))))
      (block $quadsDone (loop $nextQuad
        (br_if $quadsDone (i32.gt_s (i32.add (local.get $h) (i32.const 4)) (local.get $heads)))
        (call $dot4 (local.get $qh) (local.get $qBytes) (local.get $rows) (local.get $width) (local.get $sh) (local.get $ldBytes))
        (local.set $qh (i32.add (local.get $qh) (i32.shl (local.get $qBytes) (i32.const 2))))
        (local.set $sh (i32.add (local.get $sh) (i32.shl (local.get $ldBytes) (i32.const 2))))
        (local.set $h (i32.add (local.get $h) (i32.const 4)))
        (br $nextQuad)))
      (block $headsDone (loop $nextHead
        (br_if $headsDone (i32.ge_s (local.get $h) (local.get $heads)))
        (f32.store (local.get $sh) (call $dot (local.get $qh) (local.get $rows) (local.get $width)))
        (local.set $qh (i32.add (local.get $qh) (local.get $qBytes)))
        (local.set $sh (i32.add (local.get $sh) (local.get $ldBytes)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $nextHead)))
      (local.set $rows (i32.add (local.get $rows) (local.get $qBytes)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $nextRow))))
  (func (export "latent_mix") (param $s i32) (param $rows i32) (param $out i32) (param $heads i32) (param $count i32)
    (param $width i32) (param $dv i32) (param $ld i32)
    (local $j i32) (local $h i32) (local $oBytes i32) (local $ldBytes i32) (local $oh i32) (local $sh i32) (local $a1 f32)
    (local.set $oBytes (i32.shl (local.get $dv) (i32.const 2)))
    (local.set $ldBytes (i32.shl (local.get $ld) (i32.const 2)))
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_s (local.get $j) (local.get $count)))
      (local.set $h (i32.const 0))
      (local.set $oh (local.get $out))
      (local.set $sh (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2))))
      ;; heads in pairs; an odd last head pairs with itself at weight 0 (it adds 0 · x to its own row once more)
      (block $headsDone (loop $nextPair
        (br_if $headsDone (i32.ge_s (local.get $h) (local.get $heads)))
        (if (i32.lt_s (i32.add (local.get $h) (i32.const 1)) (local.get $heads))
          (then
            (local.set $a1 (f32.load (i32.add (local.get $sh) (local.get $ldBytes))))
            (call $axpy2 (local.get $oh) (i32.add (local.get $oh) (local.get $oBytes)) (local.get $rows) (local.get $dv)
              (f32.load (local.get $sh)) (local.get $a1)))
          (else
            (call $axpy2 (local.get $oh) (local.get $oh) (local.get $rows) (local.get $dv)
              (f32.load (local.get $sh)) (f32.const 0))))
        (local.set $oh (i32.add (local.get $oh) (i32.shl (local.get $oBytes) (i32.const 1))))
        (local.set $sh (i32.add (local.get $sh) (i32.shl (local.get $ldBytes) (i32.const 1))))
        (local.set $h (i32.add (local.get $h) (i32.const 2)))
        (br $nextPair)))
      (local.set $rows (i32.add (local.get $rows) (i32.shl (local.get $width) (i32.const 2))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $nextRow))))
  ;; widen_bf16: dst[i] (f32) = the bf16 src[i] for i < n (a bf16 is the top half of an f32).
  (func (export "widen_bf16") (param $src i32) (param $dst i32) (param $n i32)
    (local $i i32) (local $w v128)
    (block $done (loop $next
      (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
      (local.set $w (v128.load (local.get $src)))
      (v128.store (local.get $dst) (i32x4.shl (i32x4.extend_low_i16x8_u (local.get $w)) (i32.const 16)))
      (v128.store offset=16 (local.get $dst) (i32x4.shl (i32x4.extend_high_i16x8_u (local.get $w)) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (i32.store (local.get $dst) (i32.shl (i32.load16_u (local.get $src)) (i32.const 16)))
      (local.set $src (i32.add (local.get $src) (i32.const 2)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  ;; latent_softmax: after latent_scores on a chunk, for each head h: the running max M_h and sum L_h (f32
  ;; pairs at `stats`, M = -inf and L = 0 before the first chunk) take the chunk's scores, scaled by `scale`
  ;; (an f32 at `scaleAt`: the worker pool passes integer arguments only): when the chunk raises M_h, L_h and
  ;; out_h[0:dv] are rescaled by exp(M_old - M_new); the scores become exp(scale s - M_h), summed into L_h, ready
  ;; for latent_mix.
  (func (export "latent_softmax") (param $s i32) (param $heads i32) (param $count i32) (param $ld i32) (param $scaleAt i32)
    (param $stats i32) (param $out i32) (param $dv i32)
    (local $h i32) (local $old f32) (local $max f32) (local $rescale f32) (local $scale f32)
    (local.set $scale (f32.load (local.get $scaleAt)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $h) (local.get $heads)))
      (local.set $old (f32.load (local.get $stats)))
      (local.set $max (f32.max (local.get $old)
        (f32.mul (local.get $scale) (call $max_row (local.get $s) (local.get $count)))))
      (if (f32.gt (local.get $max) (local.get $old))
        (then
          (local.set $rescale (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.sub (local.get $old) (local.get $max))))))
          (f32.store offset=4 (local.get $stats) (f32.mul (f32.load offset=4 (local.get $stats)) (local.get $rescale)))
          (call $scale_row (local.get $out) (local.get $dv) (local.get $rescale))))
      (f32.store (local.get $stats) (local.get $max))
      (f32.store offset=4 (local.get $stats) (f32.add (f32.load offset=4 (local.get $stats))
        (call $exp_row (local.get $s) (local.get $count) (local.get $scale) (local.get $max))))
      (local.set $s (i32.add (local.get $s) (i32.shl (local.get $ld) (i32.const 2))))
      (local.set $out (i32.add (local.get $out) (i32.shl (local.get $dv) (i32.const 2))))
      (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
      (local.set $h (i32.add (local.get $h) (i32.const 1)))
      (br $next))))
  ;; latent_finish: out_h[0:dv] /= L_h, the softmax's denominator.
  (func (export "latent_finish") (param $stats i32) (param $out i32) (param $heads i32) (param $dv i32)
    (local $h i32)
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $h) (local.get $heads)))
      (call $scale_row (local.get $out) (local.get $dv) (f32.div (f32.const 1) (f32.load offset=4 (local.get $stats))))
      (local.set $out (i32.add (local.get $out) (i32.shl (local.get $dv) (i32.const 2))))
      (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
      (local.set $h (i32.add (local.get $h) (i32.const 1)))
      (br $next))))
  (func $scale_row (param $at i32) (param $n i32) (param $factor f32)
    (local $i i32) (local $f v128)
    (local.set $f (f32x4.splat (local.get $factor)))
    (block $done (loop $next
      (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (v128.store (local.get $at) (f32x4.mul (v128.load (local.get $at)) (local.get $f)))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (f32.store (local.get $at) (f32.mul (f32.load (local.get $at)) (local.get $factor)))
      (local.set $at (i32.add (local.get $at) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
)
