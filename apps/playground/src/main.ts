import './style.css';
import { modelDirectoryFiles } from './files.js';
import type { BackendPreference, ModelFiles, Reply, Request } from './protocol.js';
import { deleteCached, formatBytes, listCached, readCached, saveCached } from './store.js';

/** The page: UI only. Every model, tokenizer and training computation runs in worker.ts. */
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const post = (req: Request) => worker.postMessage(req);

const transcript = $<HTMLOListElement>('transcript');
const sendButton = $<HTMLButtonElement>('chat-send');
let current: { body: HTMLElement; reasoning: HTMLElement | null; text: string } | null = null;
let lossPoints: number[] = [];
let modelReady = false;

function notify(message: string | null): void {
  const notice = $<HTMLParagraphElement>('notice');
  notice.hidden = message === null;
  notice.textContent = message ?? '';
}

// Tabs (WAI-ARIA tab pattern: arrow keys move between tabs).
const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
function selectTab(tab: HTMLButtonElement): void {
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute('aria-selected', String(selected));
    t.tabIndex = selected ? 0 : -1;
    $(t.getAttribute('aria-controls') as string).hidden = !selected;
  }
  tab.focus();
  if (tab.id === 'tab-tokenizer') tokenize();
  if (tab.id === 'tab-model') void refreshCache();
}
tabs.forEach((tab, i) => {
  tab.tabIndex = i === 0 ? 0 : -1;
  tab.addEventListener('click', () => selectTab(tab));
  tab.addEventListener('keydown', (e) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (step) selectTab(tabs[(i + step + tabs.length) % tabs.length]);
  });
});

// Chat.
function addMessage(role: 'user' | 'assistant', text: string): HTMLElement {
  const item = document.createElement('li');
  item.className = role;
  item.textContent = text;
  transcript.append(item);
  return item;
}

$<HTMLFormElement>('chat-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLTextAreaElement>('chat-input');
  const text = input.value.trim();
  if (!text || sendButton.disabled) return;
  input.value = '';
  addMessage('user', text);
  const body = addMessage('assistant', '');
  body.setAttribute('aria-busy', 'true');
  current = { body, reasoning: null, text: '' };
  sendButton.disabled = true;
  post({
    type: 'chat',
    text,
    maxNewTokens: Number($<HTMLInputElement>('chat-max-tokens').value),
    thinking: $<HTMLInputElement>('chat-thinking').checked,
    tools: $<HTMLInputElement>('chat-tools').checked,
  });
});

function appendReasoning(text: string): void {
  if (!current) return;
  if (!current.reasoning) {
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = 'thinking';
    const pre = document.createElement('div');
    details.append(summary, pre);
    current.body.before(details);
    current.reasoning = pre;
  }
  current.reasoning.textContent += text;
}

function showToolCall(name: string, args: unknown, result: string, ok: boolean): void {
  if (!current) return;
  const card = document.createElement('div');
  card.className = ok ? 'tool-card' : 'tool-card failed';
  card.setAttribute('role', 'group');
  card.setAttribute('aria-label', `tool call ${name}`);
  const title = document.createElement('strong');
  title.textContent = `🔧 ${name}`;
  const call = document.createElement('code');
  call.textContent = JSON.stringify(args);
  const out = document.createElement('div');
  out.textContent = `→ ${result}`;
  card.append(title, ' ', call, out);
  current.body.before(card);
}

// Tokenizer view.
function tokenize(): void {
  post({ type: 'tokenize', text: $<HTMLTextAreaElement>('tok-input').value });
}
$<HTMLTextAreaElement>('tok-input').addEventListener('input', tokenize);

