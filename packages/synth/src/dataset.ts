import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { episodeToMessages } from './cot.js';
import { DOMAIN_MODULES, generateTask } from './domains/index.js';
import { Environment } from './env.js';
import { runEpisode } from './episode.js';
import { SynthOptionError } from './errors.js';
import { type ChatFormat, youtuFormat } from './format.js';
import { ScriptedPolicy } from './policies/scripted.js';
import { addUsage, emptyUsage, type Policy } from './policy.js';
import { buildReport, type RunTally, type SynthReport } from './report.js';
import { Sandbox } from './sandbox.js';
import { readTrajectories, type ShardFormat, ShardWriter, writeFileAtomic } from './shards.js';
import { DIFFICULTIES, type Difficulty, DOMAINS, type Domain, type Task, type Trajectory } from './types.js';
import { verifyEpisode } from './verify.js';

export interface SynthesizeOptions {
  /** Output directory: shards, `report.json`. Existing shards there are resumed from. */
  out: string;
  /** Verified trajectories wanted in total, split evenly over domains × difficulties. */
  count: number;
  domains?: Domain[];
  difficulties?: Difficulty[];
  /** Only tasks of these kinds (e.g. `kv-save`); each must be a kind of one of `domains`. Default: every kind. */
  kinds?: string[];
  seed?: number;
  /** Default: the scripted experts with a 25% mistake-and-recovery rate. */
  policy?: Policy;
  format?: ShardFormat;
  /** Records per shard file (default 1000). */
  shardSize?: number;
  /** Episodes run at once (default 1; raise it for a teacher). */
  concurrency?: number;
  /** Give up on a (domain, difficulty) cell after this many attempts per wanted record (default 4). */
  attemptsPerRecord?: number;
  /** Open shards are rewritten at most this often (ms), bounding the work a killed run loses (default 2000). */
  checkpointMs?: number;
  /** Token counter for the report; default estimates 4 UTF-8 bytes per token. */
  countTokens?: (text: string) => number;
  chatFormat?: ChatFormat;
  onProgress?: (done: number, wanted: number) => void;
}

/** Identical tasks as the agent sees them (prompt and initial state) are kept once. */
export function dedupKey(task: Task): string {
  const seen = `${task.prompt.toLowerCase().replace(/\s+/g, ' ').trim()}\u0000${JSON.stringify(task.world.kv ?? {})}`;
  return createHash('sha1').update(seen).digest('hex');
}

/**
 * A rerun resumes the run whose records are in `out`. A record this run would never make (of another domain,
 * difficulty, kind or seed) means `out` holds a different run, whose records would silently count toward this
 * one's quotas and end up in its dataset.
 */
function checkResumable(
  out: string,
  records: Trajectory[],
  o: { domains: readonly Domain[]; difficulties: readonly number[]; kinds: Set<string> | null; seed: number },
): void {
  for (const t of records) {
    const other = !o.domains.includes(t.domain)
      ? `domain ${t.domain}`
      : !o.difficulties.includes(t.task.difficulty)
        ? `difficulty ${t.task.difficulty}`
        : o.kinds && !o.kinds.has(t.task.kind)
          ? `kind ${t.task.kind}`
          : !t.id.includes(`-s${o.seed}-`)
            ? `a seed other than ${o.seed}`
            : null;
    if (other !== null)
      throw new SynthOptionError(
        'out',
        out,
        `a folder holding this run's records to resume (it holds ${t.id}, of ${other}); synthesize into another folder`,
      );
  }
}

/** Splits `count` over the cells as evenly as possible (earlier cells get the remainder). */
function quotas(count: number, cells: number): number[] {
  return Array.from({ length: cells }, (_, i) => Math.floor(count / cells) + (i < count % cells ? 1 : 0));
}

function checkOptions(
  o: SynthesizeOptions,
): Required<Pick<SynthesizeOptions, 'domains' | 'difficulties'>> & { kinds: Set<string> | null } {
  if (!Number.isInteger(o.count) || o.count < 1)
    throw new SynthOptionError('count', o.count, 'a positive integer');
  const domains = o.domains ?? [...DOMAINS];
  const difficulties = o.difficulties ?? [...DIFFICULTIES];
  for (const d of domains)
    if (!DOMAINS.includes(d)) throw new SynthOptionError('domains', d, `one of ${DOMAINS.join(', ')}`);
  for (const d of difficulties)
    if (!DIFFICULTIES.includes(d)) throw new SynthOptionError('difficulties', d, '1, 2 or 3');
  if (domains.length === 0) throw new SynthOptionError('domains', domains, 'at least one domain');
  const known = domains.flatMap((d) => DOMAIN_MODULES[d].kinds);
  for (const k of o.kinds ?? [])
    if (!known.includes(k))
      throw new SynthOptionError('kinds', k, `a task kind of ${domains.join(', ')}: ${known.join(', ')}`);
  return { domains, difficulties, kinds: o.kinds ? new Set(o.kinds) : null };
}

