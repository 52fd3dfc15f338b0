import type { AttentionParams } from '../../../backend.js';
import { output, PARAMS_WGSL, Params } from '../wgsl.js';

/**
 * Flash attention code generation, shared by the forward (here) and the backward (attention-backward.ts).
 * A workgroup of W threads owns R = W·rows query rows (forward, dq) or key rows (dk, dv), `rows` per
 * thread, each row's vectors and accumulators held in registers. It walks the other side in tiles of W
 * rows: each thread loads one row of the tile, the tile is shared, and every thread reads it element by
 * element, so each loaded value feeds `rows` FMAs in every thread. The tile is shared either
 *  - in workgroup memory (`workgroup`: stored, barrier, read back; the layout for hardware GPUs), or
 *  - by subgroupBroadcast within one subgroup (`subgroup`: the workgroup is one subgroup; for Mesa
 *    lavapipe, which compiles every storage or workgroup-memory load inside a loop to a loop over the
 *    lanes, ~20 cycles a lane, while a broadcast is one register permute).
 * The forward keeps an online softmax (running max and sum per row, rescaling the accumulators once
 * per tile); the backward recomputes P from the saved logsumexp, never an [tq, tk] matrix; causal tiles
 * past a block's last visible key (or before its first seeing query) are skipped. The code is unrolled
 * over the head dims and the tile (broadcast lanes must be constants), so d and dv are baked in.
 */
export interface TileSource {
  kind: 'subgroup' | 'workgroup';
  /** Threads per workgroup = rows of a tile (the subgroup size for `subgroup`). */
  width: number;
  /** Rows each thread owns. */
  rows: number;
  /**
   * Mixed precision (forward only, `shader-f16`): q, the shared k/v tiles and P rounded to f16 and their
   * products taken in f16, summed in f32; the softmax statistics stay f32.
   */
  f16?: boolean;
}

/**
 * Parameter words shared by the attention kernels: batch, heads, kvHeads, tq, tk, d, dv, causal,
 * queryOffset (signed), scale.
 */
export function attentionParams(p: AttentionParams): Params {
  return new Params()
    .u(p.batch, p.heads, p.kvHeads, p.tq, p.tk, p.d, p.dv, p.causal ? 1 : 0)
    .u(p.queryOffset)
    .f(p.scale);
}

export const ATTENTION_WGSL = /* wgsl */ `
fn heads() -> u32 { return pu(1u); }
fn kv_heads() -> u32 { return pu(2u); }
fn tq() -> u32 { return pu(3u); }
fn tk() -> u32 { return pu(4u); }
fn scale() -> f32 { return pf(9u); }
/** The KV head query head h reads: its own, or the single shared one. */
fn kv_head(h: u32) -> u32 { return h / (heads() / kv_heads()); }
/** Keys query row i sees: all, or with causal keys j <= queryOffset + i (queryOffset may be negative). */
fn visible(i: u32) -> u32 {
  if (pu(7u) == 0u) { return tk(); }
  return u32(clamp(bitcast<i32>(pu(8u)) + i32(i) + 1, 0, i32(tk())));
}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
`;

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const lines = (n: number, f: (i: number) => string) => range(n).map(f).join('\n');

/** `let ${name}${c} = wrap(buf[row * width + c])` for c < width. */
export function loadRow(
  name: string,
  buf: string,
  row: string,
  width: number,
  wrap = (e: string) => e,
): string {
  return `let ${name}base = (${row}) * ${width}u;\n${lines(width, (c) => `let ${name}${c} = ${wrap(`${buf}[${name}base + ${c}u]`)};`)}`;
}

/** fma(a(n-1), b(n-1), ... fma(a(0), b(0), init)): one SSA expression (no per-step masked store). */
export function fmaChain(
  n: number,
  a: (i: number) => string,
  b: (i: number) => string,
  init: string,
  f16 = false,
): string {
  let e = init;
  for (let i = 0; i < n; i++) e = f16 ? `(${e} + f32(${a(i)} * ${b(i)}))` : `fma(${a(i)}, ${b(i)}, ${e})`;
  return e;
}

