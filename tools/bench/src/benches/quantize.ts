/**
 * `pnpm bench quantize`: what q8 and q4 weights cost in accuracy, on a model the bench trains itself. A byte-level
 * BPE tokenizer (@agentlm/tokenizer's trainTokenizer) and the `small` preset (≈90M parameters) are trained with
 * @agentlm/trainer's trainLoop on the CPU backend on text from the mixer's built-in generators (commonsense, STEM,
 * code); the checkpoint is saved in bf16 under .agentlm/bench/quantize-<preset>/ and reused by later runs (retrained
 * when missing, when its recipe changed, or with AGENTLM_BENCH_RETRAIN=1). Then, on held-out documents of the same
 * generators under another seed: held-out perplexity of the bf16 weights, of q8 and of q4, each both quantized on
 * load (`loadModel(dir, { dtype })`) and from a `quantizeCheckpoint` copy (asserted identical), and greedy
 * continuations of held-out prompts compared with bf16's token by token.
 * AGENTLM_BENCH_QUANTIZE_PRESET=nano|micro runs the same at a smaller preset (its own cache folder).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinGenerators, generateDocument } from '@agentlm/mixer';
import {
  loadModel,
  type PresetName,
  presetConfig,
  quantizeCheckpoint,
  saveModel,
  YoutuModel,
} from '@agentlm/model';
import { type Backend, type DType, initBackend, noGrad, storageBytes, tidy } from '@agentlm/tensor';
import { AGENT_SPECIAL_TOKENS, Tokenizer, trainTokenizer } from '@agentlm/tokenizer';
import { arrayBatchSource, greedyDecoder, heldOutLoss, trainLoop } from '@agentlm/trainer';
import { type Agreement, greedyAgreement, nextTokenLoss, unigramLoss } from '../accuracy.js';
import type { BenchCase } from '../result.js';

const DOMAINS = ['commonsense', 'stem', 'code'] as const;
const PRESET = (process.env.AGENTLM_BENCH_QUANTIZE_PRESET ?? 'small') as PresetName;

/** Everything that decides the trained weights; a cached checkpoint trained to another recipe is retrained. */
const RECIPE = {
  preset: PRESET,
  seed: 1,
  vocab: 2048,
  tokenizerDocsPerDomain: 300,
  // one 64-token row per step: for a model this far from converged more updates beat bigger batches; 120 steps
  // take ~13 min on this machine's 2 shared cores at a load of ~9 (~45 min at a load of 20)
  seqLen: 64,
  rows: 1,
  microBatches: 1,
  // AGENTLM_BENCH_QUANTIZE_STEPS trains longer (or shorter) where the machine allows
  steps: Number(process.env.AGENTLM_BENCH_QUANTIZE_STEPS ?? 120),
  // 1.5e-3 spiked the loss (7.7 -> 12.7) right after warm-up at this batch size; a lower peak and longer warm-up hold
  peakLr: 8e-4,
  warmupSteps: 6,
  decaySteps: 10,
};

/** The held-out text: the same generators under a seed training never used. */
const HELD_OUT = {
  seed: 1_000_003,
  seqLen: 96,
  rowsPerDomain: 4,
  prompts: 32,
  promptTokens: 24,
  newTokens: 32,
};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CACHE_DIR = join(ROOT, '.agentlm', 'bench', `quantize-${PRESET}`);
const TRAINING_FILE = 'bench-training.json';

/** What the cache folder records about how its checkpoint was trained. */
interface TrainingRecord {
  recipe: typeof RECIPE;
  parameters: number;
  vocabSize: number;
  tokens: number;
  seconds: number;
  firstLoss: number;
  lastLoss: number;
  loadAverage: number[];
}

function documentText(domain: string, seed: number, index: number): string {
  const doc = generateDocument(
    builtinGenerators[domain] as NonNullable<(typeof builtinGenerators)[string]>,
    domain,
    seed,
    index,
  );
  return 'text' in doc ? doc.text : '';
}

/** Documents `from`..`to` - 1 of each of `domains`, interleaved (one of each domain in turn). */
function* documents(
  seed: number,
  from: number,
  to: number,
  domains: readonly string[] = DOMAINS,
): Generator<string> {
  for (let i = from; i < to; i++) for (const d of domains) yield documentText(d, seed, i);
}

/** Token rows of `rowLength` cut from `texts` encoded back to back, each document closed by EOS. */
function packRows(
  tokenizer: Tokenizer,
  texts: Iterable<string>,
  rowLength: number,
  maxRows: number,
): number[][] {
  const eos = tokenizer.eosId as number;
  const rows: number[][] = [];
  let row: number[] = [];
  for (const text of texts) {
    for (const id of [...tokenizer.encode(text, { parseSpecialTokens: false }), eos]) {
      row.push(id);
      if (row.length === rowLength) {
        rows.push(row);
        row = [];
        if (rows.length === maxRows) return rows;
      }
    }
  }
  return rows;
}

