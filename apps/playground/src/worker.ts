import './shims/globals.js';
import type { ChatSession } from '@agentlm/inference';
import { autoFallback, type Backend, initBackend } from '@agentlm/tensor';
import { streamChatTurn } from './chat-turn.js';
import { classifyError } from './errors.js';
import { type ModelSession, newChat, openModel, parameterCount, withEngine } from './model-session.js';
import type { ModelFiles, Reply, Request } from './protocol.js';
import { deleteCached, fetchModel, listCached } from './remote.js';
import { trainNano } from './train.js';

/** The compute worker: owns the backend, the loaded model, the chat and the trainer so the page never freezes. */
const reply = (msg: Reply) => postMessage(msg);

let backend: Backend | null = null;
let loaded: (ModelSession & { chat: ChatSession | null; system: string }) | null = null;

async function init(preference: Request & { type: 'init' }): Promise<void> {
  const hasGpu = typeof navigator !== 'undefined' && 'gpu' in navigator && Boolean(navigator.gpu);
  const wanted =
    preference.backend === 'webgpu' || (preference.backend === 'auto' && hasGpu) ? preference.backend : 'cpu';
  const cap = preference.maxBindingBytes;
  backend = await initBackend(wanted, cap === undefined ? {} : { maxBindingBytes: cap });
  const notice =
    backend.name === 'cpu' && preference.backend !== 'cpu'
      ? `WebGPU is not available here (${autoFallback() ?? 'this browser has no navigator.gpu'}): running on the CPU backend, which is slower.`
      : undefined;
  reply({ type: 'ready', backend: backend.name, ...(notice ? { notice } : {}) });
}

function storeChanged(): void {
  if (loaded?.toolState) reply({ type: 'store', kv: { ...loaded.toolState.kv } });
}

/** Replaces the active model (disposing the previous one) and tells the page what it offers. */
function activate(model: ModelSession): Reply & { type: 'loaded' } {
  loaded?.chat?.session.dispose();
  loaded?.youtu.dispose();
  loaded = { ...model, chat: null, system: '' };
  storeChanged();
  return {
    type: 'loaded',
    name: model.name,
    parameters: parameterCount(model),
    kvBytesPerToken: model.model.cacheBytesPerToken().latent,
    tools: model.tools.specs().map((s) => s.name),
    ...(model.skippedTools.length ? { skippedTools: model.skippedTools } : {}),
  };
}

function requireBackend(): Backend {
  if (!backend) throw new Error('the backend is not ready yet');
  return backend;
}

async function load(name: string, files: ModelFiles): Promise<void> {
  const progress = (text: string) => reply({ type: 'progress', text });
  reply(activate(await openModel(name, files, requireBackend(), progress)));
}

async function loadUrl(req: Request & { type: 'loadUrl' }): Promise<void> {
  const files = await fetchModel(req.url, req.preferCache, (p) => reply({ type: 'download', ...p }));
  await load(req.name, files);
  await sendCache();
}

/** The chat over the loaded model, opened again when the system prompt changes (a new conversation). */
function chatFor(system: string): ChatSession {
  if (!loaded) throw Object.assign(new Error('load a model first'), { kind: 'input' as const });
  if (loaded.chat === null || loaded.system !== system) {
    loaded.chat?.session.dispose();
    loaded.chat = newChat(loaded, system);
    loaded.system = system;
  }
  if (!loaded.chat)
    throw Object.assign(new Error('load a model with tokenizer files first'), { kind: 'input' as const });
  return loaded.chat;
}

async function chat(req: Request & { type: 'chat' }): Promise<void> {
  const session = chatFor(req.system);
  const kvBytes = (loaded as ModelSession).model.cacheBytesPerToken().latent;
  await streamChatTurn(session, req, kvBytes, (msg) => {
    reply(msg);
    if (msg.type === 'tool') storeChanged();
  });
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
  const trained = await trainNano(
    requireBackend(),
    steps,
    (step, loss) => reply({ type: 'trainStep', step, steps, loss }),
    (text) => reply({ type: 'progress', text }),
  );
  const name = `nano trained here (${steps} steps)`;
  reply({ ...activate(withEngine(name, trained.model, trained.tokenizer)), type: 'trained' });
}

async function sendCache(): Promise<void> {
  reply({ type: 'cache', models: await listCached() });
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
      else if (req.type === 'loadUrl') await loadUrl(req);
      else if (req.type === 'chat') await chat(req);
      else if (req.type === 'reset') {
        loaded?.chat?.session.dispose();
        if (loaded) loaded.chat = null;
      } else if (req.type === 'tokenize') tokenize(req.text);
      else if (req.type === 'train') await train(req.steps);
      else if (req.type === 'listCache') await sendCache();
      else if (req.type === 'deleteCached') {
        await deleteCached(req.url);
        await sendCache();
      }
    } catch (err) {
      const failure = classifyError(err);
      reply({ type: 'error', ...failure });
      if (failure.kind === 'device-lost') await fallBackToCpu();
    }
  });
});
