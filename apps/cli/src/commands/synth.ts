import {
  type ChatModel,
  DIFFICULTIES,
  type Difficulty,
  DOMAINS,
  type Domain,
  LocalModelPolicy,
  OpenAITeacher,
  type Policy,
  readTrajectories,
  ScriptedPolicy,
  SynthOptionError,
  type SynthReport,
  synthesize,
  type Trajectory,
} from '@agentlm/synth';
import { renderChatSpans, Tokenizer } from '@agentlm/tokenizer';
import type { Command } from 'commander';

interface SynthOptions {
  domains: string;
  difficulties: string;
  count: string;
  policy: string;
  out: string;
  seed: string;
  format: string;
  shardSize: string;
  concurrency: string;
  mistakeRate: string;
  teacherUrl?: string;
  teacherModel?: string;
  apiKeyEnv: string;
  rpm?: string;
  maxRetries: string;
  timeoutMs: string;
  price?: string;
  temperature?: string;
  tokenizer?: string;
  model?: string;
  maxTokens: string;
}

function integer(option: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new SynthOptionError(option, value, `an integer ≥ ${min}`);
  return n;
}

function list<T extends string | number>(
  option: string,
  value: string,
  allowed: readonly T[],
  parse: (s: string) => T,
): T[] {
  const items = value.split(',').map((s) => parse(s.trim()));
  for (const item of items) {
    if (!allowed.includes(item))
      throw new SynthOptionError(option, item, `a comma-separated list of ${allowed.join(', ')}`);
  }
  return items;
}

async function makePolicy(o: SynthOptions, seed: number): Promise<Policy> {
  if (o.policy === 'scripted') {
    const mistakeRate = Number(o.mistakeRate);
    if (!(mistakeRate >= 0 && mistakeRate <= 1))
      throw new SynthOptionError('--mistake-rate', o.mistakeRate, 'a number from 0 to 1');
    return new ScriptedPolicy({ seed, mistakeRate });
  }
  if (o.policy === 'openai') {
    if (!o.teacherUrl)
      throw new SynthOptionError('--teacher-url', o.teacherUrl, 'a base URL with --policy openai');
    if (!o.teacherModel)
      throw new SynthOptionError('--teacher-model', o.teacherModel, 'a model name with --policy openai');
    const [prompt, completion] = (o.price ?? '0,0').split(',').map(Number);
    return new OpenAITeacher({
      baseURL: o.teacherUrl,
      model: o.teacherModel,
      apiKey: process.env[o.apiKeyEnv],
      maxRetries: integer('--max-retries', o.maxRetries, 0),
      timeoutMs: integer('--timeout-ms', o.timeoutMs, 1),
      maxConcurrency: integer('--concurrency', o.concurrency, 1),
      ...(o.rpm ? { requestsPerMinute: integer('--rpm', o.rpm, 1) } : {}),
      ...(o.temperature ? { temperature: Number(o.temperature) } : {}),
      pricing: { prompt: prompt ?? 0, completion: completion ?? 0 },
    });
  }
  if (o.policy === 'local') {
    if (!o.model)
      throw new SynthOptionError(
        '--model',
        o.model,
        'a model directory (config.json, safetensors, tokenizer.json) with --policy local',
      );
    return new LocalModelPolicy(await localChatModel(o.model), {
      modelName: o.model,
      maxTokens: integer('--max-tokens', o.maxTokens, 1),
      ...(o.temperature ? { temperature: Number(o.temperature) } : {}),
    });
  }
  throw new SynthOptionError('--policy', o.policy, 'scripted, openai or local');
}

