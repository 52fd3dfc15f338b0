import './style.css';
import type { ChatTurn, ModelFiles, Reply, Request } from './protocol.js';
import { deleteCached, formatBytes, listCached, readCached, saveCached } from './store.js';

/** The page: UI only. Every model, tokenizer and training computation runs in worker.ts. */
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const post = (req: Request, transfer: Transferable[] = []) => worker.postMessage(req, transfer);

const transcript = $<HTMLOListElement>('transcript');
const sendButton = $<HTMLButtonElement>('chat-send');
const history: ChatTurn[] = [];
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
  history.push({ role: 'user', content: text });
  addMessage('user', text);
  const body = addMessage('assistant', '');
  current = { body, reasoning: null, text: '' };
  sendButton.disabled = true;
  post({ type: 'chat', messages: history, maxNewTokens: 64 });
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

function showToolCall(name: string, args: unknown, result: string): void {
  if (!current) return;
  const card = document.createElement('div');
  card.className = 'tool-card';
  card.setAttribute('role', 'group');
  card.setAttribute('aria-label', `tool call ${name}`);
  card.textContent = `${name}(${JSON.stringify(args)}) → ${result}`;
  current.body.before(card);
}

// Tokenizer view.
function tokenize(): void {
  post({ type: 'tokenize', text: $<HTMLTextAreaElement>('tok-input').value });
}
$<HTMLTextAreaElement>('tok-input').addEventListener('input', tokenize);

function showTokens(ids: number[], pieces: string[]): void {
  const out = $<HTMLDivElement>('tok-output');
  out.replaceChildren(
    ...pieces.map((piece, i) => {
      const span = document.createElement('span');
      span.textContent = piece;
      span.title = `id ${ids[i]}`;
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
  const max = Math.max(...lossPoints);
  const min = Math.min(...lossPoints);
  const x = (i: number) => 10 + (380 * i) / (lossPoints.length - 1);
  const y = (v: number) => 150 - (140 * (v - min)) / Math.max(1e-9, max - min);
  const d = lossPoints.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
  svg.innerHTML = `<path d="${d}" fill="none" stroke="currentColor" stroke-width="2"/><text x="12" y="14" font-size="11" fill="currentColor">loss ${lossPoints.at(-1)?.toFixed(3)}</text>`;
}

// Model loading: file picker, drag and drop, and the OPFS cache.
async function loadFiles(fileList: FileList | File[]): Promise<void> {
  const files: ModelFiles = {};
  for (const file of fileList) files[file.name] = await file.arrayBuffer();
  if (!files['config.json']) {
    notify('config.json is missing: choose all the files of a model directory');
    return;
  }
  const name = `model-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
  try {
    await saveCached(name, files);
  } catch (err) {
    notify(`could not cache the model (${(err as Error).message}); it is loaded for this session only`);
  }
  post({ type: 'load', name, files }, Object.values(files));
}

const dropZone = $<HTMLLabelElement>('drop-zone');
$<HTMLInputElement>('model-files').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  if (input.files?.length) void loadFiles(input.files);
});
dropZone.addEventListener('dragover', (e) => {
  e.preventDefault();
  dropZone.classList.add('over');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
dropZone.addEventListener('drop', (e) => {
  e.preventDefault();
  dropZone.classList.remove('over');
  if (e.dataTransfer?.files.length) void loadFiles(e.dataTransfer.files);
});

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
          const files = await readCached(name);
          post({ type: 'load', name, files }, Object.values(files));
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

worker.addEventListener('message', (event: MessageEvent<Reply>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'ready':
      $('backend').textContent = `backend: ${msg.backend}`;
      if (msg.notice) notify(msg.notice);
      break;
    case 'loaded':
      $('stat-model').textContent = `${msg.name} (${(msg.parameters / 1e6).toFixed(2)}M params)`;
      modelReady = true;
      sendButton.disabled = false;
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
      showToolCall(msg.name, msg.arguments, msg.result);
      break;
    case 'stats':
      $('stat-tps').textContent = msg.tokensPerSecond.toFixed(1);
      $('stat-ttft').textContent = `${msg.timeToFirstTokenMs.toFixed(0)} ms`;
      $('stat-kv').textContent = formatBytes(msg.kvBytes);
      break;
    case 'done':
      history.push({ role: 'assistant', content: msg.content });
      current = null;
      sendButton.disabled = false;
      break;
    case 'tokens':
      showTokens(msg.ids, msg.pieces);
      break;
    case 'trainStep':
      lossPoints.push(msg.loss);
      $('train-status').textContent = `step ${msg.step}: loss ${msg.loss.toFixed(4)}`;
      drawLoss();
      break;
    case 'trained':
      $<HTMLButtonElement>('train-start').disabled = false;
      $('train-status').textContent += ' — done; the trained model is loaded in the Chat tab';
      $('stat-model').textContent = msg.name;
      modelReady = true;
      sendButton.disabled = false;
      break;
    case 'error': {
      const hint = {
        'device-lost':
          'The GPU device was lost; reload the page to start again (the CPU backend is used if WebGPU stays unavailable).',
        'out-of-memory': 'Out of memory: try a smaller model or close other tabs.',
        quota: 'Browser storage is full: delete cached models in the Model tab.',
        input: '',
        internal: '',
      }[msg.kind];
      notify(`${msg.message}${hint ? ` — ${hint}` : ''}`);
      sendButton.disabled = !modelReady;
      $<HTMLButtonElement>('train-start').disabled = false;
      current = null;
      break;
    }
  }
});

post({
  type: 'init',
  backend: (new URLSearchParams(location.search).get('backend') as 'cpu' | 'webgpu') ?? 'auto',
});
