import {
  abs,
  add,
  argmax,
  attention,
  broadcastTo,
  cast,
  concat,
  crossEntropy,
  type DType,
  div,
  eq,
  exp,
  gather,
  ge,
  gelu,
  gt,
  linearCrossEntropy,
  log,
  logSoftmax,
  lt,
  matmul,
  max,
  maximum,
  mean,
  minimum,
  mul,
  neg,
  permute,
  pow,
  reshape,
  rmsNorm,
  rope,
  rsqrt,
  sigmoid,
  silu,
  slice,
  softmax,
  split,
  sqrt,
  sub,
  sum,
  swiglu,
  type Tensor,
  tanh,
  tensor,
  transpose,
  where,
} from '../../src/index.js';
import { fillRandom } from '../../src/rng.js';
import { quantCases } from './quant-cases.js';
import { topkCases } from './topk-cases.js';
import { viewCases } from './view-cases.js';

/** How an input's values are generated (deterministically, from the case index). */
export type InputKind = 'normal' | 'positive' | 'ids' | 'targets' | 'mask' | 'positions';

export interface InputSpec {
  shape: number[];
  kind?: InputKind;
  dtype?: DType;
  /** Exclusive upper bound for ids/targets. */
  max?: number;
  /** Check this input's gradient (default: f32 float inputs). */
  grad?: boolean;
}

export interface Case {
  name: string;
  inputs: InputSpec[];
  run: (x: Tensor[]) => Tensor;
  /** The same math from primitive ops, checked against `run` on the f64 reference. */
  composed?: (x: Tensor[]) => Tensor;
  /** Skip the finite-difference check (kinks: max, abs, comparisons). */
  noFiniteDifference?: boolean;
}

const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ shape, ...extra });

/** Awkward sizes: 1, 3, 17, 1000 and non-multiples of 4/16/64. */
const ELEMENTWISE_SHAPES: [number[], number[]][] = [
  [[1000], [1000]],
  [
    [3, 17],
    [3, 17],
  ],
  [[3, 1, 17], [17]],
  [
    [2, 3, 5],
    [3, 1],
  ],
  [[1], [67]],
  [[], [3]],
];

const UNARY: [string, (x: Tensor) => Tensor, InputKind?][] = [
  ['neg', neg],
  ['exp', exp],
  ['log', log, 'positive'],
  ['sqrt', sqrt, 'positive'],
  ['rsqrt', rsqrt, 'positive'],
  ['silu', silu],
  ['gelu', gelu],
  ['tanh', tanh],
  ['sigmoid', sigmoid],
  ['abs', abs],
];

const BINARY: [string, (a: Tensor, b: Tensor) => Tensor, InputKind?][] = [
  ['add', add],
  ['sub', sub],
  ['mul', mul],
  ['div', div, 'positive'],
  ['pow', pow, 'positive'],
  ['maximum', maximum],
  ['minimum', minimum],
];

const COMPARE: [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ['eq', eq],
  ['lt', lt],
  ['ge', ge],
  ['gt', gt],
];

function elementwiseCases(): Case[] {
  const cases: Case[] = [];
  for (const [name, op, kind] of UNARY) {
    for (const shape of [[1000], [3, 17], [1]]) {
      cases.push({ name: `${name} [${shape}]`, inputs: [f(shape, { kind })], run: ([x]) => op(x) });
    }
  }
  for (const [name, op, kind] of BINARY) {
    for (const [sa, sb] of ELEMENTWISE_SHAPES) {
      cases.push({
        name: `${name} [${sa}]·[${sb}]`,
        inputs: [f(sa, { kind }), f(sb, { kind })],
        run: ([a, b]) => op(a, b),
        noFiniteDifference: name === 'maximum' || name === 'minimum',
      });
    }
  }
  for (const [name, op] of COMPARE) {
    cases.push({
      name: `${name} [3,17]·[17]`,
      inputs: [f([3, 17], { grad: false }), f([17], { grad: false })],
      run: ([a, b]) => op(a, b),
    });
  }
  cases.push({
    name: 'where [3,17] with broadcast operands',
    inputs: [f([3, 17], { kind: 'mask' }), f([17]), f([3, 1])],
    run: ([c, a, b]) => where(c, a, b),
  });
  cases.push({ name: 'mul by a number', inputs: [f([17])], run: ([x]) => mul(sub(x, 0.5), 3) });
  return cases;
}