/** A model directory loaded with @agentlm/inference, prompted through the tokenizer's chat template. */
async function localChatModel(dir: string): Promise<ChatModel> {
  const { loadEngine } = await import('@agentlm/inference');
  const { engine, tokenizer } = await loadEngine(dir, { backend: 'cpu' });
  if (!tokenizer) throw new SynthOptionError('--model', dir, 'a model directory that holds tokenizer.json');
  return {
    async complete(messages, tools, options) {
      // message content (tool results included) is encoded as text: only the template's markup is special
      const { text, literalSpans } = renderChatSpans(messages, {
        tools: tools as unknown as Record<string, unknown>[],
        addGenerationPrompt: true,
        template: tokenizer.chatTemplate,
        specialTokens: tokenizer.addedTokens.map((t) => t.content),
      });
      const generation = engine.generate(tokenizer.encode(text, { literalSpans }), {
        maxNewTokens: options.maxTokens ?? 512,
        ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
      });
      for await (const _token of generation) {
        // Drain the stream; the text is read from the result.
      }
      return (await generation.result).text;
    },
  };
}

function printReport(report: SynthReport, out: string): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(
    `kept ${report.kept}/${report.wanted} verified trajectories in ${out} (${report.run.seconds}s, ${report.run.keptPerSecond}/s)`,
  );
  for (const [domain, d] of Object.entries(report.domains)) {
    const levels = Object.entries(d.byDifficulty)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
    console.log(
      `  ${domain.padEnd(9)} kept ${String(d.kept).padStart(6)}  rejected ${String(d.rejected).padStart(4)}  pass ${pct(d.passRate).padStart(6)}  tokens mean ${d.tokens.mean} p95 ${d.tokens.p95}  ${levels}`,
    );
  }
  console.log(
    `  this run: ${report.run.attempted} episodes, ${report.run.duplicates} duplicate tasks skipped, ${report.run.errors} policy errors (retried on rerun)`,
  );
  if (report.teacher && report.policy === 'openai') {
    const u = report.teacher.usage;
    console.log(
      `  teacher ${report.teacher.model}: ${u.requests} requests, ${u.promptTokens}+${u.completionTokens} tokens, ${u.retries} retries, $${u.costUsd.toFixed(4)}`,
    );
  } else if (report.teacher) {
    console.log(`  model ${report.teacher.model}`);
  }
}