function showTokens(ids: number[], pieces: string[]): void {
  const out = $<HTMLDivElement>('tok-output');
  if (!modelReady) {
    out.replaceChildren();
    $('tok-summary').textContent = 'Load a model (Model tab) or train one (Train tab) to see its tokens.';
    return;
  }
  out.replaceChildren(
    ...pieces.map((piece, i) => {
      const span = document.createElement('span');
      span.textContent = piece;
      span.title = `id ${ids[i]}`;
      span.dataset.id = String(ids[i]);
      const id = document.createElement('sub');
      id.textContent = String(ids[i]);
      span.append(id);
      span.style.background = `hsl(${(ids[i] * 47) % 360} 70% 60% / 0.35)`;
      return span;
    }),
  );
  const bytes = new TextEncoder().encode($<HTMLTextAreaElement>('tok-input').value).length;
  $('tok-summary').textContent =
    `${ids.length} tokens, ${(bytes / Math.max(1, ids.length)).toFixed(2)} bytes/token`;
}

// Training tab.
$<HTMLButtonElement>('train-start').addEventListener('click', () => {
  lossPoints = [];
  $<HTMLButtonElement>('train-start').disabled = true;
  $('train-status').textContent = 'training…';
  post({ type: 'train', steps: Number($<HTMLInputElement>('train-steps').value) });
});

function drawLoss(): void {
  const svg = $('loss-chart');
  if (lossPoints.length < 2) return;
  const max = lossPoints.reduce((a, b) => Math.max(a, b));
  const min = lossPoints.reduce((a, b) => Math.min(a, b));
  const x = (i: number) => 10 + (380 * i) / (lossPoints.length - 1);
  const y = (v: number) => 150 - (140 * (v - min)) / Math.max(1e-9, max - min);
  const d = lossPoints.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const last = lossPoints.at(-1)?.toFixed(3);
  svg.innerHTML = `<path d="${d}" fill="none" stroke="currentColor" stroke-width="2"/><text x="12" y="14" font-size="11" fill="currentColor">loss ${last} (max ${max.toFixed(2)}, min ${min.toFixed(2)}, ${lossPoints.length} steps)</text>`;
  svg.setAttribute('aria-label', `Training loss over ${lossPoints.length} steps, now ${last}`);
}

// Model loading: file picker, drag and drop, and the OPFS cache.
async function loadFiles(fileList: FileList | File[]): Promise<void> {
  const found = modelDirectoryFiles(fileList);
  if (!found) {
    notify('config.json is missing: choose all the files of a model directory (or its folder)');
    return;
  }
  const files: ModelFiles = Object.fromEntries(found.files);
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  const name = `${found.folder.split('/').pop() || 'model'}-${stamp}`;
  $('load-status').textContent = `loading ${name}…`;
  try {
    await saveCached(name, files);
  } catch (err) {
    const quota = (err as Error).name === 'QuotaExceededError';
    notify(
      `${quota ? 'Browser storage is full' : 'Could not cache the model'} (${(err as Error).message}); it is loaded for this session only${quota ? ' — delete cached models below to make room' : ''}.`,
    );
  }
  post({ type: 'load', name, files });
}

