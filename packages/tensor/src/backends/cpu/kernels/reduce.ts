import type { ReduceOp, Storage } from '../../../backend.js';
import { floats, raw } from '../storage.js';

/** x viewed as [outer, r, inner]; out [outer, inner]. */
export function reduce(
  op: ReduceOp,
  x: Storage,
  out: Storage,
  outer: number,
  r: number,
  inner: number,
): void {
  const src = floats(x);
  const dst = raw(out);
  for (let o = 0; o < outer; o++) {
    const base = o * r * inner;
    for (let i = 0; i < inner; i++) {
      let acc = src[base + i];
      let arg = 0;
      for (let k = 1; k < r; k++) {
        const value = src[base + k * inner + i];
        if (op === 'sum') acc += value;
        else if (op === 'min') {
          if (value < acc || Number.isNaN(value)) acc = value;
        } else if (value > acc || (Number.isNaN(value) && !Number.isNaN(acc))) {
          acc = value;
          arg = k;
        }
      }
      dst[o * inner + i] = op === 'argmax' ? arg : acc;
    }
  }
}
