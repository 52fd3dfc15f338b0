import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type BuildProgress,
  buildMix,
  type Curriculum,
  encoderFromTokenizer,
  loadCurriculum,
  MixDataset,
  MixerConfigError,
  type MixReport,
  planMix,
  youtuCurriculum,
} from '@agentlm/mixer';
import { Tokenizer } from '@agentlm/tokenizer';
import type { Command } from 'commander';

const out = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function positive(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new MixerConfigError(`${option} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

interface CurriculumOptions {
  preset?: string;
  totalTokens?: string;
  seqLen?: string;
  seed?: string;
}

/** A curriculum from a JSON/YAML file, or the built-in preset scaled to `--total-tokens`. */
function curriculumFrom(config: string | undefined, o: CurriculumOptions): Curriculum {
  let c: Curriculum;
  if (o.preset !== undefined) {
    if (o.preset !== 'youtu')
      throw new MixerConfigError(`--preset must be "youtu", got ${JSON.stringify(o.preset)}`);
    if (config) throw new MixerConfigError('give either a CONFIG file or --preset, not both');
    c = youtuCurriculum({
      totalTokens: positive('--total-tokens', o.totalTokens ?? '10000000'),
      seqLen: o.seqLen === undefined ? undefined : positive('--seq-len', o.seqLen),
    });
  } else {
    if (!config) throw new MixerConfigError('missing CONFIG (a curriculum .json/.yaml) or --preset youtu');
    c = loadCurriculum(config);
  }
  return o.seed === undefined ? c : { ...c, seed: Number(o.seed) };
}

function curriculumOptions(cmd: Command): Command {
  return cmd
    .argument('[config]', 'curriculum file (JSON or YAML)')
    .option(
      '--preset <name>',
      'use the built-in curriculum instead of a file ("youtu": commonsense → STEM → long context → agentic)',
    )
    .option('--total-tokens <n>', 'total tokens of the preset', '10000000')
    .option('--seq-len <n>', 'base sequence length of the preset (default 512)')
    .option('--seed <n>', 'override the curriculum seed');
}

async function loadTokenizer(path: string | undefined): Promise<Tokenizer> {
  if (!path)
    throw new MixerConfigError(
      'no tokenizer: pass --tokenizer PATH (tokenizer.json or its folder) or set "tokenizer" in the curriculum',
    );
  return Tokenizer.fromFile(path);
}

/** A one-line progress bar on a terminal; a line per tenth of the run otherwise (logs, CI). */
function progressPrinter(): (p: BuildProgress) => void {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  return (p) => {
    const done = Math.min(1, p.tokens / p.totalTokens);
    const bar = `${'#'.repeat(Math.round(done * 30)).padEnd(30, '.')}`;
    const line = `[${bar}] ${pct(done).padStart(6)} ${p.stageName} ${fmt(p.tokens)}/${fmt(p.totalTokens)} tokens ${fmt(Math.round(p.tokensPerSecond))} tok/s`;
    if (tty) process.stderr.write(`\r${line}`);
    else if (Math.floor(done * 10) > lastTenth) {
      lastTenth = Math.floor(done * 10);
      process.stderr.write(`${line}\n`);
    }
  };
}

function printReport(r: MixReport): void {
  for (const s of r.stages) {
    out(`stage ${s.name} (seq ${s.seqLen}, lr ${s.lr}): ${fmt(s.delivered)} of ${fmt(s.planned)} tokens`);
    for (const src of s.sources)
      if (src.planned > 0 || src.delivered > 0)
        out(
          `  ${src.name.padEnd(16)} ${src.domain.padEnd(12)} planned ${fmt(src.planned).padStart(12)}  delivered ${fmt(src.delivered).padStart(12)}  ${pct(src.share).padStart(6)}`,
        );
  }
  const removed = r.filters.filter((f) => f.seen > f.kept || f.malformed > 0);
  for (const f of removed)
    out(
      `filtered ${f.source}: ${f.seen - f.kept} of ${f.seen} removed (exact dup ${f.exactDuplicate}, near dup ${f.nearDuplicate}, short ${f.tooShort}, long ${f.tooLong}, repetitive ${f.repetitive}, quality ${f.quality}), ${f.malformed} malformed`,
    );
}

/** Registers the `agentlm mix` commands. */
export function registerMix(program: Command): void {
  const group = program
    .command('mix')
    .description('plan, build and inspect curriculum data mixes (packed token shards)');

  curriculumOptions(group.command('plan'))
    .description(
      'show what each stage will draw (tokens per source, sequence length, LR phase) without reading data',
    )
    .option('--json', 'print the plan as JSON')
    .action((config: string | undefined, o: CurriculumOptions & { json?: boolean }) => {
      const plan = planMix(curriculumFrom(config, o));
      if (o.json) {
        out(JSON.stringify(plan, null, 2));
        return;
      }
      out(`total ${fmt(plan.totalTokens)} tokens in ${plan.stages.length} stages`);
      for (const s of plan.stages) {
        out(`stage ${s.name}: ${fmt(s.tokens)} tokens = ${fmt(s.sequences)} × ${s.seqLen}, lr ${s.lr}`);
        for (const src of s.sources) {
          if (src.tokens === 0) continue;
          const share =
            src.startShare === src.endShare
              ? pct(src.startShare)
              : `${pct(src.startShare)} → ${pct(src.endShare)}`;
          out(
            `  ${src.name.padEnd(16)} ${src.domain.padEnd(12)} ${share.padStart(15)}  ${fmt(src.tokens).padStart(12)} tokens`,
          );
        }
      }
    });

  curriculumOptions(group.command('build'))
    .description(
      'build packed token shards (plus index, state and report) into --out; resumes an interrupted build',
    )
    .requiredOption('--out <dir>', 'output folder')
    .option('--tokenizer <path>', 'tokenizer.json or its folder (default: the curriculum\'s "tokenizer")')
    .option('--export <formats>', 'also write these formats, comma-separated: megatron, jsonl')
    .option('--shard-tokens <n>', 'target tokens per shard', String(4 << 20))
    .option('--fresh', 'discard what --out holds and start over')
    .action(
      async (
        config: string | undefined,
        o: CurriculumOptions & {
          out: string;
          tokenizer?: string;
          export?: string;
          shardTokens: string;
          fresh?: boolean;
        },
      ) => {
        const c = curriculumFrom(config, o);
        const tokenizerPath = o.tokenizer ?? c.tokenizer;
        const encoder = encoderFromTokenizer(await loadTokenizer(tokenizerPath));
        const exports = (o.export ?? '').split(',').filter(Boolean);
        for (const e of exports)
          if (e !== 'megatron' && e !== 'jsonl')
            throw new MixerConfigError(`--export: unknown format "${e}" (megatron, jsonl)`);
        const { index, report } = await buildMix(c, {
          out: o.out,
          encoder,
          tokenizer: tokenizerPath ? resolve(tokenizerPath) : undefined,
          shardTokens: positive('--shard-tokens', o.shardTokens),
          exports: exports as ('megatron' | 'jsonl')[],
          resume: !o.fresh,
          onProgress: progressPrinter(),
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        printReport(report);
        out(
          `wrote ${index.shards.length} shards, ${fmt(index.sequences)} sequences, ${fmt(index.tokens)} tokens to ${o.out} (${fmt(Math.round(report.throughput.tokensPerSecond))} tokens/s); report: ${join(o.out, 'report.md')}`,
        );
      },
    );

  group
    .command('inspect')
    .description('summarise a built mix and decode a few of its sequences')
    .argument('<dir>', 'folder written by `agentlm mix build`')
    .option('--sequences <n>', 'how many sequences to decode', '2')
    .option('--chars <n>', 'characters to show per sequence', '400')
    .option('--tokenizer <path>', 'tokenizer to decode with (default: the one recorded in index.json)')
    .action(async (dir: string, o: { sequences: string; chars: string; tokenizer?: string }) => {
      const ds = MixDataset.open(dir);
      const ix = ds.index;
      out(
        `${dir}: ${ix.complete ? 'complete' : 'INCOMPLETE (resume with mix build)'}, ${fmt(ix.sequences)} sequences, ${fmt(ix.tokens)} tokens in ${ix.shards.length} shards, vocab ${fmt(ix.vocabSize)}, eos ${ix.eosId}, seed ${ix.seed}`,
      );
      for (const s of ix.stages) out(`  stage ${s.name}: ${fmt(s.sequences)} × ${s.seqLen}, lr ${s.lr}`);
      const reportPath = join(dir, 'report.json');
      if (existsSync(reportPath)) printReport(JSON.parse(readFileSync(reportPath, 'utf8')) as MixReport);
      const tokenizerPath = o.tokenizer ?? ix.tokenizer;
      const tokenizer =
        tokenizerPath && existsSync(tokenizerPath) ? await Tokenizer.fromFile(tokenizerPath) : null;
      const n = Math.min(positive('--sequences', o.sequences), ds.length);
      const chars = positive('--chars', o.chars);
      for (let i = 0; i < n; i++) {
        const seq = ds.get(Math.floor((i * ds.length) / n));
        const trained = seq.lossMask.reduce((a, b) => a + b, 0);
        out(
          `--- sequence ${seq.index} (stage ${seq.stageName}, ${seq.tokens.length} tokens, ${seq.docStarts.length} document starts, loss on ${trained})`,
        );
        out(
          tokenizer
            ? tokenizer.decode(Array.from(seq.tokens)).slice(0, chars)
            : Array.from(seq.tokens.subarray(0, 64)).join(' '),
        );
      }
    });
}
