import type { ChatFormat } from './format.js';
import type { Policy } from './policy.js';
import type { Domain, Trajectory, Usage } from './types.js';

/** Counters of one `synthesize` call (records from earlier runs are counted from the shards). */
export interface RunTally {
  attempted: number;
  duplicates: number;
  errors: number;
  usage: Usage;
  newKept: Trajectory[];
  newRejected: Trajectory[];
}

export interface TokenStats {
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

export interface DomainReport {
  kept: number;
  rejected: number;
  /** kept / (kept + rejected): the share of completed episodes that passed verification. */
  passRate: number;
  byDifficulty: Record<string, number>;
  /** Why records were rejected: the checker failed, the format failed, or the episode was cut off. */
  rejectReasons: Record<string, number>;
  tokens: TokenStats;
}

export interface SynthReport {
  wanted: number;
  kept: number;
  rejected: number;
  domains: Partial<Record<Domain, DomainReport>>;
  run: { attempted: number; duplicates: number; errors: number; seconds: number; keptPerSecond: number };
  policy: string;
  teacher: { model: string; usage: Usage } | null;
  tokenizer: 'provided' | 'estimate (4 UTF-8 bytes per token)';
}

function stats(values: number[]): TokenStats {
  const sorted = values.slice().sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const mean = sorted.length ? sorted.reduce((s, v) => s + v, 0) / sorted.length : 0;
  return { mean: Math.round(mean), p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 };
}

function rejectReason(t: Trajectory): string {
  const d = t.verdict.details;
  if (d.stop !== 'final') return `stopped:${String(d.stop)}`;
  if (d.format !== 'ok') return 'format';
  return `checker:${t.verdict.checker.split('+')[0]}`;
}

export function buildReport(input: {
  kept: Trajectory[];
  rejected: Trajectory[];
  tally: RunTally;
  wanted: number;
  seconds: number;
  countTokens: ((text: string) => number) | undefined;
  chatFormat: ChatFormat;
  policy: Policy;
}): SynthReport {
  const count = input.countTokens ?? ((text: string) => Math.ceil(Buffer.byteLength(text) / 4));
  const domains: SynthReport['domains'] = {};
  for (const t of [...input.kept, ...input.rejected]) {
    domains[t.domain] ??= {
      kept: 0,
      rejected: 0,
      passRate: 0,
      byDifficulty: {},
      rejectReasons: {},
      tokens: stats([]),
    };
  }
  for (const [domain, report] of Object.entries(domains) as [Domain, DomainReport][]) {
    const kept = input.kept.filter((t) => t.domain === domain);
    const rejected = input.rejected.filter((t) => t.domain === domain);
    report.kept = kept.length;
    report.rejected = rejected.length;
    report.passRate = kept.length / Math.max(1, kept.length + rejected.length);
    for (const t of kept)
      report.byDifficulty[`d${t.task.difficulty}`] = (report.byDifficulty[`d${t.task.difficulty}`] ?? 0) + 1;
    for (const t of rejected)
      report.rejectReasons[rejectReason(t)] = (report.rejectReasons[rejectReason(t)] ?? 0) + 1;
    report.tokens = stats(kept.map((t) => count(input.chatFormat.render(t.messages, t.tools))));
  }
  const { tally } = input;
  return {
    wanted: input.wanted,
    kept: input.kept.length,
    rejected: input.rejected.length,
    domains,
    run: {
      attempted: tally.attempted,
      duplicates: tally.duplicates,
      errors: tally.errors,
      seconds: Number(input.seconds.toFixed(3)),
      keptPerSecond: Number((tally.newKept.length / Math.max(input.seconds, 1e-9)).toFixed(1)),
    },
    policy: input.policy.name,
    teacher: input.policy.model ? { model: input.policy.model, usage: tally.usage } : null,
    tokenizer: input.countTokens ? 'provided' : 'estimate (4 UTF-8 bytes per token)',
  };
}