function reductionCases(): Case[] {
  const cases: Case[] = [];
  const specs: [number[], number[] | undefined, boolean][] = [
    [[1000], undefined, false],
    [[3, 17], [1], false],
    [[3, 17], [0], true],
    [[2, 3, 17], [0, 2], false],
    [[2, 3, 5], [1], true],
    [[1, 67], [1], false],
  ];
  for (const [shape, axes, keep] of specs) {
    const label = `[${shape}] axes ${axes ?? 'all'}${keep ? ' keepDims' : ''}`;
    cases.push({ name: `sum ${label}`, inputs: [f(shape)], run: ([x]) => sum(x, axes, keep) });
    cases.push({ name: `mean ${label}`, inputs: [f(shape)], run: ([x]) => mean(x, axes, keep) });
    cases.push({ name: `max ${label}`, inputs: [f(shape)], run: ([x]) => max(x, axes, keep) });
  }
  cases.push({
    name: 'argmax [3,17] axis -1',
    inputs: [f([3, 17], { grad: false })],
    run: ([x]) => argmax(x, -1),
  });
  cases.push({
    name: 'argmax [17,3] axis 0',
    inputs: [f([17, 3], { grad: false })],
    run: ([x]) => argmax(x, 0),
  });
  return cases;
}

function matmulCases(): Case[] {
  const cases: Case[] = [];
  const sizes: [number, number, number][] = [
    [1, 17, 3],
    [3, 1000, 17],
    [17, 67, 33],
    [1, 1000, 17],
    [5, 1, 7],
    [1000, 3, 17],
    [67, 17, 9],
    [9, 600, 70],
  ];
  for (const [m, k, n] of sizes) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const a = transposeA ? [k, m] : [m, k];
        const b = transposeB ? [n, k] : [k, n];
        cases.push({
          name: `matmul ${m}x${k}x${n}${transposeA ? ' aT' : ''}${transposeB ? ' bT' : ''}`,
          inputs: [f(a), f(b)],
          run: ([x, y]) => matmul(x, y, { transposeA, transposeB }),
          composed: ([x, y]) => {
            const xa = transposeA ? transpose(x) : x;
            const yb = transposeB ? transpose(y) : y;
            return sum(mul(reshape(xa, [m, k, 1]), reshape(yb, [1, k, n])), 1);
          },
        });
      }
    }
  }
  cases.push({
    name: 'matmul batched [2,3,5,7]·[7,4]',
    inputs: [f([2, 3, 5, 7]), f([7, 4])],
    run: ([a, b]) => matmul(a, b),
  });
  cases.push({
    name: 'matmul batched [2,5,7]·[2,7,3]',
    inputs: [f([2, 5, 7]), f([2, 7, 3])],
    run: ([a, b]) => matmul(a, b),
  });
  cases.push({
    name: 'matmul broadcast [5,7]·[3,7,2]',
    inputs: [f([5, 7]), f([3, 7, 2])],
    run: ([a, b]) => matmul(a, b),
  });
  cases.push({
    name: 'matmul mixed batch [2,1,5,7]·[1,3,7,2] bT',
    inputs: [f([2, 1, 5, 7]), f([1, 3, 2, 7])],
    run: ([a, b]) => matmul(a, b, { transposeB: true }),
  });
  for (const dtype of ['f16', 'bf16'] as const) {
    cases.push({
      name: `matmul ${dtype} weights 3x67x17 bT`,
      inputs: [f([3, 67]), f([17, 67], { dtype, grad: false })],
      run: ([a, b]) => matmul(a, b, { transposeB: true }),
    });
    cases.push({
      name: `matmul ${dtype} weights 17x67x9 (tiled)`,
      inputs: [f([17, 67]), f([67, 9], { dtype, grad: false })],
      run: ([a, b]) => matmul(a, b),
    });
    cases.push({
      name: `matmul ${dtype} weights GEMV 1x1000x17`,
      inputs: [f([1, 1000]), f([1000, 17], { dtype, grad: false })],
      run: ([a, b]) => matmul(a, b),
    });
  }
  return cases;
}

