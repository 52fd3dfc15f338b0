import { createInterface } from 'node:readline';
import {
  type CacheDType,
  ChatSession,
  createServer,
  type GenerateOptions,
  type LoadEngineOptions,
  type LoadedEngine,
  loadEngine,
  ModelDirError,
  manifestToolSpecs,
  PromptError,
  SamplingOptionError,
  type ServingOptions,
  type ToolRegistry,
} from '@agentlm/inference/node';
import type { Command } from 'commander';
import { downloadProgressBar } from '../download-progress.js';
import { chatTools, findToolManifest, type ToolsFlag } from '../tools.js';

interface LoadFlags {
  model: string;
  backend: string;
  dtype: string;
  cacheDtype: string;
}

interface SamplingFlags {
  maxNewTokens: string;
  temperature?: string;
  topK?: string;
  topP?: string;
  minP?: string;
  repetitionPenalty?: string;
  seed?: string;
  stop?: string[];
}

const BACKENDS = ['auto', 'cpu', 'webgpu'];
const DTYPES = ['f32', 'bf16', 'f16'];
/** Weight dtypes: `auto` keeps the checkpoint's own; q8/q4 quantize a float checkpoint while it loads. */
const WEIGHT_DTYPES = ['auto', ...DTYPES, 'q8', 'q4'];

function withLoadOptions(cmd: Command): Command {
  return cmd
    .requiredOption(
      '--model <dir|url>',
      'model directory (config.json + safetensors, optional tokenizer files) or its http(s) URL (downloaded into $AGENTLM_CACHE, default ~/.cache/agentlm; progress on stderr)',
    )
    .option('--backend <name>', `compute backend: ${BACKENDS.join(', ')}`, 'auto')
    .option(
      '--dtype <dtype>',
      `weight storage dtype on the device: ${WEIGHT_DTYPES.join(', ')} (auto: the checkpoint's own; q8/q4 quantize on load)`,
      'auto',
    )
    .option('--cache-dtype <dtype>', `latent KV cache storage dtype: ${DTYPES.join(', ')}`, 'f32');
}

function withSamplingOptions(cmd: Command, defaultMaxTokens: string): Command {
  return cmd
    .option('--max-new-tokens <n>', 'most tokens to generate', defaultMaxTokens)
    .option('--temperature <t>', '0 = greedy (default 1)')
    .option('--top-k <k>', 'keep the k most likely tokens (0 = off)')
    .option('--top-p <p>', 'nucleus sampling mass (1 = off)')
    .option('--min-p <p>', 'drop tokens below p × the top probability (0 = off)')
    .option('--repetition-penalty <r>', 'penalise tokens already seen (1 = off)')
    .option('--seed <s>', 'sampling seed (random when absent; printed so the run can be repeated)')
    .option('--stop <text...>', 'stop strings: the output is cut before the first one');
}

function choice(flag: string, value: string, allowed: string[]): string {
  if (!allowed.includes(value))
    throw new SamplingOptionError(flag, value, `must be one of ${allowed.join(', ')}`);
  return value;
}

function num(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new SamplingOptionError(flag, value, 'must be a number');
  return n;
}

