/**
 * Every tolerance of the conformance suite, in one place. A value passes when
 * |actual - expected| <= atol + rtol * |expected|, expected coming from the f64 CPU reference.
 * Inputs in f16/bf16 are rounded identically for the reference, so the dtype that matters is the
 * precision the backend computes in (f32 everywhere) plus, for narrow outputs, the output rounding.
 */
export const TOLERANCE = {
  /** f32 compute against the f64 reference. */
  f32: { atol: 2e-4, rtol: 2e-4 },
  /** Outputs stored as f16 (10-bit mantissa). */
  f16: { atol: 1e-3, rtol: 2e-3 },
  /** Outputs stored as bf16 (7-bit mantissa). */
  bf16: { atol: 1e-2, rtol: 1e-2 },
  /** i32 results (argmax, int arithmetic) must match exactly. */
  i32: { atol: 0, rtol: 0 },
  /** Finite differences on the f64 reference: central difference with step FD_STEP. */
  finiteDifference: { atol: 1e-5, rtol: 1e-4 },
  /** Fused op vs the same math composed from primitive ops, both on the f64 reference. */
  composed: { atol: 1e-9, rtol: 1e-9 },
} as const;

export const FD_STEP = 1e-6;

/** How many coordinates of each input the finite-difference check perturbs. */
export const FD_SAMPLES = 3;