function shapeCases(): Case[] {
  return [
    { name: 'reshape [3,17]→[17,3]', inputs: [f([3, 17])], run: ([x]) => mul(reshape(x, [17, 3]), 2) },
    { name: 'permute [2,3,5]→[2,0,1]', inputs: [f([2, 3, 5])], run: ([x]) => permute(x, [2, 0, 1]) },
    { name: 'transpose [17,67]', inputs: [f([17, 67])], run: ([x]) => transpose(x) },
    {
      name: 'slice [3,17] rows 1.. cols 2..15',
      inputs: [f([3, 17])],
      run: ([x]) => slice(x, [1, 2], [3, 15]),
    },
    {
      name: 'concat axis 1',
      inputs: [f([3, 5]), f([3, 1]), f([3, 17])],
      run: (xs) => concat(xs, 1),
    },
    { name: 'concat axis 0', inputs: [f([1, 4]), f([3, 4])], run: (xs) => concat(xs, 0) },
    {
      name: 'split [3,21] into 5,16 then recombine',
      inputs: [f([3, 21])],
      run: ([x]) => {
        const [a, b] = split(x, [5, 16], 1);
        return add(sum(a, 1), sum(mul(b, b), 1));
      },
    },
    { name: 'broadcastTo [3,1]→[2,3,17]', inputs: [f([3, 1])], run: ([x]) => broadcastTo(x, [2, 3, 17]) },
    {
      name: 'gather rows of [17,67] (repeated ids)',
      inputs: [f([17, 67]), f([2, 5], { kind: 'ids', max: 17 })],
      run: ([t, ids]) => gather(t, ids),
    },
    {
      name: 'gather bf16 table',
      inputs: [f([17, 5], { dtype: 'bf16', grad: false }), f([4], { kind: 'ids', max: 17 })],
      run: ([t, ids]) => gather(t, ids),
    },
    // rounding to 16 bits makes central differences meaningless: no finite-difference check
    {
      name: 'cast f32→bf16→f32',
      inputs: [f([1000])],
      run: ([x]) => cast(cast(x, 'bf16'), 'f32'),
      noFiniteDifference: true,
    },
    {
      name: 'cast f32→f16→f32',
      inputs: [f([67])],
      run: ([x]) => cast(cast(x, 'f16'), 'f32'),
      noFiniteDifference: true,
    },
    {
      name: 'add i32',
      inputs: [f([17], { kind: 'ids', max: 100 }), f([1], { kind: 'ids', max: 100 })],
      run: ([a, b]) => add(a, b),
    },
    { name: 'cast f32→i32', inputs: [f([17], { grad: false })], run: ([x]) => cast(mul(x, 10), 'i32') },
  ];
}

function nnCases(): Case[] {
  const cases: Case[] = [];
  for (const shape of [
    [3, 17],
    [1, 1000],
    [2, 3, 67],
  ]) {
    cases.push({
      name: `softmax [${shape}]`,
      inputs: [f(shape)],
      run: ([x]) => softmax(x),
      composed: ([x]) => {
        const e = exp(sub(x, max(x, -1, true)));
        return div(e, sum(e, -1, true));
      },
    });
    cases.push({
      name: `logSoftmax [${shape}]`,
      inputs: [f(shape)],
      run: ([x]) => logSoftmax(x),
      composed: ([x]) => sub(x, log(sum(exp(x), -1, true))),
    });
  }
  cases.push({ name: 'softmax axis 0 [17,3]', inputs: [f([17, 3])], run: ([x]) => softmax(x, 0) });
  for (const [n, v] of [
    [5, 17],
    [3, 1000],
    [1, 3],
  ]) {
    cases.push({
      name: `crossEntropy [${n},${v}] with ignored targets`,
      inputs: [f([n, v]), f([n], { kind: 'targets', max: v })],
      run: ([x, t]) => crossEntropy(x, t),
    });
  }
  cases.push({
    name: 'crossEntropy [2,3,17] with mask',
    inputs: [f([2, 3, 17]), f([2, 3], { kind: 'targets', max: 17 }), f([2, 3], { kind: 'mask' })],
    run: ([x, t, m]) => crossEntropy(x, t, { mask: m }),
  });
  // the fused head + loss, over one chunk and over several (the last one short), with ignored and masked rows
  for (const [lead, d, v, chunkRows] of [
    [[7], 5, 19, undefined],
    [[2, 5], 6, 33, 3],
  ] as [number[], number, number, number | undefined][]) {
    cases.push({
      name: `linearCrossEntropy [${lead},${d}]·[${v},${d}]ᵀ, chunks of ${chunkRows ?? 'all'}`,
      inputs: [f([...lead, d]), f([v, d]), f(lead, { kind: 'targets', max: v }), f(lead, { kind: 'mask' })],
      run: ([x, w, t, m]) => linearCrossEntropy(x, w, t, { mask: m, chunkRows }),
      composed: ([x, w, t, m]) => crossEntropy(matmul(x, w, { transposeB: true }), t, { mask: m }),
    });
  }
  for (const shape of [
    [3, 17],
    [2, 1000],
    [1, 67],
  ]) {
    const c = shape[shape.length - 1];
    cases.push({
      name: `rmsNorm [${shape}]`,
      inputs: [f(shape), f([c])],
      run: ([x, w]) => rmsNorm(x, w, 1e-6),
      composed: ([x, w]) => mul(mul(x, rsqrt(add(mean(mul(x, x), -1, true), 1e-6))), w),
    });
  }
  for (const shape of [[1000], [3, 17]]) {
    cases.push({
      name: `swiglu [${shape}]`,
      inputs: [f(shape), f(shape)],
      run: ([g, u]) => swiglu(g, u),
      composed: ([g, u]) => mul(silu(g), u),
    });
  }
  return cases;
}