async function train(backend: Backend, log: (line: string) => void): Promise<TrainingRecord> {
  const r = RECIPE;
  const tokenizer = await trainTokenizer({
    corpus: { texts: documents(r.seed, 0, r.tokenizerDocsPerDomain) },
    vocabSize: r.vocab,
    specialTokens: AGENT_SPECIAL_TOKENS,
  });
  const rowsNeeded = r.steps * r.microBatches * r.rows;
  // rows of seqLen + 1 tokens: the loop predicts tokens 1..seqLen from 0..seqLen-1
  const rows = packRows(tokenizer, documents(r.seed, 0, r.tokenizerDocsPerDomain), r.seqLen + 1, rowsNeeded);
  if (rows.length < rowsNeeded)
    throw new Error(`quantize bench: ${rows.length} training rows, ${rowsNeeded} needed`);
  const config = presetConfig(r.preset, {
    vocab_size: tokenizer.vocabSize,
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
  });
  log(
    `training ${r.preset} (vocab ${tokenizer.vocabSize}) for ${r.steps} steps of ${r.microBatches * r.rows * r.seqLen} tokens`,
  );
  const load0 = loadavg()[0] as number;
  const result = await trainLoop({
    model: YoutuModel.init(config, { seed: r.seed, backend }),
    source: () =>
      arrayBatchSource(
        rows.map((tokens) => ({ tokens })),
        r.rows,
      ),
    steps: r.steps,
    microBatches: r.microBatches,
    workers: 'auto',
    schedule: {
      kind: 'wsd',
      phases: [
        {
          steps: r.steps,
          peakLr: r.peakLr,
          warmupSteps: r.warmupSteps,
          decaySteps: r.decaySteps,
          minLrRatio: 0.1,
        },
      ],
    },
    lossMask: 'all',
    seed: r.seed,
    log: (line) => log(`  ${line}`),
    logEvery: 1,
  });
  const tokenizerDir = mkdtempSync(join(tmpdir(), 'agentlm-bench-quantize-tok-'));
  try {
    await tokenizer.save(tokenizerDir);
    rmSync(CACHE_DIR, { recursive: true, force: true });
    await saveModel(result.model, CACHE_DIR, { dtype: 'bfloat16', tokenizerDir });
  } finally {
    rmSync(tokenizerDir, { recursive: true, force: true });
  }
  const record: TrainingRecord = {
    recipe: r,
    parameters: result.model.parameters().reduce((n, p) => n + p.size, 0),
    vocabSize: tokenizer.vocabSize,
    tokens: result.tokens,
    seconds: result.seconds,
    firstLoss: result.losses[0] as number,
    lastLoss: result.losses.at(-1) as number,
    loadAverage: [load0, loadavg()[0] as number],
  };
  result.model.dispose();
  writeFileSync(join(CACHE_DIR, TRAINING_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** The cached training record when its checkpoint is there and was trained to RECIPE, else null. */
function cachedTraining(): TrainingRecord | null {
  const file = join(CACHE_DIR, TRAINING_FILE);
  if (process.env.AGENTLM_BENCH_RETRAIN === '1' || !existsSync(file)) return null;
  const record = JSON.parse(readFileSync(file, 'utf8')) as TrainingRecord;
  return JSON.stringify(record.recipe) === JSON.stringify(RECIPE) ? record : null;
}

/** One format's measurements. */
interface Measured {
  loss: number;
  perplexity: number;
  weightBytes: number;
  continuations: number[][];
  seconds: number;
}

/**
 * Mean next-token loss over held-out rows, from the logits of the full forward (so every format, quantized ones
 * included, goes through the same path; the fused training loss wants float head weights).
 */
async function heldOutNll(model: YoutuModel, rows: number[][]): Promise<number> {
  let total = 0;
  let count = 0;
  for (const row of rows) {
    const logits = noGrad(() => tidy(() => model.forward([row]).logits));
    const nll = nextTokenLoss(await logits.data(), model.config.vocabSize, row);
    logits.dispose();
    total += nll.total;
    count += nll.count;
  }
  return total / count;
}

async function measure(model: YoutuModel, rows: number[][], prompts: number[][]): Promise<Measured> {
  const t0 = performance.now();
  const loss = await heldOutNll(model, rows);
  const decoder = greedyDecoder(model);
  const continuations: number[][] = [];
  for (const prompt of prompts) {
    continuations.push(await decoder.continue(prompt, { maxNewTokens: HELD_OUT.newTokens, stopIds: [] }));
  }
  const weightBytes = [...model.params.values()].reduce((n, t) => n + storageBytes(t.size, t.dtype), 0);
  return {
    loss,
    perplexity: Math.exp(loss),
    weightBytes,
    continuations,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Throws unless two models hold the same weights, element for element (dequantized where quantized). */
async function assertSameWeights(a: YoutuModel, b: YoutuModel, what: string): Promise<void> {
  for (const [name, t] of a.params) {
    const u = b.params.get(name);
    if (!u || u.dtype !== t.dtype)
      throw new Error(`${what}: ${name} is ${t.dtype} vs ${u?.dtype ?? 'missing'}`);
    const [x, y] = [await t.data(), await u.data()];
    const i = x.findIndex((v, k) => !Object.is(v, y[k]));
    if (i >= 0) throw new Error(`${what}: ${name}[${i}] differs (${x[i]} vs ${y[i]})`);
  }
}

/** The targets: held-out perplexity rise over bf16, in percent. */
const TARGET_RISE = { q8: 0.5, q4: 5 };

/** Groups of weights by what they do, as weight-name fragments. */
const WEIGHT_GROUPS: Record<string, string[]> = {
  'attention (q_a, q_b, kv_a, kv_b, o)': [
    'q_a_proj',
    'q_b_proj',
    'kv_a_proj_with_mqa',
    'kv_b_proj',
    'o_proj',
  ],
  'MLP (gate, up, down)': ['gate_proj', 'up_proj', 'down_proj'],
  'embedding = tied head': ['embed_tokens'],
};

/**
 * Where a format's perplexity rise comes from: the perplexity of the bf16 model with one group of its weights
 * taken from the quantized model, group by group.
 */
async function perplexityByGroup(
  bf16: YoutuModel,
  quantized: YoutuModel,
  rows: number[][],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [group, fragments] of Object.entries(WEIGHT_GROUPS)) {
    const params = new Map(bf16.params);
    for (const [name, t] of quantized.params) {
      if (fragments.some((f) => name.includes(`.${f}.`))) params.set(name, t);
    }
    // shares the two models' tensors, so it is dropped, not disposed
    const mixed = YoutuModel.fromParams(bf16.config, params);
    out[group] = Math.exp(await heldOutNll(mixed, rows));
  }
  return out;
}

export async function run(
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  const loadBefore = loadavg();
  const backend = await initBackend('cpu');
  const training = cachedTraining() ?? (await train(backend, log));
  log(`checkpoint ${CACHE_DIR}: ${training.tokens} training tokens in ${training.seconds.toFixed(0)} s`);
  const tokenizer = await Tokenizer.fromFile(CACHE_DIR);

  const rows = DOMAINS.flatMap((d) =>
    packRows(tokenizer, documents(HELD_OUT.seed, 0, 10_000, [d]), HELD_OUT.seqLen, HELD_OUT.rowsPerDomain),
  );
  // prompts open documents, as in training (after an EOS), from documents the loss rows do not reach
  const eos = tokenizer.eosId as number;
  const prompts = Array.from({ length: HELD_OUT.prompts }, (_, k) => {
    const domain = DOMAINS[k % DOMAINS.length] as string;
    const ids = tokenizer.encode(documentText(domain, HELD_OUT.seed, 10_000 + k), {
      parseSpecialTokens: false,
    });
    return [eos, ...ids.slice(0, HELD_OUT.promptTokens - 1)];
  });

  const formats: Record<string, Measured> = {};
  const bf16 = await loadModel(CACHE_DIR, { backend });
  formats.bf16 = await measure(bf16, rows, prompts);
  // cross-check the loss from logits against the trainer's fused held-out loss on one row (float weights only)
  const first = rows.slice(0, 1);
  const [fromLogits, fused] = [
    await heldOutNll(bf16, first),
    (await heldOutLoss(bf16, [{ domain: 'row', rows: first.map((tokens) => ({ tokens })) }])).row?.loss,
  ];
  if (fused === undefined || Math.abs(fused - fromLogits) > 1e-3) {
    throw new Error(`bf16 loss of a held-out row: ${fromLogits} from logits, ${fused} from heldOutLoss`);
  }
  const lnVocab = Math.log(training.vocabSize);
  // what knowing the token frequencies of the training text, and no context, scores on the same rows
  const corpusRows = packRows(
    tokenizer,
    documents(RECIPE.seed, 0, RECIPE.tokenizerDocsPerDomain),
    1024,
    Infinity,
  );
  const unigram = unigramLoss(corpusRows, rows, training.vocabSize);
  log(
    `bf16: held-out loss ${formats.bf16.loss.toFixed(4)} (uniform: ln ${training.vocabSize} = ${lnVocab.toFixed(4)}; unigram of the training text: ${unigram.toFixed(4)}), perplexity ${formats.bf16.perplexity.toFixed(3)} (${formats.bf16.seconds.toFixed(0)} s)`,
  );

  // agreement only means something when bf16's continuations follow the prompt, not one token over and over
  const distinctPerContinuation =
    formats.bf16.continuations.reduce((n, c) => n + new Set(c).size, 0) / prompts.length;
  const sample = {
    prompt: tokenizer.decode((prompts[0] as number[]).slice(1)),
    continuation: tokenizer.decode(formats.bf16.continuations[0] as number[]),
  };
  log(
    `bf16 greedy continuations: ${distinctPerContinuation.toFixed(1)} distinct ids per ${HELD_OUT.newTokens} tokens; e.g. ${JSON.stringify(sample.prompt)} -> ${JSON.stringify(sample.continuation)}`,
  );

  const agreements: Record<string, Agreement> = {};
  for (const format of ['q8', 'q4'] as const satisfies readonly DType[]) {
    const onLoad = await loadModel(CACHE_DIR, { backend, dtype: format });
    const measured = await measure(onLoad, rows, prompts);
    const outDir = mkdtempSync(join(tmpdir(), `agentlm-bench-quantize-${format}-`));
    try {
      await quantizeCheckpoint(CACHE_DIR, outDir, format);
      const stored = await loadModel(outDir, { backend });
      await assertSameWeights(onLoad, stored, `${format} on load vs quantizeCheckpoint`);
      const storedLoss = await heldOutNll(stored, rows);
      if (storedLoss !== measured.loss) {
        throw new Error(
          `${format}: held-out loss ${measured.loss} on load but ${storedLoss} from quantizeCheckpoint`,
        );
      }
      stored.dispose();
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    formats[format] = measured;
    agreements[format] = greedyAgreement(formats.bf16.continuations, measured.continuations);
    const rise = 100 * (measured.perplexity / formats.bf16.perplexity - 1);
    log(
      `${format}: perplexity ${measured.perplexity.toFixed(3)} (${rise >= 0 ? '+' : ''}${rise.toFixed(2)}% vs bf16), greedy agreement ${(100 * agreements[format].prefix).toFixed(1)}% to first divergence, ${(100 * agreements[format].positional).toFixed(1)}% by position, ${agreements[format].identical}/${HELD_OUT.prompts} identical (${measured.seconds.toFixed(0)} s)`,
    );
    if (rise > TARGET_RISE[format]) {
      log(
        `${format} misses its +${TARGET_RISE[format]}% target; perplexity with one group of weights taken from ${format}, the rest bf16:`,
      );
      for (const [group, ppl] of Object.entries(await perplexityByGroup(bf16, onLoad, rows))) {
        const groupRise = 100 * (ppl / formats.bf16.perplexity - 1);
        log(`  ${group}: ${ppl.toFixed(3)} (${groupRise >= 0 ? '+' : ''}${groupRise.toFixed(2)}%)`);
      }
    }
    onLoad.dispose();
  }

  bf16.dispose();
  const base = formats.bf16;
  const cases: BenchCase[] = [
    {
      case: `${PRESET} bf16 held-out loss`,
      metric: 'loss',
      unit: 'nats/token',
      better: 'lower',
      ours: base.loss,
      peer: lnVocab,
      peer_name: `uniform over ${training.vocabSize} ids`,
    },
  ];
  for (const format of ['q8', 'q4'] as const) {
    const m = formats[format] as Measured;
    const a = agreements[format] as Agreement;
    cases.push(
      {
        case: `${PRESET} ${format} perplexity`,
        metric: 'perplexity',
        unit: 'ppl',
        better: 'lower',
        ours: m.perplexity,
        peer: base.perplexity,
        peer_name: 'bf16 weights',
      },
      {
        case: `${PRESET} ${format} greedy agreement to first divergence`,
        metric: 'agreement',
        unit: 'share',
        better: 'higher',
        ours: a.prefix,
        peer: null,
        peer_name: null,
      },
      {
        case: `${PRESET} ${format} greedy agreement by position`,
        metric: 'agreement',
        unit: 'share',
        better: 'higher',
        ours: a.positional,
        peer: null,
        peer_name: null,
      },
      {
        case: `${PRESET} ${format} weight bytes`,
        metric: 'size',
        unit: 'bytes',
        better: 'lower',
        ours: m.weightBytes,
        peer: base.weightBytes,
        peer_name: 'bf16 weights',
      },
    );
  }
  return {
    cases,
    machine: {
      training,
      unigram_loss: unigram,
      bf16_continuations: { distinct_ids_per_continuation: distinctPerContinuation, sample },
      held_out: { ...HELD_OUT, loss_targets: rows.length * (HELD_OUT.seqLen - 1) },
      load_average_before: loadBefore,
      load_average_after: loadavg(),
    },
  };
}
