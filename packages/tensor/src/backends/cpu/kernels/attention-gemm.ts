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
  type Stage,
  transposeInto,
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
  const stage: Stage = { kernel, at: arena.region(tk8 * Math.max(d, dv)) };
  const mem = arena.view(kernel);
  const inverseSum = new Float32Array(QUERY_BLOCK);
  forEachHead(p, (head) => {
    copyRows(Q, head.q, tq, d, mem, qAt, tq4);
    packTransposed(K, head.k, tk, d, mem, ktAt, stage);
    packColumns(V, head.v, tk, dv, mem, vAt, tk8, stage);
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
 * dS = P ∘ (dP − rowsum(dO ∘ O)) · scale, dQ = dS·K, dK[keys] += dSᵀ·Q. The tiles are computed
 * transposed (Pᵀ = K·Qᵀ, dPᵀ = V·dOᵀ), one 8-query panel per GEMM call, so they are at once the A
 * operands of the dV/dK products (one k-slice of 8 per panel) and the B operand of dQᵀ = Kᵀ·dSᵀ: no
 * tile is ever transposed.
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
  const tq8 = roundUp(tq, 8);
  const tk8 = roundUp(tk, 8);
  const d4 = roundUp(d, 4);
  const d8 = roundUp(d, 8);
  const dv8 = roundUp(dvDim, 8);
  const QB = QUERY_BLOCK;
  const arena = new Arena();
  const qtAt = arena.region(tq8 * d); // Qᵀ panels: B of K·Qᵀ
  const qPanelsAt = arena.region(tq8 * d8); // Q panels: B of dSᵀ·Q
  const dOtAt = arena.region(tq8 * dvDim); // dOᵀ panels: B of V·dOᵀ
  const dOPanelsAt = arena.region(tq8 * dv8); // dO panels: B of Pᵀ·dO
  const kAt = arena.region(tk8 * d); // K rows: A of K·Qᵀ
  const ktAt = arena.region(d4 * tk8); // Kᵀ rows: A of Kᵀ·dSᵀ
  const vAt = arena.region(tk8 * dvDim); // V rows: A of V·dOᵀ
  const lseAt = arena.region(tq8);
  const deltaAt = arena.region(tq8);
  const ptAt = arena.region(QB * tk8); // Pᵀ as QB/8 panels of [tk8][8]
  const dstAt = arena.region(QB * tk8); // dPᵀ, then dSᵀ in place
  const dqtAt = arena.region(d4 * QB); // dQᵀ of the block
  const dkAt = arena.region(tk8 * d8); // dK of the head, accumulated over blocks
  const dvAt = arena.region(tk8 * dv8); // dV of the head
  const stage: Stage = { kernel, at: arena.region(Math.max(tq8, tk8) * Math.max(d, dvDim)) };
  const mem = arena.view(kernel);
  const panelFloats = tk8 * 8;
  dK.fill(0);
  dV.fill(0);
  forEachHead(p, (head) => {
    packTransposed(Q, head.q, tq, d, mem, qtAt, stage);
    packColumns(Q, head.q, tq, d, mem, qPanelsAt, tq8, stage);
    packTransposed(dO, head.o, tq, dvDim, mem, dOtAt, stage);
    packColumns(dO, head.o, tq, dvDim, mem, dOPanelsAt, tq8, stage);
    copyRows(K, head.k, tk, d, mem, kAt, tk8);
    transposeInto(K, head.k, tk, d, mem, ktAt, tk8, stage);
    mem.fill(0, ktAt + d * tk8, ktAt + d4 * tk8);
    copyRows(V, head.v, tk, dvDim, mem, vAt, tk8);
    mem.set(L.subarray(head.row, head.row + tq), lseAt);
    mem.fill(0, lseAt + tq, lseAt + tq8);
    for (let i = 0; i < tq8; i++) {
      let delta = 0;
      const o = head.o + i * dvDim;
      if (i < tq) for (let c = o; c < o + dvDim; c++) delta += dO[c] * O[c];
      mem[deltaAt + i] = delta;
    }
    mem.fill(0, dkAt, dkAt + tk8 * d8);
    mem.fill(0, dvAt, dvAt + tk8 * dv8);
    forEachBlock(p, (i0, i1, keys) => {
      if (keys <= 0) {
        dQ.fill(0, head.q + i0 * d, head.q + i1 * d);
        return;
      }
      const rows = i1 - i0;
      const rows8 = roundUp(rows, 8);
      const keys4 = roundUp(keys, 4);
      for (let c = 0; c < rows; c += 8) {
        const pt = ptAt + (c / 8) * panelFloats;
        const dst = dstAt + (c / 8) * panelFloats;
        const column = i0 + c;
        kernel.gemm(kAt * 4, (qtAt + column * d) * 4, pt * 4, keys4, 8, d, d * 4, 0, 0);
        kernel.gemm(vAt * 4, (dOtAt + column * dvDim) * 4, dst * 4, keys4, 8, dvDim, dvDim * 4, 0, 0);
        const first = p.causal ? p.queryOffset + column : tk;
        kernel.exp_panel(pt * 4, keys, (lseAt + column) * 4, first, scale);
        kernel.grad_panel(pt * 4, dst * 4, keys, (deltaAt + column) * 4, scale);
        mem.fill(0, pt + keys * 8, pt + keys4 * 8);
        mem.fill(0, dst + keys * 8, dst + keys4 * 8);
        // dV += Pᵀ·dO and dK += dSᵀ·Q over this panel's queries
        const width = Math.min(8, rows - c);
        kernel.gemm(pt * 4, (dOPanelsAt + column * 8) * 4, dvAt * 4, keys4, dv8, width, 32, tq8 * 32, 1);
        kernel.gemm(dst * 4, (qPanelsAt + column * 8) * 4, dkAt * 4, keys4, d8, width, 32, tq8 * 32, 1);
      }
      // dQᵀ = Kᵀ·dSᵀ
      kernel.gemm(ktAt * 4, dstAt * 4, dqtAt * 4, d4, rows8, keys, tk8 * 4, panelFloats * 4, 0);
      for (let r = 0; r < rows; r++) {
        const to = head.q + (i0 + r) * d;
        for (let c = 0; c < d; c++) dQ[to + c] = mem[dqtAt + c * rows8 + r];
      }
    });
    for (let j = 0; j < tk; j++) {
      for (let c = 0; c < d; c++) dK[head.k + j * d + c] += mem[dkAt + j * d8 + c];
      for (let c = 0; c < dvDim; c++) dV[head.v + j * dvDim + c] += mem[dvAt + j * dv8 + c];
    }
  });
  return true;
}
