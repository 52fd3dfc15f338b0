import type { AttentionParams, Storage } from '../../../backend.js';
import { type KernelContext, launch, releaseScratch, scratch } from '../context.js';
import { grid2d, output } from '../wgsl.js';
import { attentionTiles } from './attention.js';
import {
  attentionParams,
  blockCount,
  blockHead,
  entry,
  fmaChain,
  keyTiles,
  loadRow,
  openKeyTileLoop,
  perRow,
  prelude,
  range,
  share,
  type TileSource,
  tileDecls,
} from './attention-flash.js';

/**
 * Backward of the flash forward (see attention-flash.ts), recomputing probabilities from the saved
 * logsumexp:
 *   P_ij = exp(scale q_i·k_j - lse_i), dP_ij = dO_i·v_j, dS_ij = P_ij (dP_ij - D_i), D_i = dO_i·O_i,
 *   dq_i = scale Σ_j dS_ij k_j,  dk_j = scale Σ_i dS_ij q_i,  dv_j = Σ_i P_ij dO_i.
 * Two kernels, both without atomics (deterministic): query rows walk key tiles for D_i and dq_i; key
 * rows walk query tiles of every query head that reads them (all heads for a shared KV head) for dk_j
 * and dv_j.
 */

/** dq and D_i (to `dsum`) per query row. Bindings 4 lse, 5 dOut, 6 out, 7 dq, 8 dsum. */
function queryCode(p: AttentionParams, t: TileSource): string {
  const { d: D, dv: DV } = p;
  const W = t.width;
  const rows = (f: (r: number) => string) => perRow(t, f);
  return `${prelude(t)}
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> d_out: array<f32>;
@group(0) @binding(6) var<storage, read> o: array<f32>;
${output('dq', 7)}
${output('dsum', 8)}
${tileDecls(t, keyTiles(p))}
${entry(t)} {
  ${blockHead(t, 'tq()', 'heads()')}
  ${rows(
    (r) => `let i${r} = first + lane + ${r * W}u; let lim${r} = visible(min(i${r}, tq() - 1u));
    let row${r} = bh * tq() + min(i${r}, tq() - 1u);
    ${loadRow(`q${r}_`, 'q', `row${r}`, D)}
    ${loadRow(`g${r}_`, 'd_out', `row${r}`, DV)}
    ${loadRow(`o${r}_`, 'o', `row${r}`, DV)}
    let dsum${r} = ${fmaChain(
      DV,
      (c) => `g${r}_${c}`,
      (c) => `o${r}_${c}`,
      '0.0',
    )};
    let lse${r} = lse[row${r}];
    ${range(D)
      .map((c) => `var dq${r}_${c} = 0.0;`)
      .join(' ')}`,
  )}
  ${openKeyTileLoop(p, t)}
    ${rows((r) =>
      range(W)
        .map(
          (jj) => `let s${r}_${jj} = ${fmaChain(
            D,
            (c) => `q${r}_${c}`,
            (c) => `x_kt${jj}_${c}`,
            '0.0',
          )};
    let dp${r}_${jj} = ${fmaChain(
      DV,
      (c) => `g${r}_${c}`,
      (c) => `x_vt${jj}_${c}`,
      '0.0',
    )};
    let ds${r}_${jj} = select(0.0, exp(s${r}_${jj} * scale() - lse${r}), j0 + ${jj}u < lim${r}) * (dp${r}_${jj} - dsum${r});`,
        )
        .join('\n    '),
    )}
    ${rows((r) =>
      range(D)
        .map(
          (c) =>
            `dq${r}_${c} = ${fmaChain(
              W,
              (jj) => `ds${r}_${jj}`,
              (jj) => `x_kt${jj}_${c}`,
              `dq${r}_${c}`,
            )};`,
        )
        .join('\n    '),
    )}
  }
  ${rows(
    (r) => `if (i${r} < tq()) {
    ${range(D)
      .map((c) => `dq[row${r} * ${D}u + ${c}u] = dq${r}_${c} * scale();`)
      .join(' ')}
    dsum[row${r}] = dsum${r};
  }`,
  )}
}`;
}