function ropeCases(): Case[] {
  const cases: Case[] = [];
  for (const interleaved of [true, false]) {
    for (const shape of [
      [2, 5, 3, 8],
      [1, 17, 1, 6],
    ]) {
      cases.push({
        name: `rope ${interleaved ? 'interleaved' : 'half-split'} [${shape}]`,
        inputs: [f(shape), f([shape[1]], { kind: 'positions' })],
        run: ([x, p]) => rope(x, p, { theta: 10000, interleaved }),
      });
    }
  }
  cases.push({
    name: 'rope YaRN factor 4',
    inputs: [f([1, 5, 2, 16]), f([5], { kind: 'positions' })],
    run: ([x, p]) =>
      rope(x, p, {
        theta: 10000,
        interleaved: true,
        scaling: { factor: 4, originalMaxPositionEmbeddings: 64, mscale: 1, mscaleAllDim: 0.5 },
      }),
  });
  return cases;
}

/** softmax(q kᵀ · scale + mask) v from primitive ops (broadcasting one KV head over all heads). */
function attentionComposed(q: Tensor, k: Tensor, v: Tensor, scale: number, causal: boolean, offset: number) {
  const [, , tq] = q.shape;
  const tk = k.shape[2];
  const scores = mul(matmul(q, k, { transposeB: true }), scale);
  if (!causal) return matmul(softmax(scores), v);
  const allowed = Float32Array.from({ length: tq * tk }, (_, i) =>
    i % tk <= offset + Math.floor(i / tk) ? 1 : 0,
  );
  const mask = tensor(allowed, [tq, tk], { backend: q.backend });
  return matmul(softmax(where(mask, scores, -1e30)), v);
}

function attentionCases(): Case[] {
  const cases: Case[] = [];
  const shapes: [number, number, number, number, number, number, number][] = [
    // batch, heads, kvHeads, tq, tk, d, dv
    [1, 2, 2, 5, 5, 8, 8],
    [2, 3, 3, 17, 17, 4, 6],
    [1, 4, 1, 3, 7, 5, 3],
    [1, 2, 1, 1, 9, 6, 4],
  ];
  for (const [b, h, hk, tq, tk, d, dv] of shapes) {
    for (const causal of [true, false]) {
      const offset = causal ? tk - tq : 0;
      const scale = 1 / Math.sqrt(d);
      cases.push({
        name: `attention B${b} H${h} Hk${hk} Tq${tq} Tk${tk} D${d} Dv${dv}${causal ? ` causal+${offset}` : ''}`,
        inputs: [f([b, h, tq, d]), f([b, hk, tk, d]), f([b, hk, tk, dv])],
        run: ([q, k, v]) => attention(q, k, v, { causal, scale, queryOffset: offset }),
        composed: ([q, k, v]) => attentionComposed(q, k, v, scale, causal, offset),
      });
    }
  }
  return cases;
}

/** Seeded random dims in [1, max], biased toward awkward sizes (never a multiple of 4 unless 1..3 wraps). */
function randomDims(seed: number, count: number, max: number): number[] {
  const u = new Float64Array(count);
  fillRandom(u, 'uniform', seed, 99, 0, 1);
  return Array.from(u, (x) => {
    const d = 1 + Math.floor(x * max);
    return d % 4 === 0 ? d + 1 : d;
  });
}

/** A few cases on seeded random shapes (the fixed lists above cover the named awkward sizes). */
function randomShapeCases(): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < 4; i++) {
    const [m, k, n, b] = randomDims(1000 + i, 4, 70);
    cases.push({
      name: `matmul random ${m}x${k}x${n}`,
      inputs: [f([m, k]), f([n, k])],
      run: ([x, y]) => matmul(x, y, { transposeB: true }),
    });
    const shape = [b % 5 || 1, m, 3];
    cases.push({
      name: `mul random broadcast [${shape}]·[${m},1]`,
      inputs: [f(shape), f([m, 1])],
      run: ([x, y]) => mul(x, y),
    });
    cases.push({ name: `softmax random [${n},${k}]`, inputs: [f([n, k])], run: ([x]) => softmax(x) });
  }
  return cases;
}

export function allCases(): Case[] {
  return [
    ...randomShapeCases(),
    ...elementwiseCases(),
    ...reductionCases(),
    ...matmulCases(),
    ...shapeCases(),
    ...nnCases(),
    ...ropeCases(),
    ...attentionCases(),
    ...viewCases(),
    ...topkCases(),
    ...quantCases(),
  ];
}