const dropZone = $<HTMLLabelElement>('drop-zone');
for (const id of ['model-files', 'model-folder']) {
  $<HTMLInputElement>(id).addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    if (input.files?.length) void loadFiles(input.files);
  });
}
dropZone.addEventListener('dragover', (e) => {
  e.preventDefault();
  dropZone.classList.add('over');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
dropZone.addEventListener('drop', (e) => {
  e.preventDefault();
  dropZone.classList.remove('over');
  const entries = [...(e.dataTransfer?.items ?? [])]
    .map((item) => item.webkitGetAsEntry())
    .filter((x) => x !== null);
  Promise.all(entries.map((entry) => droppedFiles(entry, '')))
    .then((lists) => loadFiles(lists.flat()))
    .catch((err: Error) => notify(`Could not read the dropped files: ${err.message}`));
});

/** The files under a dropped entry, with their folder path (a dropped folder's `files` list is empty). */
async function droppedFiles(entry: FileSystemEntry, parent: string): Promise<File[]> {
  const path = parent ? `${parent}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
    Object.defineProperty(file, 'webkitRelativePath', { value: path });
    return [file];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map((child) => droppedFiles(child, path)))).flat();
}

async function refreshCache(): Promise<void> {
  const list = $<HTMLUListElement>('cache-list');
  try {
    const cached = await listCached();
    list.replaceChildren(
      ...cached.map(({ name, bytes }) => {
        const item = document.createElement('li');
        const load = document.createElement('button');
        load.textContent = `Load ${name} (${formatBytes(bytes)})`;
        load.addEventListener('click', async () => {
          $('load-status').textContent = `loading ${name}…`;
          post({ type: 'load', name, files: await readCached(name) });
        });
        const remove = document.createElement('button');
        remove.textContent = 'Delete';
        remove.setAttribute('aria-label', `Delete ${name}`);
        remove.addEventListener('click', async () => {
          await deleteCached(name);
          await refreshCache();
        });
        item.append(load, ' ', remove);
        return item;
      }),
    );
    if (!cached.length) list.textContent = 'No cached models.';
  } catch (err) {
    list.textContent = `The model cache is unavailable here (${(err as Error).message}).`;
  }
}

function modelLoaded(name: string, parameters: number, kvBytesPerToken: number): void {
  $('stat-model').textContent =
    `${name} (${(parameters / 1e6).toFixed(2)}M params, KV ${formatBytes(kvBytesPerToken)}/token)`;
  modelReady = true;
  sendButton.disabled = false;
  transcript.replaceChildren();
  if ($('panel-tokenizer').hidden === false) tokenize();
}

worker.addEventListener('error', (e) => notify(`The compute worker failed: ${e.message}`));
worker.addEventListener('message', (event: MessageEvent<Reply>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'ready':
      $('backend').textContent = `backend: ${msg.backend}`;
      if (msg.notice) notify(msg.notice);
      if (modelReady && msg.notice) {
        modelReady = false;
        sendButton.disabled = true;
        $('stat-model').textContent = 'none loaded';
      }
      break;
    case 'progress':
      $('load-status').textContent = msg.text;
      $('train-status').textContent = msg.text;
      break;
    case 'loaded':
      modelLoaded(msg.name, msg.parameters, msg.kvBytesPerToken);
      $('load-status').textContent = `${msg.name} is loaded: chat with it in the Chat tab.`;
      notify(null);
      void refreshCache();
      break;
    case 'token':
      if (current) {
        current.text += msg.text;
        current.body.textContent = current.text;
      }
      break;
    case 'reasoning':
      appendReasoning(msg.text);
      break;
    case 'tool':
      showToolCall(msg.name, msg.arguments, msg.result, msg.ok);
      break;
    case 'stats':
      $('stat-tps').textContent = msg.tokensPerSecond.toFixed(1);
      $('stat-ttft').textContent = `${msg.timeToFirstTokenMs.toFixed(0)} ms`;
      $('stat-kv').textContent = formatBytes(msg.kvBytes);
      break;
    case 'done':
      current?.body.removeAttribute('aria-busy');
      if (current && !current.text) current.body.textContent = msg.content || '(no answer)';
      current = null;
      sendButton.disabled = false;
      break;
    case 'tokens':
      showTokens(msg.ids, msg.pieces);
      break;
    case 'trainStep':
      lossPoints.push(msg.loss);
      $('train-status').textContent = `step ${msg.step}/${msg.steps}: loss ${msg.loss.toFixed(4)}`;
      drawLoss();
      break;
    case 'trained':
      $<HTMLButtonElement>('train-start').disabled = false;
      $('train-status').textContent += ' — done; the trained model is loaded in the Chat tab';
      modelLoaded(msg.name, msg.parameters, msg.kvBytesPerToken);
      break;
    case 'error': {
      const hint = {
        'device-lost': 'The GPU device was lost.',
        'out-of-memory': 'Out of memory: try a smaller model or close other tabs.',
        quota: 'Browser storage is full: delete cached models in the Model tab.',
        input: '',
        internal: '',
      }[msg.kind];
      notify(`${msg.message}${hint ? ` — ${hint}` : ''}`);
      sendButton.disabled = !modelReady;
      $<HTMLButtonElement>('train-start').disabled = false;
      current?.body.removeAttribute('aria-busy');
      current = null;
      break;
    }
  }
});

const requested = new URLSearchParams(location.search).get('backend');
post({
  type: 'init',
  backend: (['cpu', 'webgpu'].includes(requested ?? '') ? requested : 'auto') as BackendPreference,
});
