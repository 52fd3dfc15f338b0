import type { Storage } from '../../../backend.js';
import { type FloatArray, floats, ints } from '../storage.js';

/**
 * "Element i ranks before element j" in the top-k order: larger value first, NaN above everything,
 * equal values (-0 and +0 included) by lower index.
 */
function before(x: FloatArray, i: number, j: number): boolean {
  const a = x[i] as number;
  const b = x[j] as number;
  if (a > b) return true;
  if (a < b) return false;
  const aNaN = Number.isNaN(a);
  if (aNaN !== Number.isNaN(b)) return aNaN;
  return i < j;
}

/**
 * The k best of each row via a size-k heap whose root is the worst kept element: O(cols log k). Columns
 * are visited in increasing index, so an element equal to the root never displaces it.
 */
export function topk(
  x: Storage,
  values: Storage,
  indices: Storage,
  rows: number,
  cols: number,
  k: number,
): void {
  const src = floats(x);
  const outV = floats(values);
  const outI = ints(indices);
  const heap = new Int32Array(k);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const worse = (a: number, b: number) => before(src, base + b, base + a);
    const siftDown = (size: number) => {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        let m = i;
        if (l < size && worse(heap[l] as number, heap[m] as number)) m = l;
        if (l + 1 < size && worse(heap[l + 1] as number, heap[m] as number)) m = l + 1;
        if (m === i) return;
        const t = heap[i] as number;
        heap[i] = heap[m] as number;
        heap[m] = t;
        i = m;
      }
    };
    for (let c = 0; c < k; c++) {
      let i = c;
      heap[i] = c;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i] as number, heap[p] as number)) break;
        const t = heap[i] as number;
        heap[i] = heap[p] as number;
        heap[p] = t;
        i = p;
      }
    }
    for (let c = k; c < cols; c++) {
      if (!before(src, base + c, base + (heap[0] as number))) continue;
      heap[0] = c;
      siftDown(k);
    }
    // Pop the worst k times, filling the output from the back.
    for (let size = k; size > 0; size--) {
      const c = heap[0] as number;
      outV[r * k + size - 1] = src[base + c] as number;
      outI[r * k + size - 1] = c;
      heap[0] = heap[size - 1] as number;
      siftDown(size - 1);
    }
  }
}
