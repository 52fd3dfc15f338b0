import type { AttentionParams, Storage } from '../../../backend.js';
import { floats } from '../storage.js';
import {
  Arena,
  attentionKernels,
  copyRows,
  forEachHead,
  lastKey,
  packColumns,
  packTransposed,
  roundUp,
} from './attention-pack.js';

/**
 * f32 attention on the WebAssembly SIMD GEMM, one block of QUERY_BLOCK query rows at a time: S = Q·Kᵀ,
 * a masked row softmax, O = P·V (and the matching products in the backward). A causal block multiplies
 * only the keys its last row may see, so the fully masked upper triangle (about half the work) is never
 * computed, and the score tile stays at QUERY_BLOCK × Tk floats, inside L2. Each head's operands are
 * packed into the module's memory once (attention-pack.ts). The row-by-row kernel in attention.ts
 * remains for the f64 reference and where WebAssembly SIMD is missing (these return false there).
 */

const QUERY_BLOCK = 32;

/** Query blocks [i0, i1) of a head with the number of keys the block's last row sees. */
function forEachBlock(p: AttentionParams, visit: (i0: number, i1: number, keys: number) => void) {
  for (let i0 = 0; i0 < p.tq; i0 += QUERY_BLOCK) {
    const i1 = Math.min(p.tq, i0 + QUERY_BLOCK);
    visit(i0, i1, lastKey(p, i1 - 1) + 1);
  }
}

function f32Arrays(storages: Storage[]): Float32Array[] | null {
  const arrays = storages.map(floats);
  return arrays.every((a) => a instanceof Float32Array) ? (arrays as Float32Array[]) : null;
}

export function attentionGemm(
  q: Storage,
  k: Storage,
  v: Storage,
  out: Storage,
  lse: Storage,
  p: AttentionParams,
): boolean {
  const kernel = attentionKernels();
  const arrays = f32Arrays([q, k, v, out, lse]);
  if (!kernel || !arrays) return false;
  const [Q, K, V, O, L] = arrays;
  const { d, dv, tq, tk, scale } = p;
  const tq4 = roundUp(tq, 4);
  const tk8 = roundUp(tk, 8);
  const dv8 = roundUp(dv, 8);
  const arena = new Arena();
  const qAt = arena.region(tq4 * d);
  const ktAt = arena.region(tk8 * d);
  const vAt = arena.region(tk8 * dv8);
  const sAt = arena.region(QUERY_BLOCK * tk8);
  const oAt = arena.region(QUERY_BLOCK * dv8);
  const mem = arena.view(kernel);
  const inverseSum = new Float32Array(QUERY_BLOCK);
  forEachHead(p, (head) => {
    copyRows(Q, head.q, tq, d, mem, qAt, tq4);
    packTransposed(K, head.k, tk, d, mem, ktAt);
    packColumns(V, head.v, tk, dv, mem, vAt, tk8);
    forEachBlock(p, (i0, i1, keys) => {
      const rows = i1 - i0;
      if (keys <= 0) {
        O.fill(0, head.o + i0 * dv, head.o + i1 * dv);
        L.fill(Number.NEGATIVE_INFINITY, head.row + i0, head.row + i1);
        return;
      }
      const rows4 = roundUp(rows, 4);
      const keys8 = roundUp(keys, 8);
      kernel.gemm((qAt + i0 * d) * 4, ktAt * 4, sAt * 4, rows4, keys8, d, d * 4, d * 32, 0);
      // S row <- exp(scale·s − max) over the keys the row sees, 0 beyond; O is normalized after P·V
      for (let r = 0; r < rows; r++) {
        const at = (sAt + r * keys8) * 4;
        const visible = lastKey(p, i0 + r) + 1;
        if (visible <= 0) {
          mem.fill(0, sAt + r * keys8, sAt + r * keys8 + keys);
          L[head.row + i0 + r] = Number.NEGATIVE_INFINITY;
          inverseSum[r] = 0;
          continue;
        }
        const max = kernel.max_row(at, visible) * scale;
        const sum = kernel.exp_row(at, visible, scale, max);
        mem.fill(0, sAt + r * keys8 + roundUp(visible, 4), sAt + r * keys8 + keys);
        L[head.row + i0 + r] = max + Math.log(sum);
        inverseSum[r] = 1 / sum;
      }
      kernel.gemm(sAt * 4, vAt * 4, oAt * 4, rows4, dv8, keys, keys8 * 4, tk8 * 32, 0);
      for (let r = 0; r < rows; r++) {
        const from = oAt + r * dv8;
        const to = head.o + (i0 + r) * dv;
        for (let c = 0; c < dv; c++) O[to + c] = mem[from + c] * inverseSum[r];
      }
    });
  });
  return true;
}

/**
 * Per query block, with P recomputed from the saved lse: dV[keys] += Pᵀ·dO, dP = dO·Vᵀ,
 * dS = P ∘ (dP − rowsum(dO ∘ O)) · scale, dQ = dS·K, dK[keys] += dSᵀ·Q.
 */
