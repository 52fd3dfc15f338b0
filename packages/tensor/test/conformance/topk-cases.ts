import { cast, type Tensor, topk } from '../../src/index.js';
import type { Case, InputSpec } from './cases.js';

interface TopKCase {
  shape: number[];
  k: number;
  axis?: number;
  /** Integer-valued inputs in [0, ties): long runs of equal values, split by the lower index. */
  ties?: number;
}

/** Awkward lengths (1, 3, 17, 1000, a 128k-ish vocabulary row), k = 1, 40, 256 and the whole row, ties. */
const TOPK: TopKCase[] = [
  { shape: [1], k: 1 },
  { shape: [3], k: 3 },
  { shape: [4, 17], k: 17 },
  { shape: [17, 3], k: 2, axis: 0 },
  { shape: [2, 3, 5], k: 3, axis: 1 },
  { shape: [3, 1000], k: 40 },
  { shape: [2, 1000], k: 1 },
  { shape: [2, 256], k: 256 },
  { shape: [1, 128003], k: 40 },
  { shape: [1, 128003], k: 256 },
  { shape: [3, 1000], k: 40, ties: 7 },
  { shape: [2, 20011], k: 256, ties: 5 },
  { shape: [1, 9000], k: 1, ties: 2 },
];

/** Values and indices of each config as two cases (a case checks one output); no gradients. */
export function topkCases(): Case[] {
  return TOPK.flatMap(({ shape, k, axis = -1, ties }) => {
    const input: InputSpec = ties ? { shape, kind: 'ids', max: ties } : { shape, grad: false };
    const run = (x: Tensor) => topk(ties ? cast(x, 'f32') : x, k, axis);
    const label = `topk [${shape}] k=${k} axis ${axis}${ties ? ` ties (${ties} values)` : ''}`;
    return [
      { name: `${label} values`, inputs: [input], run: ([x]) => run(x).values, noFiniteDifference: true },
      { name: `${label} indices`, inputs: [input], run: ([x]) => run(x).indices, noFiniteDifference: true },
    ];
  });
}