/**
 * Synthesizes a verified, balanced, deduplicated trajectory dataset into `out`. Resumable: records
 * already in `out` count toward their cell's quota and their task ids are skipped. Episodes that end
 * in a policy error (a teacher that kept failing) are not recorded, so a rerun tries them again.
 */
export async function synthesize(options: SynthesizeOptions): Promise<SynthReport> {
  const { domains, difficulties, kinds } = checkOptions(options);
  const seed = options.seed ?? 0;
  const policy: Policy = options.policy ?? new ScriptedPolicy({ seed });
  const format = options.format ?? 'jsonl';
  const chatFormat = options.chatFormat ?? youtuFormat;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const started = performance.now();
  const kept = readTrajectories(options.out, 'trajectories');
  const rejected = readTrajectories(options.out, 'rejected');
  checkResumable(options.out, [...kept, ...rejected], { domains, difficulties, kinds, seed });
  const finished = new Set([...kept, ...rejected].map((t) => t.id));
  const seen = new Set([...kept, ...rejected].map((t) => dedupKey(t.task)));
  const writers = {
    trajectories: new ShardWriter(options.out, 'trajectories', format, options.shardSize ?? 1000),
    rejected: new ShardWriter(options.out, 'rejected', format, options.shardSize ?? 1000),
  };
  const tally: RunTally = {
    attempted: 0,
    duplicates: 0,
    errors: 0,
    usage: emptyUsage(),
    newKept: [],
    newRejected: [],
  };
  const sandbox = domains.includes('code') ? await Sandbox.create() : undefined;
  const cells = domains.flatMap((domain) => difficulties.map((difficulty) => ({ domain, difficulty })));
  const wanted = quotas(options.count, cells.length);
  let lastCheckpoint = performance.now();
  const checkpoint = (force: boolean) => {
    if (!force && performance.now() - lastCheckpoint < (options.checkpointMs ?? 2000)) return;
    writers.trajectories.checkpoint();
    writers.rejected.checkpoint();
    lastCheckpoint = performance.now();
  };

  const runOne = async (task: Task): Promise<Trajectory | 'error'> => {
    const episode = await runEpisode(task, policy, new Environment(task, sandbox));
    if (episode.usage) addUsage(tally.usage, episode.usage);
    if (episode.stopReason === 'error') return 'error';
    const messages = episodeToMessages(episode);
    const verdict = await verifyEpisode(episode, messages, { sandbox, format: chatFormat });
    return {
      id: task.id,
      domain: task.domain,
      task,
      messages,
      tools: task.tools,
      verdict,
      meta: {
        generator: `${task.domain}/${task.kind}@d${task.difficulty}`,
        seed: task.seed,
        ...(policy.model ? { teacher: { model: policy.model, usage: episode.usage ?? emptyUsage() } } : {}),
      },
    };
  };

  for (const [c, { domain, difficulty }] of cells.entries()) {
    const quota = wanted[c] ?? 0;
    let have = kept.filter((t) => t.domain === domain && t.task.difficulty === difficulty).length;
    // Episodes run per cell are capped; duplicates are cheap to skip, so generation goes further.
    const maxRuns = Math.max(quota * (options.attemptsPerRecord ?? 4), 4);
    const maxIndex = quota * 50 + 100;
    let index = 0;
    let runs = 0;
    while (have < quota && index < maxIndex && runs < maxRuns) {
      const batch: Task[] = [];
      // Duplicates are skipped before running: dedup is on the task as the agent sees it.
      while (batch.length < Math.min(concurrency, quota - have) && index < maxIndex) {
        const task = generateTask(domain, difficulty, seed, index++);
        if (finished.has(task.id) || (kinds && !kinds.has(task.kind))) continue;
        const key = dedupKey(task);
        if (seen.has(key)) {
          tally.duplicates++;
          continue;
        }
        seen.add(key);
        batch.push(task);
      }
      runs += batch.length;
      const results = await Promise.all(batch.map(runOne));
      // Accepted in task order, so the dataset does not depend on which episode finished first.
      for (const result of results) {
        tally.attempted++;
        if (result === 'error') {
          tally.errors++;
        } else if (result.verdict.passed) {
          have++;
          writers.trajectories.add(result);
          tally.newKept.push(result);
        } else {
          writers.rejected.add(result);
          tally.newRejected.push(result);
        }
      }
      checkpoint(false);
      options.onProgress?.(kept.length + tally.newKept.length, options.count);
    }
  }
  checkpoint(true);
  const report = buildReport({
    kept: [...kept, ...tally.newKept],
    rejected: [...rejected, ...tally.newRejected],
    tally,
    wanted: options.count,
    seconds: (performance.now() - started) / 1000,
    countTokens: options.countTokens,
    chatFormat,
    policy,
  });
  writeFileAtomic(join(options.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