async function runSynth(o: SynthOptions): Promise<void> {
  const seed = integer('--seed', o.seed, 0);
  if (o.format !== 'jsonl' && o.format !== 'msgpack')
    throw new SynthOptionError('--format', o.format, 'jsonl or msgpack');
  const count = integer('--count', o.count, 1);
  let lastPrint = 0;
  const tokenizer = o.tokenizer ? await Tokenizer.fromFile(o.tokenizer) : null;
  const report = await synthesize({
    out: o.out,
    count,
    seed,
    domains: list<Domain>('--domains', o.domains, DOMAINS, (s) => s as Domain),
    difficulties: list<Difficulty>(
      '--difficulties',
      o.difficulties,
      DIFFICULTIES,
      (s) => Number(s) as Difficulty,
    ),
    policy: await makePolicy(o, seed),
    format: o.format,
    shardSize: integer('--shard-size', o.shardSize, 1),
    concurrency: integer('--concurrency', o.concurrency, 1),
    ...(tokenizer ? { countTokens: (text: string) => tokenizer.encode(text).length } : {}),
    onProgress: (done, wanted) => {
      if (!process.stderr.isTTY || Date.now() - lastPrint < 200) return;
      lastPrint = Date.now();
      process.stderr.write(`\rsynth: ${done}/${wanted} kept`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  printReport(report, o.out);
}

function show(t: Trajectory): string {
  const lines = [
    `id ${t.id}  domain ${t.domain}  kind ${t.task.kind}  difficulty ${t.task.difficulty}`,
    `verdict ${t.verdict.passed ? 'PASSED' : 'FAILED'} (${t.verdict.checker}) ${JSON.stringify(t.verdict.details)}`,
    `generator ${t.meta.generator}  seed ${t.meta.seed}${t.meta.teacher ? `  teacher ${t.meta.teacher.model}` : ''}`,
    `tools ${t.tools.map((s) => s.function.name).join(', ') || '(none)'}`,
  ];
  for (const m of t.messages) {
    lines.push(`── ${m.role}${m.tool_call_id ? ` (${m.tool_call_id})` : ''} ──`);
    if (m.content) lines.push(m.content);
    for (const c of m.tool_calls ?? [])
      lines.push(`→ ${c.function.name}(${JSON.stringify(c.function.arguments)})  [${c.id}]`);
  }
  return lines.join('\n');
}

function inspect(
  file: string,
  o: { index: string; id?: string; rejected?: boolean; json?: boolean; stats?: boolean },
): void {
  const records = readTrajectories(file, o.rejected ? 'rejected' : 'trajectories');
  if (o.stats) {
    const byDomain = new Map<string, number>();
    for (const t of records) byDomain.set(t.domain, (byDomain.get(t.domain) ?? 0) + 1);
    console.log(`${records.length} records${[...byDomain].map(([d, n]) => `, ${d} ${n}`).join('')}`);
    return;
  }
  const index = integer('--index', o.index, 0);
  const record = o.id ? records.find((t) => t.id === o.id) : records[index];
  if (!record) {
    throw new SynthOptionError(
      o.id ? '--id' : '--index',
      o.id ?? index,
      `a trajectory in ${file} (it holds ${records.length})`,
    );
  }
  console.log(o.json ? JSON.stringify(record, null, 2) : show(record));
}

/** Registers the `agentlm synth` commands. */
export function registerSynth(program: Command): void {
  const synth = program
    .command('synth')
    .description(
      'Synthesize verified Agentic-CoT trajectories (math, code, tools, research) into JSONL or msgpack shards',
    )
    .option('--domains <list>', `comma-separated domains (${DOMAINS.join(',')})`, DOMAINS.join(','))
    .option('--difficulties <list>', 'comma-separated difficulties (1,2,3)', '1,2,3')
    .option('--count <n>', 'verified trajectories wanted, balanced over domains × difficulties')
    .option('--policy <name>', 'scripted | openai | local (--model DIR)', 'scripted')
    .option('--out <dir>', 'output directory (resumed when it already holds shards)')
    .option('--seed <n>', 'seed of tasks and policy', '0')
    .option('--format <fmt>', 'jsonl | msgpack', 'jsonl')
    .option('--shard-size <n>', 'records per shard', '1000')
    .option('--concurrency <n>', 'episodes (and teacher requests) in flight', '1')
    .option(
      '--mistake-rate <p>',
      'scripted: share of episodes with a mistake, reflection and recovery',
      '0.25',
    )
    .option('--teacher-url <url>', 'openai: base URL of an OpenAI-compatible endpoint')
    .option('--teacher-model <name>', 'openai: model name')
    .option('--api-key-env <var>', 'openai: environment variable holding the API key', 'OPENAI_API_KEY')
    .option('--rpm <n>', 'openai: requests per minute at most')
    .option('--max-retries <n>', 'openai: retries on 429/5xx/timeouts/malformed tool calls', '4')
    .option('--timeout-ms <n>', 'openai: per-request timeout', '60000')
    .option(
      '--price <prompt,completion>',
      'openai: US$ per million prompt,completion tokens for the cost estimate',
    )
    .option('--temperature <t>', 'openai, local: sampling temperature')
    .option('--model <dir>', 'local: model directory run on the CPU with @agentlm/inference')
    .option('--max-tokens <n>', 'local: most tokens per assistant turn', '512')
    .option(
      '--tokenizer <path>',
      'tokenizer.json (or its directory) for exact token lengths in the report (default: an estimate)',
    )
    .action(async (o: SynthOptions) => {
      if (!o.count) throw new SynthOptionError('--count', o.count, 'a positive integer');
      if (!o.out) throw new SynthOptionError('--out', o.out, 'an output directory');
      await runSynth(o);
    });
  synth
    .command('inspect <file>')
    .description('Pretty-print a trajectory from a shard file or dataset directory')
    .option('--index <n>', 'which record', '0')
    .option('--id <id>', 'the record with this id')
    .option('--rejected', 'read the rejected shards of a directory instead')
    .option('--json', 'print the raw record as JSON')
    .option('--stats', 'print only how many records there are, per domain')
    .action(
      (
        file: string,
        o: { index: string; id?: string; rejected?: boolean; json?: boolean; stats?: boolean },
      ) => inspect(file, o),
    );
}