/** `statement(r)` for each row a thread owns, one per line. */
export function perRow(t: TileSource, statement: (r: number) => string): string {
  return range(t.rows).map(statement).join('\n    ');
}

/** Workgroup arrays for the tiles `names` of `widths` columns (none for subgroup sharing). */
export function tileDecls(t: TileSource, tiles: [string, number][]): string {
  if (t.kind === 'subgroup') return '';
  const type = t.f16 ? 'f16' : 'f32';
  return tiles
    .map(([name, cols]) => `var<workgroup> t_${name}: array<${type}, ${t.width * cols}>;`)
    .join('\n');
}

/**
 * Shares the thread's tile row `${name}0..${name}{cols-1}` so that `x_${name}${jj}_${c}` is thread jj's
 * `${name}${c}` for every jj < width. In workgroup memory this costs two barriers per tile (the second
 * lets the next tile overwrite it); by subgroupBroadcast, none.
 */
export function share(t: TileSource, tiles: [string, number][]): string {
  if (t.kind === 'subgroup') {
    return tiles
      .map(([name, cols]) =>
        lines(t.width, (jj) =>
          range(cols)
            .map((c) => `let x_${name}${jj}_${c} = subgroupBroadcast(${name}${c}, ${jj}u);`)
            .join(' '),
        ),
      )
      .join('\n');
  }
  const store = tiles
    .map(([name, cols]) =>
      range(cols)
        .map((c) => `t_${name}[lane * ${cols}u + ${c}u] = ${name}${c};`)
        .join(' '),
    )
    .join('\n');
  const read = tiles
    .map(([name, cols]) =>
      lines(t.width, (jj) =>
        range(cols)
          .map((c) => `let x_${name}${jj}_${c} = t_${name}[${jj * cols + c}u];`)
          .join(' '),
      ),
    )
    .join('\n');
  return `${store}\nworkgroupBarrier();\n${read}\nworkgroupBarrier();`;
}

/** The entry point; the body sees `lane` (the thread's index in the workgroup or subgroup). */
export function entry(t: TileSource): string {
  const header = `@compute @workgroup_size(${t.width})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, `;
  return t.kind === 'subgroup'
    ? `${header}@builtin(subgroup_invocation_id) lane: u32)`
    : `${header}@builtin(local_invocation_index) lane: u32)`;
}

export function prelude(t: TileSource): string {
  const enable = `${t.f16 ? 'enable f16;\n' : ''}${t.kind === 'subgroup' ? 'enable subgroups;\n' : ''}`;
  return `${enable}${PARAMS_WGSL}${ATTENTION_WGSL}`;
}

/** Binds `bh` (batch·head) and `first` (first row) of this workgroup, on ceil(n / R) blocks per head. */
export function blockHead(t: TileSource, n: string, heads: string): string {
  const R = t.width * t.rows;
  return `let blocks = (${n} + ${R - 1}u) / ${R}u;
  let g = wg.y * nwg.x + wg.x;
  let bh = g / blocks;
  if (bh >= pu(0u) * ${heads}) { return; }
  let first = (g % blocks) * ${R}u;`;
}

/** Workgroups of the grid `blockHead` decodes. */
export function blockCount(t: TileSource, heads: number, n: number): number {
  return heads * Math.ceil(n / (t.width * t.rows));
}

/** Rounds an f32 expression to f16 in mixed precision. */
export const half = (t: TileSource) => (e: string) => (t.f16 ? `f16(${e})` : e);

/** The tiles of the query-row kernels (forward, dq): rows of k and of v. */
export function keyTiles(p: AttentionParams): [string, number][] {
  return [
    ['kt', p.d],
    ['vt', p.dv],
  ];
}

