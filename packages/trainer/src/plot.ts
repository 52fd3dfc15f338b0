/** One curve of a plot. */
export interface PlotSeries {
  name: string;
  points: [number, number][];
  /** A dashed line (e.g. eval curves). */
  dashed?: boolean;
}

export interface PlotOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  logY?: boolean;
  /** Vertical markers, e.g. stage boundaries. */
  markers?: { x: number; label: string }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/** A self-contained SVG line chart (no dependencies), e.g. loss, learning rate or eval curves. */
export function svgLinePlot(series: PlotSeries[], opts: PlotOptions): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 320;
  const m = { left: 64, right: 16, top: 32, bottom: 44 };
  const finite = series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!opts.logY || y > 0));
  const tf = (y: number) => (opts.logY ? Math.log10(y) : y);
  const xs = finite.map((p) => p[0]);
  const ys = finite.map((p) => tf(p[1]));
  let [x0, x1] = xs.length ? extent(xs) : [0, 1];
  let [y0, y1] = ys.length ? extent(ys) : [0, 1];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (width - m.left - m.right);
  const py = (y: number) => height - m.bottom - ((tf(y) - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${esc(opts.title)}</text>`,
  ];
  for (const t of niceTicks(x0, x1, 6)) {
    parts.push(`<line x1="${px(t)}" y1="${m.top}" x2="${px(t)}" y2="${height - m.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${px(t)}" y="${height - m.bottom + 14}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1, 5)) {
    const y = height - m.bottom - ((t - y0) / (y1 - y0)) * (height - m.top - m.bottom);
    parts.push(`<line x1="${m.left}" y1="${y}" x2="${width - m.right}" y2="${y}" stroke="#eee"/>`);
    parts.push(
      `<text x="${m.left - 6}" y="${y + 4}" text-anchor="end">${fmt(opts.logY ? 10 ** t : t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${width - m.left - m.right}" height="${height - m.top - m.bottom}" fill="none" stroke="#888"/>`,
  );
  for (const mk of opts.markers ?? []) {
    if (mk.x < x0 || mk.x > x1) continue;
    parts.push(
      `<line x1="${px(mk.x)}" y1="${m.top}" x2="${px(mk.x)}" y2="${height - m.bottom}" stroke="#999" stroke-dasharray="2,3"/>`,
    );
    parts.push(`<text x="${px(mk.x) + 3}" y="${m.top + 11}" fill="#666">${esc(mk.label)}</text>`);
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(
      ([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!opts.logY || y > 0),
    );
    if (pts.length) {
      const d = pts.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
      parts.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`,
      );
      if (pts.length <= 40)
        for (const [x, y] of pts)
          parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2" fill="${color}"/>`);
    }
    parts.push(`<text x="${m.left + 8}" y="${m.top + 14 + i * 13}" fill="${color}">${esc(s.name)}</text>`);
  });
  if (opts.xLabel)
    parts.push(`<text x="${width / 2}" y="${height - 8}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  if (opts.yLabel) {
    parts.push(
      `<text x="14" y="${height / 2}" text-anchor="middle" transform="rotate(-90 14 ${height / 2})">${esc(opts.yLabel)}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** [min, max] of a non-empty list, by a loop (spreading a long run's points as arguments overflows the stack). */
function extent(values: readonly number[]): [number, number] {
  let lo = values[0];
  let hi = values[0];
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}
