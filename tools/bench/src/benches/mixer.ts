import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildMix,
  builtinGenerators,
  byteEncoder,
  encoderFromTokenizer,
  generateDocument,
  MixDataset,
  type MixerEncoder,
  parseCurriculum,
  type TextDocument,
} from '@agentlm/mixer';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';
import type { BenchCase } from '../result.js';

const CORPUS_MB = Number(process.env.MIXER_BENCH_MB ?? 100);

/**
 * End-to-end mixer throughput (read files, clean, tokenize, sample, pack, write shards) on a generated
 * ≥100 MB corpus of three files, against a plain single-pass tokenize-and-write of the same files with
 * the same encoder. Run twice: with a byte-level encoder (the mixer's own cost) and with a BPE tokenizer
 * from @agentlm/tokenizer (what a real run pays; the tokenizer's share of the time is logged).
 */
export async function run(
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  const dir = mkdtempSync(join(tmpdir(), 'agentlm-bench-mixer-'));
  try {
    const files = writeCorpus(dir, CORPUS_MB * 1e6);
    const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
    log(`corpus: ${(bytes / 1e6).toFixed(1)} MB in ${files.length} files`);
    const bpe = await trainTokenizer({
      corpus: { texts: sample(600) },
      vocabSize: 8192,
      specialTokens: AGENT_SPECIAL_TOKENS,
    });
    const cases: BenchCase[] = [];
    const extra: Record<string, unknown> = { corpus_mb: Number((bytes / 1e6).toFixed(1)) };
    for (const [label, encoder] of [
      ['byte-level encoder', byteEncoder()],
      ['BPE 8k (@agentlm/tokenizer)', encoderFromTokenizer(bpe)],
    ] as const) {
      const plain = plainTokenizeAndWrite(files, encoder, join(dir, 'plain.bin'));
      log(
        `${label}: plain tokenize+write ${fmt(plain.tokens)} tokens in ${plain.seconds.toFixed(1)} s = ${fmt(plain.tokens / plain.seconds)} tok/s`,
      );
      const timed = timedEncoder(encoder);
      const out = join(dir, `mix-${cases.length}`);
      const started = performance.now();
      const { index, report } = await buildMix(curriculum(files, plain.tokens), {
        out,
        encoder: timed.encoder,
      });
      const seconds = (performance.now() - started) / 1000;
      const rate = index.tokens / seconds;
      const share = timed.seconds() / seconds;
      log(
        `${label}: mixer ${fmt(index.tokens)} tokens in ${seconds.toFixed(1)} s = ${fmt(rate)} tok/s (tokenizer ${(100 * share).toFixed(0)}% of the time); removed ${report.filters.reduce((a, f) => a + f.seen - f.kept, 0)} documents`,
      );
      cases.push({
        case: `mix ≥100 MB, 3 sources, 2 stages, ${label}`,
        metric: 'throughput',
        unit: 'tokens/s',
        better: 'higher',
        ours: rate,
        peer: plain.tokens / plain.seconds,
        peer_name: 'plain tokenize+write',
      });
      extra[`tokenizer_share_${label.split(' ')[0].toLowerCase()}`] = Number(share.toFixed(3));
      if (cases.length === 1) {
        const read = readBatches(out);
        log(`reader: ${fmt(read)} tok/s in batches of 32`);
        cases.push({
          case: 'MixDataset.batches(32) from shards',
          metric: 'throughput',
          unit: 'tokens/s',
          better: 'higher',
          ours: read,
          peer: null,
          peer_name: null,
        });
      }
      rmSync(out, { recursive: true, force: true });
    }
    return { cases, machine: extra };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** web.txt (commonsense paragraphs), stem.jsonl and code.jsonl, about 50/30/20 % of the bytes. */
function writeCorpus(dir: string, bytes: number): string[] {
  const plan: [file: string, generator: string, share: number][] = [
    ['web.txt', 'commonsense', 0.5],
    ['stem.jsonl', 'stem', 0.3],
    ['code.jsonl', 'code', 0.2],
  ];
  return plan.map(([file, gen, share]) => {
    const path = join(dir, file);
    const fd = openSync(path, 'w');
    let written = 0;
    for (let i = 0; written < bytes * share; i++) {
      const text = (generateDocument(builtinGenerators[gen], gen, 42, i) as TextDocument).text;
      const line = file.endsWith('.jsonl') ? `${JSON.stringify({ text })}\n` : `${text}\n\n`;
      written += writeSync(fd, line);
    }
    closeSync(fd);
    return path;
  });
}

function sample(n: number): string[] {
  return ['commonsense', 'stem', 'code'].flatMap((g) =>
    Array.from(
      { length: n },
      (_, i) => (generateDocument(builtinGenerators[g], g, 7, i) as TextDocument).text,
    ),
  );
}

function curriculum(files: string[], tokens: number) {
  return parseCurriculum({
    sources: [
      { name: 'web', domain: 'commonsense', type: 'text', split: 'paragraph', paths: [files[0]] },
      { name: 'stem', domain: 'stem', type: 'jsonl', paths: [files[1]] },
      { name: 'code', domain: 'code', type: 'jsonl', paths: [files[2]] },
    ],
    stages: [
      {
        name: 'general',
        tokens: Math.round(tokens * 0.7),
        seqLen: 1024,
        weights: { web: 5, stem: 3, code: 2 },
      },
      { name: 'stem', tokens: Math.round(tokens * 0.3), seqLen: 2048, weights: { web: 4, stem: 3, code: 3 } },
    ],
  });
}

/** The baseline: each file once, in order, documents encoded and written with EOS, no mixing or cleaning. */
function plainTokenizeAndWrite(
  files: string[],
  encoder: MixerEncoder,
  out: string,
): { tokens: number; seconds: number } {
  const started = performance.now();
  const fd = openSync(out, 'w');
  const buf = new Uint16Array(1 << 21);
  let used = 0;
  let tokens = 0;
  const flush = () => {
    writeSync(fd, buf.subarray(0, used));
    used = 0;
  };
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const docs = file.endsWith('.jsonl')
      ? text
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { text: string }).text)
      : text.split(/\n\s*\n/).filter((p) => p.trim());
    for (const doc of docs) {
      const ids = encoder.encode(doc);
      if (used + ids.length + 1 > buf.length) flush();
      buf.set(ids, used);
      buf[used + ids.length] = encoder.eosId;
      used += ids.length + 1;
      tokens += ids.length + 1;
    }
  }
  flush();
  closeSync(fd);
  return { tokens, seconds: (performance.now() - started) / 1000 };
}

function timedEncoder(encoder: MixerEncoder): { encoder: MixerEncoder; seconds: () => number } {
  let ms = 0;
  return {
    encoder: {
      ...encoder,
      encode: (text) => {
        const t = performance.now();
        const ids = encoder.encode(text);
        ms += performance.now() - t;
        return ids;
      },
    },
    seconds: () => ms / 1000,
  };
}

function readBatches(dir: string): number {
  const ds = MixDataset.open(dir);
  const started = performance.now();
  let tokens = 0;
  for (const b of ds.batches(32)) tokens += b.tokens.length;
  return tokens / ((performance.now() - started) / 1000);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
