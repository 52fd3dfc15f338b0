import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, serveDir } from '@agentlm/dev-tools/browser';
import { initBackend } from '@agentlm/tensor';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamChatTurn } from '../src/chat-turn.js';
import { newChat, openModel } from '../src/model-session.js';
import type { Reply } from '../src/protocol.js';
import { SHIPPED_MODEL } from '../src/shipped.js';
import { BIG_VOCAB, writeBigModel } from './helpers/big-model.js';
import { collectErrors, expectBackend } from './helpers/page.js';

/**
 * A model whose embedding is larger than one WebGPU binding (128,256 × 512 f32, 262 MB) loads by URL in the app
 * on WebGPU, its embedding and tied head split over buffers by @agentlm/tensor, and answers with the greedy
 * tokens the CPU backend gives in Node for the same chat turn. SwiftShader binds up to 1 GiB, so the page caps a
 * buffer at WebGPU's default 128 MiB (`?maxBindingMiB=128`, the limit many GPUs and browsers give).
 */
const bindingCap = 128 * 2 ** 20;
const dist = join(import.meta.dirname, '..', 'dist');
const shippedDir = join(import.meta.dirname, '..', 'public', SHIPPED_MODEL.path);
const prompt = 'Hello there';
const maxNewTokens = 6;
let modelDir: string;
let siteRoot: string;
let site: { url: string; close(): Promise<void> };
let browser: Browser;

beforeAll(async () => {
  modelDir = await writeBigModel(shippedDir);
  // the app and the model from one origin: the built app's files and the model folder as /big/
  siteRoot = mkdtempSync(join(tmpdir(), 'agentlm-playground-site-'));
  for (const entry of readdirSync(dist)) symlinkSync(join(dist, entry), join(siteRoot, entry));
  symlinkSync(modelDir, join(siteRoot, 'big'));
  site = await serveDir(siteRoot);
  browser = await launchChromium(['--enable-unsafe-webgpu']);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  for (const dir of [siteRoot, modelDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The reply the worker's code gives on the CPU backend in Node: the reference. */
async function cpuReply(): Promise<string> {
  const files = Object.fromEntries(
    readdirSync(modelDir).map((f) => [f, new Blob([readFileSync(join(modelDir, f))])]),
  );
  const model = await openModel('big', files, await initBackend('cpu'));
  expect(model.youtu.config.vocabSize).toBe(BIG_VOCAB);
  const chat = newChat(model, '');
  if (chat === null) throw new Error('the big model has no tokenizer');
  const replies: Reply[] = [];
  const request = { type: 'chat' as const, text: prompt, maxNewTokens, thinking: false, tools: false };
  await streamChatTurn(chat, { ...request, temperature: 0, system: '' }, 0, (r) => replies.push(r));
  chat.session.dispose();
  model.youtu.dispose();
  const done = replies.at(-1);
  if (done?.type !== 'done') throw new Error(`the CPU turn did not finish: ${JSON.stringify(done)}`);
  return replies.flatMap((r) => (r.type === 'token' ? [r.text] : [])).join('');
}

describe('a model whose embedding exceeds one WebGPU binding', () => {
  it('loads by URL on WebGPU and answers with the greedy tokens of the CPU', {
    timeout: 240_000,
  }, async () => {
    const want = await cpuReply();
    expect(want.length).toBeGreaterThan(0);
    const page = await browser.newPage();
    const errors = collectErrors(page);
    const model = encodeURIComponent(`${site.url}/big/`);
    await page.goto(`${site.url}/?model=${model}&maxBindingMiB=${bindingCap / 2 ** 20}`);
    await expectBackend(page, 'webgpu');
    expect(BIG_VOCAB * 512 * 4).toBeGreaterThan(bindingCap);
    // loaded, or a notice saying why not (fails at once instead of at the timeout)
    await page.waitForFunction(
      () =>
        document.getElementById('stat-model')?.textContent?.startsWith('big') ||
        document.getElementById('notice')?.hidden === false,
      undefined,
      { timeout: 180_000 },
    );
    expect(await page.locator('#notice').textContent()).toBe('');
    await page.uncheck('#chat-thinking');
    await page.uncheck('#chat-tools');
    await page.fill('#chat-system', '');
    await page.fill('#chat-max-tokens', String(maxNewTokens));
    await page.fill('#chat-input', prompt);
    await page.click('#chat-send');
    await page.waitForFunction(
      () => {
        const item = document.querySelector('#transcript li.assistant');
        return item !== null && !item.hasAttribute('aria-busy');
      },
      undefined,
      { timeout: 120_000 },
    );
    const got = (await page.locator('#transcript li.assistant').textContent()) ?? '';
    expect(got).toBe(want.trimStart());
    expect(errors).toEqual([]);
    await page.close();
  });
});