export function attentionBackwardGemm(
  q: Storage,
  k: Storage,
  v: Storage,
  out: Storage,
  lse: Storage,
  dOut: Storage,
  dq: Storage,
  dk: Storage,
  dv: Storage,
  p: AttentionParams,
): boolean {
  const kernel = attentionKernels();
  const arrays = f32Arrays([q, k, v, out, lse, dOut, dq, dk, dv]);
  if (!kernel || !arrays) return false;
  const [Q, K, V, O, L, dO, dQ, dK, dV] = arrays;
  const { d, tq, tk, scale } = p;
  const dvDim = p.dv;
  const tq4 = roundUp(tq, 4);
  const tk8 = roundUp(tk, 8);
  const d8 = roundUp(d, 8);
  const dv8 = roundUp(dvDim, 8);
  const QB = QUERY_BLOCK;
  const arena = new Arena();
  const qAt = arena.region(tq4 * d); // A of Q·Kᵀ
  const qPanelsAt = arena.region(tq4 * d8); // B of dSᵀ·Q
  const dOAt = arena.region(tq4 * dvDim); // A of dO·Vᵀ
  const dOPanelsAt = arena.region(tq4 * dv8); // B of Pᵀ·dO
  const ktAt = arena.region(tk8 * d); // B of Q·Kᵀ
  const kPanelsAt = arena.region(tk8 * d8); // B of dS·K
  const vtAt = arena.region(tk8 * dvDim); // B of dO·Vᵀ
  const pAt = arena.region(QB * tk8); // P, row-major
  const ptAt = arena.region(tk8 * QB); // Pᵀ
  const dsAt = arena.region(QB * tk8); // dP, then dS in place
  const dstAt = arena.region(tk8 * QB); // dSᵀ
  const dqAt = arena.region(QB * d8);
  const dkAt = arena.region(tk8 * d8); // dK of the head, accumulated over blocks
  const dvAt = arena.region(tk8 * dv8); // dV of the head
  const mem = arena.view(kernel);
  dK.fill(0);
  dV.fill(0);
  forEachHead(p, (head) => {
    copyRows(Q, head.q, tq, d, mem, qAt, tq4);
    packColumns(Q, head.q, tq, d, mem, qPanelsAt, tq4);
    copyRows(dO, head.o, tq, dvDim, mem, dOAt, tq4);
    packColumns(dO, head.o, tq, dvDim, mem, dOPanelsAt, tq4);
    packTransposed(K, head.k, tk, d, mem, ktAt);
    packColumns(K, head.k, tk, d, mem, kPanelsAt, tk8);
    packTransposed(V, head.v, tk, dvDim, mem, vtAt);
    mem.fill(0, dkAt, dkAt + tk8 * d8);
    mem.fill(0, dvAt, dvAt + tk8 * dv8);
    forEachBlock(p, (i0, i1, keys) => {
      if (keys <= 0) {
        dQ.fill(0, head.q + i0 * d, head.q + i1 * d);
        return;
      }
      const rows = i1 - i0;
      const rows4 = roundUp(rows, 4);
      const keys4 = roundUp(keys, 4);
      const keys8 = roundUp(keys, 8);
      kernel.gemm((qAt + i0 * d) * 4, ktAt * 4, pAt * 4, rows4, keys8, d, d * 4, d * 32, 0);
      kernel.gemm((dOAt + i0 * dvDim) * 4, vtAt * 4, dsAt * 4, rows4, keys8, dvDim, dvDim * 4, dvDim * 32, 0);
      for (let r = 0; r < rows; r++) {
        const visible = lastKey(p, i0 + r) + 1;
        const l = L[head.row + i0 + r];
        const o = head.o + (i0 + r) * dvDim;
        let delta = 0;
        for (let c = o; c < o + dvDim; c++) delta += dO[c] * O[c];
        const pRow = pAt + r * keys8;
        const dsRow = dsAt + r * keys8;
        if (visible > 0) {
          kernel.exp_row(pRow * 4, visible, scale, l);
          kernel.grad_row(pRow * 4, dsRow * 4, visible, delta, scale);
        }
        const written = roundUp(Math.max(visible, 0), 4);
        mem.fill(0, pRow + written, pRow + keys4);
        mem.fill(0, dsRow + written, dsRow + keys4);
        for (let j = 0; j < keys4; j++) {
          mem[ptAt + j * QB + r] = mem[pRow + j];
          mem[dstAt + j * QB + r] = mem[dsRow + j];
        }
      }
      // dV += Pᵀ·dO and dK += dSᵀ·Q over the block's keys; dQ = dS·K
      const panelRows = tq4 * 32;
      kernel.gemm(ptAt * 4, (dOPanelsAt + i0 * 8) * 4, dvAt * 4, keys4, dv8, rows, QB * 4, panelRows, 1);
      kernel.gemm(dstAt * 4, (qPanelsAt + i0 * 8) * 4, dkAt * 4, keys4, d8, rows, QB * 4, panelRows, 1);
      kernel.gemm(dsAt * 4, kPanelsAt * 4, dqAt * 4, rows4, d8, keys, keys8 * 4, tk8 * 32, 0);
      for (let r = 0; r < rows; r++) {
        const from = dqAt + r * d8;
        dQ.set(mem.subarray(from, from + d), head.q + (i0 + r) * d);
      }
    });
    for (let j = 0; j < tk; j++) {
      for (let c = 0; c < d; c++) dK[head.k + j * d + c] += mem[dkAt + j * d8 + c];
      for (let c = 0; c < dvDim; c++) dV[head.v + j * dvDim + c] += mem[dvAt + j * dv8 + c];
    }
  });
  return true;
}