/**
 * Opens the key-tile loop of the query-row kernels (forward, dq) for head `bh`: tiles of W keys up to
 * the last key the block's last row sees, each lane loading one key's k and v rows, then shared as
 * x_kt / x_vt. The caller writes the loop body and closes it.
 */
export function openKeyTileLoop(p: AttentionParams, t: TileSource): string {
  const W = t.width;
  return `let b = bh / heads(); let h = bh % heads();
  let kvbase = (b * kv_heads() + kv_head(h)) * tk();
  let kend = visible(min(first + ${W * t.rows - 1}u, tq() - 1u));
  for (var j0 = 0u; j0 < kend; j0 += ${W}u) {
    let jl = kvbase + min(j0 + lane, tk() - 1u);
    ${loadRow('kt', 'k', 'jl', p.d, half(t))}
    ${loadRow('vt', 'v', 'jl', p.dv, half(t))}
    ${share(t, keyTiles(p))}`;
}

export function forwardCode(p: AttentionParams, t: TileSource): string {
  const { d: D, dv: DV } = p;
  const W = t.width;
  const rows = (f: (r: number) => string) => perRow(t, f);
  const s = (r: number, jj: number) => `s${r}_${jj}`;
  return `${prelude(t)}
${output('out', 4)}
${output('lse', 5)}
${tileDecls(t, keyTiles(p))}
${entry(t)} {
  ${blockHead(t, 'tq()', 'heads()')}
  let ninf = -inf();
  ${rows((r) => `let i${r} = first + lane + ${r * W}u; let lim${r} = visible(min(i${r}, tq() - 1u)); var m${r} = ninf; var l${r} = 0.0;`)}
  ${rows((r) => loadRow(`q${r}_`, 'q', `bh * tq() + min(i${r}, tq() - 1u)`, D, (e) => half(t)(`${e} * scale()`)))}
  ${rows((r) =>
    range(DV)
      .map((c) => `var acc${r}_${c} = 0.0;`)
      .join(' '),
  )}
  ${openKeyTileLoop(p, t)}
    ${rows((r) =>
      range(W)
        .map(
          (jj) =>
            `let ${s(r, jj)} = select(ninf, ${fmaChain(
              D,
              (c) => `q${r}_${c}`,
              (c) => `x_kt${jj}_${c}`,
              '0.0',
              t.f16,
            )}, j0 + ${jj}u < lim${r});`,
        )
        .join('\n    '),
    )}
    ${rows(
      (r) => `let mn${r} = max(m${r}, ${range(W)
        .map((jj) => s(r, jj))
        .reduce((a, b) => `max(${a}, ${b})`)});
    let a${r} = select(1.0, exp(m${r} - mn${r}), mn${r} > ninf);
    ${range(W)
      .map((jj) => `let p${r}_${jj} = select(0.0, exp(${s(r, jj)} - mn${r}), ${s(r, jj)} > ninf);`)
      .join(' ')}
    l${r} = l${r} * a${r} + ${range(W)
      .map((jj) => `p${r}_${jj}`)
      .join(' + ')};
    m${r} = mn${r};`,
    )}
    ${rows((r) =>
      range(DV)
        .map(
          (c) =>
            `acc${r}_${c} = ${fmaChain(
              W,
              (jj) => half(t)(`p${r}_${jj}`),
              (jj) => `x_vt${jj}_${c}`,
              `acc${r}_${c} * a${r}`,
              t.f16,
            )};`,
        )
        .join('\n    '),
    )}
  }
  ${rows(
    (r) => `if (i${r} < tq()) {
    let row = bh * tq() + i${r};
    let inv = select(0.0, 1.0 / l${r}, l${r} > 0.0);
    ${range(DV)
      .map((c) => `out[row * ${DV}u + ${c}u] = acc${r}_${c} * inv;`)
      .join(' ')}
    lse[row] = select(ninf, m${r} + log(l${r}), l${r} > 0.0);
  }`,
  )}
}`;
}
