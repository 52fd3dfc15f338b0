import './shims/globals.js';
import { ChatSession, fromModel, type LoadedEngine } from '@agentlm/inference';
import { loadModelFromFiles, type YoutuModel } from '@agentlm/model';
import { autoFallback, type Backend, initBackend } from '@agentlm/tensor';
import { Tokenizer } from '@agentlm/tokenizer';
import { streamChatTurn } from './chat-turn.js';
import { classifyError } from './errors.js';
import type { ModelFiles, Reply, Request } from './protocol.js';
import { demoTools } from './tools.js';
import { trainNano } from './train.js';

/** The compute worker: owns the backend, the loaded model, the chat and the trainer so the page never freezes. */
const reply = (msg: Reply) => postMessage(msg);

let backend: Backend | null = null;
let loaded: (LoadedEngine & { youtu: YoutuModel; chat: ChatSession | null }) | null = null;
const tools = demoTools();

async function init(preference: Request & { type: 'init' }): Promise<void> {
  const hasGpu = typeof navigator !== 'undefined' && 'gpu' in navigator && Boolean(navigator.gpu);
  const wanted =
    preference.backend === 'webgpu' || (preference.backend === 'auto' && hasGpu) ? preference.backend : 'cpu';
  backend = await initBackend(wanted);
  const notice =
    backend.name === 'cpu' && preference.backend !== 'cpu'
      ? `WebGPU is not available here (${autoFallback() ?? 'this browser has no navigator.gpu'}): running on the CPU backend, which is slower.`
      : undefined;
  reply({ type: 'ready', backend: backend.name, ...(notice ? { notice } : {}) });
}

async function text(blob: Blob | undefined): Promise<string | null> {
  return blob === undefined ? null : await blob.text();
}

/** Replaces the active model (disposing the previous one) and opens a chat over it. */
function activate(
  name: string,
  youtu: YoutuModel,
  tokenizer: Tokenizer | null,
): { parameters: number; kvBytesPerToken: number } {
  loaded?.chat?.session.dispose();
  loaded?.youtu.dispose();
  const engine = fromModel(youtu, tokenizer, { name });
  const chat =
    engine.format === null
      ? null
      : new ChatSession(engine.engine.createSession(), { format: engine.format, tools, maxSteps: 3 });
  loaded = { ...engine, youtu, chat };
  const parameters = youtu.parameters().reduce((n, p) => n + p.size, 0);
  return { parameters, kvBytesPerToken: engine.model.cacheBytesPerToken().latent };
}

async function load(name: string, files: ModelFiles): Promise<void> {
  const youtu = await loadModelFromFiles(files, {
    backend: backend ?? undefined,
    requiresGrad: false,
    label: name,
    onProgress: (p) =>
      reply({ type: 'progress', text: `loading ${p.name} (${p.loaded}/${p.total} tensors)` }),
  });
  const tokenizerJson = await text(files['tokenizer.json']);
  const tokenizer =
    tokenizerJson === null
      ? null
      : Tokenizer.fromJSON(tokenizerJson, (await text(files['tokenizer_config.json'])) ?? {});
  reply({ type: 'loaded', name, ...activate(name, youtu, tokenizer) });
}

async function chat(req: Request & { type: 'chat' }): Promise<void> {
  if (!loaded?.chat)
    throw Object.assign(new Error('load a model with tokenizer files first'), { kind: 'input' as const });
  await streamChatTurn(loaded.chat, req, loaded.model.cacheBytesPerToken().latent, reply);
}

function tokenize(input: string): void {
  const tokenizer = loaded?.tokenizer;
  if (!tokenizer) {
    reply({ type: 'tokens', ids: [], pieces: [] });
    return;
  }
  const ids = tokenizer.encode(input);
  reply({ type: 'tokens', ids, pieces: ids.map((id) => tokenizer.decode([id])) });
}

async function train(steps: number): Promise<void> {
  if (!backend) throw new Error('the backend is not ready yet');
  const trained = await trainNano(
    backend,
    steps,
    (step, loss) => reply({ type: 'trainStep', step, steps, loss }),
    (text) => reply({ type: 'progress', text }),
  );
  const name = `nano trained here (${steps} steps)`;
  reply({ type: 'trained', name, ...activate(name, trained.model, trained.tokenizer) });
}

/** After a lost GPU device, everything on it is gone: carry on with the CPU backend. */
async function fallBackToCpu(): Promise<void> {
  loaded = null;
  backend = await initBackend('cpu');
  reply({
    type: 'ready',
    backend: 'cpu',
    notice: 'The GPU device was lost: switched to the CPU backend. Load or train the model again.',
  });
}

// One request at a time, in order: a chat never overlaps training or loading.
let queue = Promise.resolve();
addEventListener('message', (event: MessageEvent<Request>) => {
  const req = event.data;
  queue = queue.then(async () => {
    try {
      if (req.type === 'init') await init(req);
      else if (req.type === 'load') await load(req.name, req.files);
      else if (req.type === 'chat') await chat(req);
      else if (req.type === 'reset') loaded?.chat?.reset();
      else if (req.type === 'tokenize') tokenize(req.text);
      else if (req.type === 'train') await train(req.steps);
    } catch (err) {
      const failure = classifyError(err);
      reply({ type: 'error', ...failure });
      if (failure.kind === 'device-lost') await fallBackToCpu();
    }
  });
});
