import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  buildMix,
  encoderFromTokenizer,
  MixDataset,
  parseCurriculum,
  reportMarkdown,
  youtuCurriculum,
} from '@agentlm/mixer';
import { loadModel, presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { ScriptedPolicy, synthesize, type Task } from '@agentlm/synth';
import { initBackend } from '@agentlm/tensor';
import { AGENT_SPECIAL_TOKENS, AGENT_TOKENS, trainTokenizer } from '@agentlm/tokenizer';
import { type AgentEvalResult, evaluateAgent, toolSpecs } from '../agent-eval.js';
import { mixBatchSource, stageHintsFromMix } from '../data.js';
import { greedyDecoder } from '../decode.js';
import { TrainerError } from '../errors.js';
import { type DomainLoss, heldOutLoss } from '../eval.js';
import { type TrainResult, trainLoop } from '../loop.js';
import { readMetrics } from '../metrics.js';
import { type LrSchedule, wsdFromStageHints } from '../schedule.js';
import {
  DEMO_SYSTEM_PROMPT,
  heldOutLossSets,
  heldOutTasks,
  tokenizerCorpus,
  writeMixTrajectories,
} from './data.js';
import { writeDemoReport } from './report.js';
import { DEMO_SIZES, type DemoSizes } from './sizes.js';
import { demoToolManifest, writeToolManifest } from './tool-manifest.js';

export interface DemoOptions {
  /** Output folder (default `.agentlm/demo`). */
  out?: string;
  /** The reduced size used by tests. */
  quick?: boolean;
  /** Tensor backend (default cpu: deterministic, and faster than a software GPU). */
  backend?: 'auto' | 'cpu' | 'webgpu';
  seed?: number;
  log?: (line: string) => void;
  /** Override single size knobs (benchmarks, experiments). */
  sizes?: Partial<DemoSizes>;
}

export interface StageTime {
  name: string;
  seconds: number;
}

export interface DemoResult {
  out: string;
  stages: StageTime[];
  sizes: DemoSizes;
  parameters: number;
  pretrain: { steps: number; tokens: number; firstLoss: number; finalLoss: number; tokensPerSecond: number };
  midtrain: { steps: number; tokens: number; firstLoss: number; finalLoss: number; tokensPerSecond: number };
  heldOut: { before: Record<string, DomainLoss>; after: Record<string, DomainLoss> };
  agent: { before: AgentEvalResult; after: AgentEvalResult; tasks: number };
  /** The synthesized task kinds trained and evaluated on. */
  taskKinds: string[];
  /** The HF checkpoint folder (config.json, model.safetensors, tokenizer files, tools.json). */
  checkpoint: string;
  /** The checkpoint's tool manifest (`tools.json`): the tools the model trained with and a sample store. */
  tools: string;
  report: string;
  /** The closing tool-using chat turn, as printed. */
  chat: string[];
}

/**
 * The agent tasks the demo trains and evaluates on: the tool-use kinds whose arguments and answers come from
 * small closed vocabularies (read a key, store a value). A 1M-parameter model trained for minutes does not
 * learn to copy arbitrary strings (dates, expressions, numbers) from its context, so the other kinds would
 * measure nothing but that; `agentlm train` with `@agentlm/synth` covers every kind at larger scale.
 */
export const DEMO_TASKS = { domains: ['tools'] as Task['domain'][], kinds: ['kv-lookup', 'kv-save'] };

function summary(r: TrainResult) {
  const finite = r.losses.filter(Number.isFinite);
  return {
    steps: r.steps,
    tokens: r.tokens,
    firstLoss: finite[0] ?? Number.NaN,
    finalLoss: finite.at(-1) ?? Number.NaN,
    tokensPerSecond: r.tokens / Math.max(r.seconds, 1e-9),
  };
}

/**
 * The whole recipe on generated data, end to end: STEM tokenizer → synthesized verified trajectories →
 * 3-stage pre-training curriculum and an agentic mid-training mix → pre-train a nano MLA model →
 * evaluate → mid-train → evaluate again → HF checkpoint, Markdown report with SVG plots, and one
 * tool-using chat turn. Every number in the report is what this run measured.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const out = resolve(options.out ?? '.agentlm/demo');
  const seed = options.seed ?? 0;
  const sizes = { ...DEMO_SIZES[options.quick ? 'quick' : 'default'], ...options.sizes };
  const log = options.log ?? (() => {});
  const stages: StageTime[] = [];
  const stage = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    log(`▸ ${name}`);
    const t0 = performance.now();
    const value = await fn();
    const seconds = (performance.now() - t0) / 1000;
    stages.push({ name, seconds });
    log(`  ${name}: done in ${seconds.toFixed(1)} s`);
    return value;
  };
  mkdirSync(out, { recursive: true });
  const backend = await initBackend(options.backend ?? 'cpu');
  log(
    `agentlm demo → ${out} (${options.quick ? 'quick' : 'default'} size, ${backend.name} backend, seed ${seed})`,
  );

  const synthDir = join(out, 'synth');
  const trajectories = await stage('synthesize trajectories', async () => {
    await synthesize({
      out: synthDir,
      count: sizes.trajectories,
      ...DEMO_TASKS,
      difficulties: [1],
      seed,
      // no deliberate-mistake episodes: a model this small copies their wrong first call instead of the recovery
      policy: new ScriptedPolicy({ seed, mistakeRate: 0 }),
    });
    const list = writeMixTrajectories(synthDir, join(out, 'data', 'trajectories.jsonl'));
    log(`  ${list.length} verified trajectories (${DEMO_TASKS.kinds.join(', ')})`);
    return list;
  });

  const tokenizerDir = join(out, 'tokenizer');
  const tokenizer = await stage('train STEM tokenizer', async () => {
    // the chat and tool-call format from a broad sample of tasks (math and every tool kind), not the mid-training set
    const formatDir = join(out, 'synth-tokenizer');
    await synthesize({
      out: formatDir,
      count: sizes.tokenizerTrajectories,
      domains: ['math', 'tools'],
      difficulties: [1],
      seed: seed + 2,
      policy: new ScriptedPolicy({ seed, mistakeRate: 0.1 }),
    });
    const format = writeMixTrajectories(formatDir, join(out, 'data', 'tokenizer-trajectories.jsonl'));
    const tok = await trainTokenizer({
      corpus: { texts: tokenizerCorpus(seed, sizes.tokenizerDocs, format) },
      vocabSize: sizes.vocab,
      preset: 'stem',
      specialTokens: AGENT_SPECIAL_TOKENS,
    });
    await tok.save(tokenizerDir);
    log(
      `  vocabulary ${tok.vocabSize} (byte-level BPE, digits split, ${AGENT_SPECIAL_TOKENS.length} chat specials)`,
    );
    return tok;
  });
  const encoder = encoderFromTokenizer(tokenizer);
  const lengths = trajectories.map((t) => encoder.encodeChat(t.messages, toolSpecs(t)).ids.length);
  log(
    `  trajectories: ${Math.round(lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length))} tokens on average, longest ${Math.max(0, ...lengths)}`,
  );
  const chatIds = {
    assistant: tokenizer.tokenToId(AGENT_TOKENS.assistant) as number,
    endOfText: tokenizer.tokenToId(AGENT_TOKENS.endOfText) as number,
  };

  const trajectorySource = {
    name: 'trajectories',
    domain: 'agent',
    type: 'jsonl' as const,
    paths: [join(out, 'data', 'trajectories.jsonl')],
    format: 'chat' as const,
  };
  const { pretrainMix, midtrainMix } = await stage('build curriculum mixes', async () => {
    const recipe = youtuCurriculum({
      totalTokens: sizes.pretrainTokens,
      seqLen: sizes.seqLen,
      seed,
      longContext: [2],
      fractions: [0.55, 0.3, 0.15, 0],
    });
    const pretrain = parseCurriculum(
      { ...recipe, stages: recipe.stages.filter((s) => s.name !== 'agentic') },
      'demo pre-training curriculum',
    );
    const midtrain = parseCurriculum(
      {
        seed: seed + 1,
        sources: [...recipe.sources.filter((s) => s.domain !== 'agent'), trajectorySource],
        stages: [
          {
            name: 'agentic',
            tokens: sizes.midtrainTokens,
            seqLen: sizes.midtrainSeqLen,
            lr: 'decay',
            weights: { commonsense: 0.01, stem: 0.01, code: 0.01, trajectories: 0.97 },
          },
        ],
      },
      'demo mid-training mix',
    );
    const tokenizerFile = join(tokenizerDir, 'tokenizer.json');
    const a = await buildMix(pretrain, {
      out: join(out, 'mix', 'pretrain'),
      encoder,
      tokenizer: tokenizerFile,
      resume: false,
      exports: ['megatron'],
    });
    const b = await buildMix(midtrain, {
      out: join(out, 'mix', 'midtrain'),
      encoder,
      tokenizer: tokenizerFile,
      resume: false,
      exports: ['jsonl'],
    });
    log(
      `  pre-training: ${a.index.tokens} tokens in ${a.index.stages.map((s) => `${s.name}@${s.seqLen}`).join(' → ')}; mid-training: ${b.index.tokens} tokens`,
    );
    return { pretrainMix: a, midtrainMix: b };
  });

  const tasks = heldOutTasks(
    DEMO_TASKS.domains,
    sizes.heldOutTasks,
    seed + 1_000_003,
    trajectories,
    DEMO_TASKS.kinds,
  );
  const lossSets = await heldOutLossSets(encoder, seed + 7919, sizes.seqLen, sizes.evalRows, tasks);
  const evaluate = async (_step: number, m: YoutuModel) => {
    const r = await heldOutLoss(m, lossSets);
    return Object.fromEntries(Object.entries(r).map(([d, v]) => [`loss_${d}`, v.loss]));
  };
  const agentEval = (m: YoutuModel) =>
    evaluateAgent(tasks, {
      decoder: greedyDecoder(m),
      tokenizer,
      maxNewTokens: sizes.maxNewTokens,
      contextLength: m.config.maxPositionEmbeddings,
      systemPrompt: DEMO_SYSTEM_PROMPT,
    });

  const config = presetConfig('nano', {
    vocab_size: tokenizer.vocabSize,
    bos_token_id: tokenizer.tokenToId(AGENT_TOKENS.beginOfText),
    eos_token_id: chatIds.endOfText,
  });
  const initial = YoutuModel.init(config, { seed, backend });
  const parameters = initial.parameters().reduce((a, p) => a + p.size, 0);
  log(`  model: nano MLA, ${parameters.toLocaleString('en-US')} parameters, vocab ${config.vocabSize}`);
  const run = async (
    name: string,
    model: YoutuModel,
    dir: string,
    schedule: (steps: number) => LrSchedule,
    lossMask: 'all' | 'assistant',
    microBatches: number,
  ) => {
    const dataset = MixDataset.open(dir);
    // the same tokens per micro-batch at every sequence length of the first stage
    const firstSeqLen = dataset.index.stages[0]?.seqLen ?? sizes.seqLen;
    const rows = Math.max(1, Math.round((sizes.rows * sizes.seqLen) / firstSeqLen));
    const steps = Math.max(1, Math.ceil(dataset.length / (rows * microBatches)));
    const result = await trainLoop({
      model,
      source: (start) => mixBatchSource(dataset, rows, start),
      steps,
      microBatches,
      workers: 'auto',
      schedule: schedule(steps),
      lossMask,
      seed,
      runDir: join(out, name),
      checkpointEvery: Math.max(1, Math.ceil(steps / 3)),
      keepLast: 1,
      tokenizerDir,
      evaluate,
      evalEvery: Math.max(1, Math.ceil(steps / 4)),
      log: (line) => log(`  ${line}`),
      logEvery: Math.max(1, Math.ceil(steps / 8)),
      progress: true,
    });
    if (result.stoppedBySignal) {
      throw new TrainerError(
        `demo ${name} stopped by a signal at step ${result.steps}; its checkpoint is in ${result.checkpoint ?? join(out, name)}`,
        'INTERRUPTED',
      );
    }
    return result;
  };

  const pre = await stage('pre-train (3-stage curriculum)', () =>
    run(
      'pretrain',
      initial,
      pretrainMix.dir,
      (steps) =>
        wsdFromStageHints(stageHintsFromMix(pretrainMix.index, steps), {
          peakLr: sizes.peakLr,
          warmupSteps: Math.max(1, Math.round(steps / 10)),
          minLrRatio: 0.1,
        }),
      'all',
      sizes.microBatches,
    ),
  );
  const before = await stage('evaluate pre-trained model', async () => ({
    loss: await heldOutLoss(pre.model, lossSets),
    agent: await agentEval(pre.model),
  }));
  log(
    `  agent tasks passed ${pct(before.agent.successRate)}, <tool_call> opened on ${pct(before.agent.toolCallAttemptRate)} of tool tasks, well-formed ${pct(before.agent.toolCallRate)}, validity ${pct(before.agent.toolCallValidity)}`,
  );

  const mid = await stage('agentic mid-training', () =>
    run(
      'midtrain',
      pre.model,
      midtrainMix.dir,
      (steps) => {
        const warmupSteps = Math.max(1, Math.round(steps / 10));
        return {
          kind: 'wsd',
          phases: [
            {
              steps,
              peakLr: sizes.midtrainPeakLr,
              warmupSteps,
              // warmup, a stable phase, and the last 30% decaying (the WSD shape of the pre-training stages)
              decaySteps: Math.max(1, Math.round(steps * 0.3)),
              minLrRatio: 0.05,
            },
          ],
        };
      },
      'assistant',
      sizes.midtrainMicroBatches,
    ),
  );
  const after = await stage('evaluate mid-trained model', async () => ({
    loss: await heldOutLoss(mid.model, lossSets),
    agent: await agentEval(mid.model),
  }));
  log(
    `  agent tasks passed ${pct(after.agent.successRate)}, <tool_call> opened on ${pct(after.agent.toolCallAttemptRate)} of tool tasks, well-formed ${pct(after.agent.toolCallRate)}, validity ${pct(after.agent.toolCallValidity)}`,
  );

  const checkpoint = join(out, 'model');
  const chatTask = tasks.find((t) => t.domain === 'tools') ?? (tasks[0] as Task);
  const toolsFile = await stage('save HF checkpoint', async () => {
    await saveModel(mid.model, checkpoint, { tokenizerDir });
    // a checkpoint is only as good as its reload: load it back and compare one forward's logits
    const reloaded = await loadModel(checkpoint, { backend });
    const probe = [[chatIds.assistant, 5, 6, 7]];
    const [a, b] = [mid.model.forward(probe).logits, reloaded.forward(probe).logits];
    const [x, y] = [await a.data(), await b.data()];
    if (x.some((v, i) => v !== y[i]))
      throw new TrainerError(`${checkpoint}: reloaded model gives different logits`, 'CHECKPOINT_MISMATCH');
    a.dispose();
    b.dispose();
    reloaded.dispose();
    // the tools the model trained with, so `agentlm chat --model <checkpoint>` can run its calls
    return writeToolManifest(checkpoint, demoToolManifest(trajectories, [chatTask, ...tasks]));
  });

  const chat = await stage('tool-using chat turn', async () => {
    const r = await evaluateAgent([chatTask], {
      decoder: greedyDecoder(mid.model),
      tokenizer,
      maxNewTokens: sizes.maxNewTokens * 2,
      contextLength: config.maxPositionEmbeddings,
      systemPrompt: DEMO_SYSTEM_PROMPT,
    });
    const t = r.transcripts[0];
    return [
      `User: ${chatTask.prompt}`,
      ...(t?.turns ?? []).map((x) => (x.startsWith('[tool') ? x : `Assistant: ${x}`)),
      `(verifier: ${t?.passed ? 'passed' : 'failed'})`,
    ];
  });
  for (const line of chat) log(`  ${line.replace(/\n/g, '\n  ')}`);

  const result: DemoResult = {
    out,
    stages,
    sizes,
    parameters,
    pretrain: summary(pre),
    midtrain: summary(mid),
    heldOut: { before: before.loss, after: after.loss },
    agent: { before: before.agent, after: after.agent, tasks: tasks.length },
    taskKinds: DEMO_TASKS.kinds,
    checkpoint,
    tools: toolsFile,
    report: join(out, 'report.md'),
    chat,
  };
  writeFileSync(join(out, 'mix', 'pretrain-report.md'), reportMarkdown(pretrainMix.report));
  writeDemoReport(result, {
    pretrainMetrics: readMetrics(join(out, 'pretrain', 'metrics.jsonl')),
    midtrainMetrics: readMetrics(join(out, 'midtrain', 'metrics.jsonl')),
    mixReports: { pretrain: pretrainMix.report, midtrain: midtrainMix.report },
  });
  writeFileSync(
    join(out, 'result.json'),
    `${JSON.stringify({ ...result, agent: { ...result.agent, before: { ...before.agent, transcripts: undefined }, after: { ...after.agent, transcripts: undefined } } }, null, 2)}\n`,
  );
  log(`report: ${result.report}`);
  return result;
}

export function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
