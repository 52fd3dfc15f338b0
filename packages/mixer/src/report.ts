import type { FilterCounts } from './clean.js';
import type { Curriculum } from './config.js';
import type { MixPlan } from './plan.js';
import type { MixStats } from './stream.js';

/** The report of a build: planned vs delivered tokens per source per stage, filters, throughput. */
export interface MixReport {
  totalTokens: { planned: number; delivered: number };
  stages: {
    name: string;
    seqLen: number;
    lr: string;
    planned: number;
    delivered: number;
    sources: {
      name: string;
      domain: string;
      planned: number;
      delivered: number;
      share: number;
      documents: number;
    }[];
  }[];
  filters: ({ source: string } & FilterCounts & { malformed: number })[];
  problems: string[];
  events: MixStats['events'];
  throughput: { seconds: number; tokens: number; tokensPerSecond: number };
  /** Share of each source in 100 slices of the run (rows sum to 1 where tokens were delivered). */
  timeline: { source: string; domain: string; shares: number[] }[];
}

export function buildReport(
  c: Curriculum,
  plan: MixPlan,
  stats: MixStats,
  throughput: MixReport['throughput'],
): MixReport {
  const stages = plan.stages.map((p, s) => {
    const delivered = stats.delivered[s].reduce((a, b) => a + b, 0);
    return {
      name: p.name,
      seqLen: p.seqLen,
      lr: p.lr,
      planned: p.tokens,
      delivered,
      sources: p.sources.map((src, i) => ({
        name: src.name,
        domain: src.domain,
        planned: src.tokens,
        delivered: stats.delivered[s][i],
        share: delivered ? stats.delivered[s][i] / delivered : 0,
        documents: stats.documents[s][i],
      })),
    };
  });
  const sliceTotals = stats.timeline.map((row) => row.reduce((a, b) => a + b, 0));
  return {
    totalTokens: { planned: plan.totalTokens, delivered: stages.reduce((a, s) => a + s.delivered, 0) },
    stages,
    filters: c.sources.map((s, i) => ({ source: s.name, ...stats.filters[i], malformed: stats.problems[i] })),
    problems: stats.problemSamples,
    events: stats.events,
    throughput,
    timeline: c.sources.map((s, i) => ({
      source: s.name,
      domain: s.domain,
      shares: stats.timeline.map((row, k) => (sliceTotals[k] ? row[i] / sliceTotals[k] : 0)),
    })),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const int = (x: number) => x.toLocaleString('en-US');

/** The report as Markdown tables. */
export function reportMarkdown(r: MixReport): string {
  const lines = [
    '# Mix report',
    '',
    `Tokens: ${int(r.totalTokens.delivered)} delivered of ${int(r.totalTokens.planned)} planned; ${int(Math.round(r.throughput.tokensPerSecond))} tokens/s over ${r.throughput.seconds.toFixed(1)} s.`,
    '',
  ];
  for (const s of r.stages) {
    lines.push(
      `## ${s.name} (seq ${s.seqLen}, lr ${s.lr})`,
      '',
      '| source | domain | planned | delivered | share | documents |',
      '| --- | --- | ---: | ---: | ---: | ---: |',
    );
    for (const src of s.sources)
      lines.push(
        `| ${src.name} | ${src.domain} | ${int(src.planned)} | ${int(src.delivered)} | ${pct(src.share)} | ${int(src.documents)} |`,
      );
    lines.push(`| **total** | | ${int(s.planned)} | ${int(s.delivered)} | | |`, '');
  }
  lines.push(
    '## Filters',
    '',
    '| source | seen | kept | too short | too long | repetitive | exact dup | near dup | quality | unverified | malformed |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const f of r.filters)
    lines.push(
      `| ${f.source} | ${f.seen} | ${f.kept} | ${f.tooShort} | ${f.tooLong} | ${f.repetitive} | ${f.exactDuplicate} | ${f.nearDuplicate} | ${f.quality} | ${f.unverified} | ${f.malformed} |`,
    );
  if (r.problems.length) lines.push('', '## Problems (first few)', '', ...r.problems.map((p) => `- ${p}`));
  if (r.events.length)
    lines.push(
      '',
      '## Events',
      '',
      ...r.events.map((e) => `- stage ${r.stages[e.stage]?.name ?? e.stage}: ${e.source} ${e.event}`),
    );
  return `${lines.join('\n')}\n`;
}

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** A stacked-area SVG of each source's share of the tokens over the run, with stage boundaries. */
export function reportSvg(r: MixReport): string {
  const W = 720;
  const H = 300;
  const L = 40;
  const T = 20;
  const PW = W - L - 160;
  const PH = H - T - 40;
  const slices = r.timeline[0]?.shares.length ?? 0;
  const x = (k: number) => L + (PW * k) / Math.max(1, slices);
  const y = (v: number) => T + PH * (1 - v);
  const parts: string[] = [];
  const base = new Array<number>(slices).fill(0);
  r.timeline.forEach((src, i) => {
    const top = base.map((b, k) => b + src.shares[k]);
    const upper = top.flatMap((v, k) => [
      `${x(k).toFixed(1)},${y(v).toFixed(1)}`,
      `${x(k + 1).toFixed(1)},${y(v).toFixed(1)}`,
    ]);
    const lower = base
      .flatMap((v, k) => [
        `${x(k + 1).toFixed(1)},${y(v).toFixed(1)}`,
        `${x(k).toFixed(1)},${y(v).toFixed(1)}`,
      ])
      .reverse();
    parts.push(
      `<polygon fill="${PALETTE[i % PALETTE.length]}" points="${[...upper, ...lower].join(' ')}"><title>${esc(src.source)}</title></polygon>`,
    );
    parts.push(
      `<rect x="${L + PW + 16}" y="${T + i * 18}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/><text x="${L + PW + 34}" y="${T + i * 18 + 10}">${esc(src.source)} (${esc(src.domain)})</text>`,
    );
    top.forEach((v, k) => {
      base[k] = v;
    });
  });
  let acc = 0;
  for (const s of r.stages) {
    const at = L + (PW * acc) / Math.max(1, r.totalTokens.planned);
    parts.push(
      `<line x1="${at.toFixed(1)}" y1="${T}" x2="${at.toFixed(1)}" y2="${T + PH}" stroke="#000" stroke-dasharray="3,3"/><text x="${(at + 3).toFixed(1)}" y="${T + PH + 14}">${esc(s.name)}</text>`,
    );
    acc += s.planned;
  }
  parts.push(
    `<text x="${L}" y="${H - 6}">share of tokens over the run (${r.totalTokens.planned.toLocaleString('en-US')} planned)</text>`,
  );
  parts.push(`<text x="4" y="${T + 8}">100%</text><text x="4" y="${T + PH}">0%</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">\n${parts.join('\n')}\n</svg>\n`;
}

function esc(s: string): string {
  return s.replace(/[<>&"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
