import './style.css';
import { formatBytes } from './format.js';
import { setupModelTab, shippedUrl } from './model-tab.js';
import type { BackendPreference, LoadedModel, Reply, Request } from './protocol.js';
import { SHIPPED_MODEL, SUGGESTIONS } from './shipped.js';

/** The page: UI only. Every model, tokenizer and training computation runs in worker.ts. */
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const post = (req: Request) => worker.postMessage(req);

const transcript = $<HTMLOListElement>('transcript');
const sendButton = $<HTMLButtonElement>('chat-send');
let current: { body: HTMLElement; reasoning: HTMLElement | null; text: string } | null = null;
let lossPoints: number[] = [];
let modelReady = false;
let firstReady = true;

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
  if (tab.id === 'tab-model') modelTab.refreshCache();
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

const systemInput = $<HTMLInputElement>('chat-system');
systemInput.value = SHIPPED_MODEL.system;

function send(text: string): void {
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
    temperature: Number($<HTMLInputElement>('chat-temperature').value),
    system: systemInput.value.trim(),
  });
}

$<HTMLFormElement>('chat-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLTextAreaElement>('chat-input');
  const text = input.value.trim();
  if (!text || sendButton.disabled) return;
  input.value = '';
  send(text);
});

/** A fresh conversation: the transcript is cleared and the model sees no earlier turns. */
function newConversation(): void {
  transcript.replaceChildren();
  post({ type: 'reset' });
}
$<HTMLButtonElement>('chat-new').addEventListener('click', newConversation);

/** The shipped model's suggested prompts; each starts a new conversation (the model was trained on single turns). */
function showSuggestions(visible: boolean): void {
  const box = $<HTMLFieldSetElement>('suggestions');
  box.hidden = !visible;
  box.replaceChildren(
    box.querySelector('legend') as HTMLLegendElement,
    ...SUGGESTIONS.map((s) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = s.label;
      button.title = s.prompt;
      button.addEventListener('click', () => {
        if (sendButton.disabled) return;
        systemInput.value = SHIPPED_MODEL.system;
        newConversation();
        send(s.prompt);
      });
      return button;
    }),
  );
}

function showStore(kv: Record<string, string>): void {
  $('store-view').hidden = false;
  $('store').replaceChildren(
    ...Object.entries(kv).flatMap(([key, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = key;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }),
  );
}

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

function modelLoaded({ name, parameters, kvBytesPerToken, tools, skippedTools }: LoadedModel): void {
  $('stat-model').textContent =
    `${name} (${(parameters / 1e6).toFixed(2)}M params, KV ${formatBytes(kvBytesPerToken)}/token)`;
  $('tool-names').textContent = tools.join(', ') || 'none';
  $('store-view').hidden = true;
  showSuggestions(name === SHIPPED_MODEL.name);
  if (skippedTools?.length)
    notify(`Some tools of this model cannot run here: ${skippedTools.map((t) => t.reason).join('; ')}`);
  modelReady = true;
  sendButton.disabled = false;
  transcript.replaceChildren();
  if ($('panel-tokenizer').hidden === false) tokenize();
}

worker.addEventListener('error', (e) => notify(`The compute worker failed: ${e.message}`));
const modelTab = setupModelTab(post, notify);

/** The model a first visit loads: `?model=<url>` when given, else the shipped one (from the cache when there). */
function loadFirstModel(): void {
  const asked = new URLSearchParams(location.search).get('model');
  if (asked === 'none') return;
  modelTab.loadUrl(asked ? new URL(asked, location.href).href : shippedUrl, true);
}

worker.addEventListener('message', (event: MessageEvent<Reply>) => {
  const msg = event.data;
  if (modelTab.onReply(msg)) return;
  switch (msg.type) {
    case 'ready':
      $('backend').textContent = `backend: ${msg.backend}`;
      if (msg.notice) notify(msg.notice);
      if (firstReady) loadFirstModel();
      firstReady = false;
      if (modelReady && msg.notice) {
        modelReady = false;
        sendButton.disabled = true;
        $('stat-model').textContent = 'none loaded';
      }
      break;
    case 'progress':
      $('train-status').textContent = msg.text;
      break;
    case 'loaded':
      notify(null);
      modelLoaded(msg);
      break;
    case 'store':
      showStore(msg.kv);
      break;
    case 'token':
      if (current) {
        current.text += msg.text;
        // a tool-calling generation's visible text is often just the blank line before its call
        current.body.textContent = current.text.trimStart();
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
      modelLoaded(msg);
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

const query = new URLSearchParams(location.search);
const requested = query.get('backend');
const maxBindingMiB = query.get('maxBindingMiB');
post({
  type: 'init',
  backend: (['cpu', 'webgpu'].includes(requested ?? '') ? requested : 'auto') as BackendPreference,
  ...(maxBindingMiB === null ? {} : { maxBindingBytes: Math.round(Number(maxBindingMiB) * 2 ** 20) }),
});
