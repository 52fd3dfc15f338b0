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
;;     query head), on `count` cache rows of `width` values (f32, or bf16 when $bf16 is 1) starting at `rows`:
;;     latent_scores: s[h*ld + j] = q_h . row_j for every head h < heads (queries `width` f32 apart);
;;     latent_mix: out_h[0:dv] += s[h*ld + j] * row_j[0:dv] (out rows dv f32 apart).
;;     Both walk the rows once, each row against every head while it is in L1.
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
  (func (export "exp_row") (param $at i32) (param $count i32) (param $scale f32) (param $shift f32) (result f32)
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
  (func (export "max_row") (param $at i32) (param $count i32) (result f32)
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
  (func $dot_f32 (param $a i32) (param $b i32) (param $n i32) (result f32)
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
  ;; bf16 values are the top halves of f32s: widened by a 16-bit shift.
  (func $dot_bf16 (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $i i32) (local $acc v128) (local $s f32)
    (block $done (loop $next
      (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (local.set $acc (f32x4.add (local.get $acc)
        (f32x4.mul (v128.load (local.get $a)) (i32x4.shl (v128.load16x4_u (local.get $b)) (i32.const 16)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (local.set $s (call $hsum (local.get $acc)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $s (f32.add (local.get $s)
        (f32.mul (f32.load (local.get $a)) (f32.reinterpret_i32 (i32.shl (i32.load16_u (local.get $b)) (i32.const 16))))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $s))
  (func $axpy_f32 (param $y i32) (param $x i32) (param $n i32) (param $alpha f32)
    (local $i i32) (local $av v128)
    (local.set $av (f32x4.splat (local.get $alpha)))
    (block $done (loop $next
      (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y)) (f32x4.mul (local.get $av) (v128.load (local.get $x)))))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (f32.store (local.get $y) (f32.add (f32.load (local.get $y)) (f32.mul (local.get $alpha) (f32.load (local.get $x)))))
      (local.set $y (i32.add (local.get $y) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  (func $axpy_bf16 (param $y i32) (param $x i32) (param $n i32) (param $alpha f32)
    (local $i i32) (local $av v128)
    (local.set $av (f32x4.splat (local.get $alpha)))
    (block $done (loop $next
      (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
      (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y))
        (f32x4.mul (local.get $av) (i32x4.shl (v128.load16x4_u (local.get $x)) (i32.const 16)))))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (f32.store (local.get $y) (f32.add (f32.load (local.get $y))
        (f32.mul (local.get $alpha) (f32.reinterpret_i32 (i32.shl (i32.load16_u (local.get $x)) (i32.const 16))))))
      (local.set $y (i32.add (local.get $y) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
  (func (export "latent_scores") (param $q i32) (param $rows i32) (param $s i32) (param $heads i32) (param $count i32)
    (param $width i32) (param $ld i32) (param $bf16 i32)
    (local $j i32) (local $h i32) (local $row i32) (local $rowBytes i32) (local $qh i32) (local $sh i32) (local $dot f32)
    (local.set $rowBytes (i32.shl (local.get $width) (select (i32.const 1) (i32.const 2) (local.get $bf16))))
    (local.set $row (local.get $rows))
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_s (local.get $j) (local.get $count)))
      (local.set $h (i32.const 0))
      (local.set $qh (local.get $q))
      (local.set $sh (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2))))
      (block $headsDone (loop $nextHead
        (br_if $headsDone (i32.ge_s (local.get $h) (local.get $heads)))
        (local.set $dot (if (result f32) (local.get $bf16)
          (then (call $dot_bf16 (local.get $qh) (local.get $row) (local.get $width)))
          (else (call $dot_f32 (local.get $qh) (local.get $row) (local.get $width)))))
        (f32.store (local.get $sh) (local.get $dot))
        (local.set $qh (i32.add (local.get $qh) (i32.shl (local.get $width) (i32.const 2))))
        (local.set $sh (i32.add (local.get $sh) (i32.shl (local.get $ld) (i32.const 2))))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $nextHead)))
      (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $nextRow))))
  (func (export "latent_mix") (param $s i32) (param $rows i32) (param $out i32) (param $heads i32) (param $count i32)
    (param $width i32) (param $dv i32) (param $ld i32) (param $bf16 i32)
    (local $j i32) (local $h i32) (local $row i32) (local $rowBytes i32) (local $oh i32) (local $sh i32)
    (local.set $rowBytes (i32.shl (local.get $width) (select (i32.const 1) (i32.const 2) (local.get $bf16))))
    (local.set $row (local.get $rows))
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_s (local.get $j) (local.get $count)))
      (local.set $h (i32.const 0))
      (local.set $oh (local.get $out))
      (local.set $sh (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2))))
      (block $headsDone (loop $nextHead
        (br_if $headsDone (i32.ge_s (local.get $h) (local.get $heads)))
        (if (local.get $bf16)
          (then (call $axpy_bf16 (local.get $oh) (local.get $row) (local.get $dv) (f32.load (local.get $sh))))
          (else (call $axpy_f32 (local.get $oh) (local.get $row) (local.get $dv) (f32.load (local.get $sh)))))
        (local.set $oh (i32.add (local.get $oh) (i32.shl (local.get $dv) (i32.const 2))))
        (local.set $sh (i32.add (local.get $sh) (i32.shl (local.get $ld) (i32.const 2))))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $nextHead)))
      (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $nextRow)))))