function sampling(f: SamplingFlags): GenerateOptions {
  const options: GenerateOptions = {
    maxNewTokens: num('--max-new-tokens', f.maxNewTokens),
    temperature: num('--temperature', f.temperature),
    topK: num('--top-k', f.topK),
    topP: num('--top-p', f.topP),
    minP: num('--min-p', f.minP),
    repetitionPenalty: num('--repetition-penalty', f.repetitionPenalty),
    seed: num('--seed', f.seed),
    stop: f.stop ?? [],
  };
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

function weightsDtype(flag: string): LoadEngineOptions['weightsDtype'] {
  const dtype = choice('--dtype', flag, WEIGHT_DTYPES);
  return dtype === 'auto' ? undefined : (dtype as LoadEngineOptions['weightsDtype']);
}

async function load(f: LoadFlags, serving: ServingOptions = {}): Promise<LoadedEngine> {
  return loadEngine(f.model, {
    backend: choice('--backend', f.backend, BACKENDS) as 'auto' | 'cpu' | 'webgpu',
    weightsDtype: weightsDtype(f.dtype),
    dtype: choice('--cache-dtype', f.cacheDtype, DTYPES) as CacheDType,
    onDownloadProgress: downloadProgressBar(),
    ...serving,
  });
}

/** `agentlm generate`: one completion, streamed to stdout; timings on stderr. */
async function generate(
  f: LoadFlags & SamplingFlags & { prompt?: string; promptIds?: string; printIds?: boolean },
) {
  if ((f.prompt === undefined) === (f.promptIds === undefined)) {
    throw new PromptError('give exactly one of --prompt TEXT or --prompt-ids 1,2,3');
  }
  const prompt = f.promptIds === undefined ? (f.prompt as string) : parseIds(f.promptIds);
  const options = sampling(f);
  const { engine, tokenizer } = await load(f);
  if (tokenizer === null && typeof prompt === 'string') {
    throw new ModelDirError(f.model, 'has no tokenizer.json: use --prompt-ids with --print-ids');
  }
  const started = performance.now();
  let firstTokenAt = 0;
  const generation = engine.generate(prompt, options);
  for await (const token of generation) {
    if (firstTokenAt === 0) firstTokenAt = performance.now();
    if (tokenizer !== null && !f.printIds) process.stdout.write(token.text);
  }
  const r = await generation.result;
  if (f.printIds || tokenizer === null) process.stdout.write(`${r.ids.join(',')}\n`);
  else process.stdout.write('\n');
  const prefillS = (firstTokenAt - started) / 1000;
  const decodeS = (performance.now() - firstTokenAt) / 1000;
  const decodeRate = r.completionTokens > 1 ? ((r.completionTokens - 1) / decodeS).toFixed(1) : '-';
  process.stderr.write(
    `${r.promptTokens} prompt + ${r.completionTokens} generated tokens (${r.finishReason}${r.stoppedBy === null ? '' : ` by ${JSON.stringify(r.stoppedBy)}`}), ` +
      `prefill ${(r.promptTokens / prefillS).toFixed(1)} tok/s (first token after ${prefillS.toFixed(2)} s), ` +
      `decode ${decodeRate} tok/s, resident ${(process.memoryUsage.rss() / 2 ** 30).toFixed(2)} GiB, seed ${r.seed}\n`,
  );
}

function parseIds(text: string): number[] {
  const ids = text.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id < 0)) {
    throw new PromptError(
      `--prompt-ids must be comma-separated non-negative integers, got ${JSON.stringify(text)}`,
    );
  }
  return ids;
}

/** `agentlm chat`: an interactive terminal chat with streaming, tools and /tools, /reset, /exit. */
async function chat(
  f: LoadFlags & SamplingFlags & { system?: string; think: boolean; tools: ToolsFlag; maxSteps: string },
) {
  const options = sampling(f);
  const loaded = await load(f);
  if (loaded.format === null)
    throw new ModelDirError(f.model, 'has no tokenizer.json: chat needs a tokenizer');
  const { tools, from } = await chatTools(f.model, f.tools);
  const session = new ChatSession(loaded.engine.createSession(), {
    ...options,
    format: loaded.format,
    tools,
    system: f.system,
    thinking: f.think,
    maxSteps: num('--max-steps', f.maxSteps),
  });
  const out = process.stdout;
  const rl = createInterface({ input: process.stdin, terminal: process.stdin.isTTY === true });
  out.write(`chatting with ${f.model} (/tools, /call NAME {json}, /reset, /exit)\n`);
  const names = tools.specs().map((s) => s.name);
  out.write(`tools from ${from}: ${names.length === 0 ? 'none' : names.join(', ')}\n`);
  const ask = () => out.write('> ');
  ask();
  for await (const line of rl) {
    const text = line.trim();
    if (text === '/exit') break;
    if (text === '/reset') {
      session.reset();
      out.write('(conversation reset)\n');
    } else if (text === '/tools') {
      const specs = tools.specs();
      out.write(
        specs.length === 0
          ? '(no tools)\n'
          : specs.map((s) => `${s.name}: ${s.description ?? ''}\n`).join(''),
      );
    } else if (text === '/call' || text.startsWith('/call ')) {
      out.write(`${await callByHand(tools, text.slice('/call'.length).trim())}\n`);
    } else if (text.length > 0) {
      await chatTurn(session, text);
    }
    ask();
  }
  rl.close();
  out.write('\n');
}

/** `/call NAME {json}`: runs one tool as the model would (arguments checked), outside the conversation. */
async function callByHand(tools: ToolRegistry, rest: string): Promise<string> {
  const match = /^(\S+)\s*(.*)$/s.exec(rest);
  if (match === null) return '(usage: /call NAME {"arg": "value"})';
  let args: unknown = {};
  if ((match[2] as string).length > 0) {
    try {
      args = JSON.parse(match[2] as string);
    } catch (err) {
      return `(the arguments must be JSON: ${(err as Error).message})`;
    }
  }
  const outcome = await tools.call({ name: match[1] as string, arguments: args });
  return `[tool result] ${outcome.content}`;
}

