import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { QualityFilter } from './clean.js';
import type { Curriculum } from './config.js';
import { MixDataset, type MixIndex } from './dataset.js';
import type { MixerEncoder } from './encoder.js';
import { MixerFormatError } from './errors.js';
import type { DocumentGenerator } from './generators/index.js';
import { buildReport, type MixReport, reportMarkdown, reportSvg } from './report.js';
import { type PackedSequence, writeShard } from './shard.js';
import { MixStream } from './stream.js';
import { writeFileAtomic } from './writers/atomic.js';
import { exportJsonl } from './writers/jsonl.js';
import { exportMegatron } from './writers/megatron.js';

export interface BuildProgress {
  tokens: number;
  totalTokens: number;
  sequences: number;
  stage: number;
  stageName: string;
  tokensPerSecond: number;
}

export interface BuildOptions {
  /** Output folder: shards, index.json, the state, report.{json,md,svg}, and any exports. */
  out: string;
  encoder: MixerEncoder;
  /** Recorded in index.json so readers can find the tokenizer. */
  tokenizer?: string;
  generators?: Record<string, DocumentGenerator>;
  qualityFilter?: QualityFilter;
  /** Target tokens per shard (default 4M); a stage change always starts a new shard. */
  shardTokens?: number;
  /** Extra formats written from the shards at the end. */
  exports?: ('megatron' | 'jsonl')[];
  /** Continue an interrupted build in `out` (default true); false starts over. */
  resume?: boolean;
  /**
   * Stop as if killed once this many sequences exist: only committed shards are kept, and a later call
   * resumes from the last commit (for tests and time-boxed runs).
   */
  stopAfterSequences?: number;
  onProgress?: (p: BuildProgress) => void;
}

export interface BuildResult {
  dir: string;
  index: MixIndex;
  report: MixReport;
}

const STATE_FILE = 'state.msgpack';
/** Sequences between progress reports (besides one per commit). */
const PROGRESS_EVERY = 256;

/**
 * Runs the mixer into `out`. After every shard the shard, then the state, then index.json are written
 * atomically; index.json is the commit point (it names the state), so a build killed at any moment
 * resumes from its last listed shard and produces byte-identical files.
 */
export async function buildMix(c: Curriculum, options: BuildOptions): Promise<BuildResult> {
  const out = options.out;
  if (options.resume === false) rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const indexPath = join(out, 'index.json');
  const existing: MixIndex | null = existsSync(indexPath)
    ? (JSON.parse(readFileSync(indexPath, 'utf8')) as MixIndex)
    : null;
  let state: Uint8Array | undefined;
  if (existing) {
    if (existing.seed !== c.seed)
      throw new MixerFormatError(
        `${indexPath}: built with seed ${existing.seed}, not ${c.seed}; use another folder or resume: false`,
      );
    state = readFileSync(join(out, STATE_FILE));
  }
  const stream = new MixStream(c, options.encoder, {
    generators: options.generators,
    qualityFilter: options.qualityFilter,
    state,
  });
  const index: MixIndex = existing ?? {
    format: 'agentlm-mix',
    version: 1,
    seed: c.seed,
    vocabSize: options.encoder.vocabSize,
    eosId: options.encoder.eosId,
    tokenizer: options.tokenizer,
    complete: false,
    sequences: 0,
    tokens: 0,
    stages: stream.plan.stages.map((s) => ({ name: s.name, seqLen: s.seqLen, lr: s.lr, sequences: 0 })),
    shards: [],
  };
  const started = performance.now();
  const tokensAtStart = index.tokens;
  const elapsed = () => (performance.now() - started) / 1000;
  let producedTokens = index.tokens;
  const progress = () =>
    options.onProgress?.({
      tokens: producedTokens,
      totalTokens: stream.plan.totalTokens,
      sequences: stream.sequencesEmitted,
      stage: Math.min(stream.currentStage, c.stages.length - 1),
      stageName: c.stages[Math.min(stream.currentStage, c.stages.length - 1)].name,
      tokensPerSecond: (producedTokens - tokensAtStart) / Math.max(elapsed(), 1e-9),
    });

  const shardTokens = options.shardTokens ?? 4 << 20;
  let pending: PackedSequence[] = [];
  // Shards written since the last commit. A stage change is only seen once the next stage's first
  // sequence exists, when the state is already past it; such a shard waits for the next commit.
  const written: MixIndex['shards'] = [];
  const writePending = () => {
    if (pending.length === 0) return;
    const first = pending[0];
    const seqLen = first.tokens.length;
    const firstToken = index.tokens + written.reduce((a, s) => a + s.sequences * s.seqLen, 0);
    const file = `shard-${String(index.shards.length + written.length).padStart(6, '0')}.agshard`;
    writeShard(
      join(out, file),
      { stage: first.stage, stageName: first.stageName, lr: first.lr, seqLen, firstSequence: first.index },
      pending,
      index.vocabSize,
    );
    written.push({
      file,
      stage: first.stage,
      seqLen,
      sequences: pending.length,
      firstSequence: first.index,
      firstToken,
    });
    pending = [];
  };
  const commit = () => {
    writePending();
    if (written.length === 0 && !index.complete) return;
    writeFileAtomic(join(out, STATE_FILE), [stream.saveState()]);
    for (const s of written) {
      index.shards.push(s);
      index.sequences += s.sequences;
      index.tokens += s.sequences * s.seqLen;
      index.stages[s.stage].sequences += s.sequences;
    }
    written.length = 0;
    writeFileAtomic(indexPath, [`${JSON.stringify(index, null, 2)}\n`]);
    progress();
  };

  const produced = () => index.sequences + written.reduce((a, s) => a + s.sequences, 0) + pending.length;
  const interrupted = () =>
    options.stopAfterSequences !== undefined && produced() >= options.stopAfterSequences;
  while (!index.complete && !interrupted()) {
    const seq = await stream.next();
    if (!seq) {
      index.complete = true;
      break;
    }
    if (pending.length > 0 && pending[0].stage !== seq.stage) writePending();
    pending.push(seq);
    producedTokens += seq.tokens.length;
    if (seq.index % PROGRESS_EVERY === 0) progress();
    if (pending.length * seq.tokens.length >= shardTokens) commit();
  }
  if (!interrupted()) commit();

  const seconds = elapsed();
  const made = index.tokens - tokensAtStart;
  const report = buildReport(c, stream.plan, stream.stats, {
    seconds,
    tokens: made,
    tokensPerSecond: made / Math.max(seconds, 1e-9),
  });
  writeFileAtomic(join(out, 'report.json'), [`${JSON.stringify(report, null, 2)}\n`]);
  writeFileAtomic(join(out, 'report.md'), [reportMarkdown(report)]);
  writeFileAtomic(join(out, 'mixture.svg'), [reportSvg(report)]);
  if (index.complete && index.sequences > 0) {
    const dataset = MixDataset.open(out);
    if (options.exports?.includes('megatron'))
      exportMegatron(dataset, join(out, 'megatron', 'mix_text_document'));
    if (options.exports?.includes('jsonl'))
      exportJsonl(dataset, join(out, 'mix.jsonl'), options.encoder.decode);
  }
  return { dir: out, index, report };
}