/** dk, dv per key row. Bindings 4 lse, 5 dOut, 6 dsum, 7 dk, 8 dv. */
function keyCode(p: AttentionParams, t: TileSource): string {
  const { d: D, dv: DV } = p;
  const W = t.width;
  const rows = (f: (r: number) => string) => perRow(t, f);
  const tiles: [string, number][] = [
    ['qt', D],
    ['gt', DV],
    ['ls', 2],
  ];
  return `${prelude(t)}
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> d_out: array<f32>;
@group(0) @binding(6) var<storage, read> dsum: array<f32>;
${output('dk_out', 7)}
${output('dv_out', 8)}
${tileDecls(t, tiles)}
${entry(t)} {
  ${blockHead(t, 'tk()', 'kv_heads()')}
  let b = bh / kv_heads(); let kh = bh % kv_heads();
  ${rows(
    (r) => `let j${r} = first + lane + ${r * W}u;
    let krow${r} = bh * tk() + min(j${r}, tk() - 1u);
    ${loadRow(`k${r}_`, 'k', `krow${r}`, D)}
    ${loadRow(`v${r}_`, 'v', `krow${r}`, DV)}
    ${range(D)
      .map((c) => `var dk${r}_${c} = 0.0;`)
      .join(' ')}
    ${range(DV)
      .map((c) => `var dv${r}_${c} = 0.0;`)
      .join(' ')}`,
  )}
  // Causal: query i sees key j when queryOffset + i >= j, so the block's first key is first seen by
  // query first - queryOffset; earlier query tiles are skipped.
  var istart = 0u;
  if (pu(7u) == 1u) { istart = u32(clamp(i32(first) - bitcast<i32>(pu(8u)), 0, i32(tq()))); }
  let group = heads() / kv_heads();
  for (var h = kh * group; h < (kh + 1u) * group; h++) {
    let qbase = (b * heads() + h) * tq();
    for (var i0 = istart; i0 < tq(); i0 += ${W}u) {
      let il = qbase + min(i0 + lane, tq() - 1u);
      ${loadRow('qt', 'q', 'il', D)}
      ${loadRow('gt', 'd_out', 'il', DV)}
      let ls0 = lse[il]; let ls1 = dsum[il];
      ${share(t, tiles)}
      ${range(W)
        .map((ii) => `let vis${ii} = select(0u, visible(i0 + ${ii}u), i0 + ${ii}u < tq());`)
        .join('\n      ')}
      ${rows((r) =>
        range(W)
          .map(
            (ii) => `let s${r}_${ii} = ${fmaChain(
              D,
              (c) => `k${r}_${c}`,
              (c) => `x_qt${ii}_${c}`,
              '0.0',
            )};
      let dp${r}_${ii} = ${fmaChain(
        DV,
        (c) => `v${r}_${c}`,
        (c) => `x_gt${ii}_${c}`,
        '0.0',
      )};
      let p${r}_${ii} = select(0.0, exp(s${r}_${ii} * scale() - x_ls${ii}_0), j${r} < vis${ii});
      let ds${r}_${ii} = p${r}_${ii} * (dp${r}_${ii} - x_ls${ii}_1);`,
          )
          .join('\n      '),
      )}
      ${rows((r) =>
        [
          ...range(DV).map(
            (c) =>
              `dv${r}_${c} = ${fmaChain(
                W,
                (ii) => `p${r}_${ii}`,
                (ii) => `x_gt${ii}_${c}`,
                `dv${r}_${c}`,
              )};`,
          ),
          ...range(D).map(
            (c) =>
              `dk${r}_${c} = ${fmaChain(
                W,
                (ii) => `ds${r}_${ii}`,
                (ii) => `x_qt${ii}_${c}`,
                `dk${r}_${c}`,
              )};`,
          ),
        ].join('\n      '),
      )}
    }
  }
  ${rows(
    (r) => `if (j${r} < tk()) {
    ${range(D)
      .map((c) => `dk_out[krow${r} * ${D}u + ${c}u] = dk${r}_${c} * scale();`)
      .join(' ')}
    ${range(DV)
      .map((c) => `dv_out[krow${r} * ${DV}u + ${c}u] = dv${r}_${c};`)
      .join(' ')}
  }`,
  )}
}`;
}

export function attentionBackward(
  ctx: KernelContext,
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
): void {
  const rows = p.batch * p.heads * p.tq;
  const keyRows = p.batch * p.kvHeads * p.tk;
  const params = attentionParams(p);
  const dsum = scratch(ctx, rows, 'f32');
  if (rows > 0) {
    const t = attentionTiles(ctx, p, 2);
    const storages = [q, k, v, lse, dOut, out, dq, dsum];
    const groups = grid2d(blockCount(t, p.batch * p.heads, p.tq));
    launch(ctx, `attention backward (dq, ${t.kind})`, queryCode(p, t), params, storages, groups);
  }
  if (keyRows > 0) {
    const t = attentionTiles(ctx, p, 2);
    const storages = [q, k, v, lse, dOut, dsum, dk, dv];
    const groups = grid2d(blockCount(t, p.batch * p.kvHeads, p.tk));
    launch(ctx, `attention backward (dk, dv, ${t.kind})`, keyCode(p, t), params, storages, groups);
  }
  releaseScratch(ctx, dsum);
}