async function chatTurn(session: ChatSession, text: string): Promise<void> {
  const out = process.stdout;
  const events = session.send(text);
  let kind: string | null = null;
  for (let e = await events.next(); ; e = await events.next()) {
    if (e.done) {
      out.write(
        `\n[${e.value.finishReason}, ${e.value.steps} step(s), ${e.value.usage.completionTokens} tokens]\n`,
      );
      return;
    }
    const event = e.value;
    if (event.type === 'delta') {
      if (event.kind !== kind) out.write(event.kind === 'reasoning' ? '\n(thinking) ' : '\n');
      kind = event.kind;
      out.write(event.text);
    } else if (event.type === 'tool_call') {
      out.write(`\n[tool call] ${event.call.name}(${JSON.stringify(event.call.arguments)})`);
      kind = null;
    } else if (event.type === 'tool_result') {
      out.write(`\n[tool result] ${event.outcome.content}`);
    }
  }
}

/** `agentlm serve`: the OpenAI-compatible server until SIGINT/SIGTERM, then a graceful shutdown. */
async function serve(
  f: LoadFlags & {
    port: string;
    host: string;
    maxBatch: string;
    maxWaiting: string;
    prefillChunk: string;
    kvCacheBytes?: string;
    maxBodyBytes: string;
    maxTokens?: string;
    tools: ToolsFlag;
  },
) {
  const port = num('--port', f.port) as number;
  const { engine, format } = await load(f, {
    maxBatch: num('--max-batch', f.maxBatch),
    maxWaiting: num('--max-waiting', f.maxWaiting),
    prefillChunk: num('--prefill-chunk', f.prefillChunk),
    kvCacheBytes: num('--kv-cache-bytes', f.kvCacheBytes),
  });
  const manifest = await findToolManifest(f.model, f.tools);
  const server = createServer(engine, {
    format,
    maxBodyBytes: num('--max-body-bytes', f.maxBodyBytes),
    maxTokens: num('--max-tokens', f.maxTokens),
    tools: manifest === null ? [] : manifestToolSpecs(manifest.manifest),
  });
  if (manifest !== null) {
    const names = manifest.manifest.tools.map((t) => t.function.name).join(', ') || 'none';
    process.stdout.write(
      `default tools from ${manifest.file} (for requests without "tools"; the client runs the calls): ${names}\n`,
    );
  }
  const url = await server.listen(port, f.host);
  process.stdout.write(`agentlm serving ${engine.model.name} at ${url}/v1 (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.stdout.write('shutting down: finishing in-flight requests\n');
      server.close().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Registers `agentlm generate`, `agentlm chat` and `agentlm serve`. */
export function registerInference(program: Command): void {
  withSamplingOptions(
    withLoadOptions(
      program
        .command('generate')
        .description('Generate a completion with a model (streams text; --print-ids for ids)'),
    ),
    '64',
  )
    .option('--prompt <text>', 'prompt text (needs tokenizer files in the model directory)')
    .option('--prompt-ids <ids>', 'prompt as comma-separated token ids (works without tokenizer files)')
    .option('--print-ids', 'print the generated token ids instead of text')
    .action(generate);
  withSamplingOptions(
    withLoadOptions(
      program
        .command('chat')
        .description(
          'Interactive terminal chat with streaming and tools (/tools, /call NAME {json}, /reset, /exit)',
        ),
    ),
    '512',
  )
    .option('--system <text>', 'system prompt')
    .option('--no-think', 'non-thinking mode (pre-fills an empty <think> block)')
    .option(
      '--tools <file>',
      "tool manifest to offer and run (default: the model directory's tools.json, else calculator and current_time)",
    )
    .option('--no-tools', 'offer no tools')
    .option('--max-steps <n>', 'most generations per user turn (tool rounds)', '8')
    .action(chat);
  withLoadOptions(program.command('serve').description('Serve the model over an OpenAI-compatible HTTP API'))
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8080')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--max-batch <n>', 'most requests running at once (decoded together in one batched step)', '16')
    .option('--max-waiting <n>', 'most requests queued for a running slot before 429', '64')
    .option(
      '--prefill-chunk <n>',
      'prompt tokens prefilled per step between decode steps (bounds inter-token latency)',
      '512',
    )
    .option(
      '--kv-cache-bytes <n>',
      'latent KV cache bytes all running requests may reserve (default: no limit)',
    )
    .option('--max-body-bytes <n>', 'largest request body before 413', String(1 << 20))
    .option('--max-tokens <n>', 'largest max_tokens a request may ask for')
    .option(
      '--tools <file>',
      'tool manifest whose tools a chat request without "tools" gets (default: the model directory\'s tools.json)',
    )
    .option('--no-tools', 'offer no default tools')
    .action(serve);
}
