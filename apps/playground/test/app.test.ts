import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, serveDir } from '@agentlm/dev-tools/browser';
import { presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { initBackend } from '@agentlm/tensor';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUGGESTIONS } from '../src/shipped.js';
import { collectErrors, expectBackend } from './helpers/page.js';
import { verifySuggestion } from './helpers/verify.js';

/**
 * Drives the built app (turbo builds it before tests) in Debian's headless Chromium: once with WebGPU
 * (SwiftShader behind --enable-unsafe-webgpu) and once forced onto the CPU backend. Each run makes a first
 * visit (the shipped model downloads and answers a suggested prompt with a tool call that the task's verifier
 * passes) and a second one (the model comes from the cache, no request for it), then loads a fixture model
 * directory through the file input, chats, opens the tokenizer view, trains a few steps, chats with the
 * trained model, and checks the console stayed clean. Screenshots go to test-results/.
 */
const dist = join(import.meta.dirname, '..', 'dist');
const artefacts = join(import.meta.dirname, '..', 'test-results');
let site: { url: string; close(): Promise<void> };
let fixtureFiles: string[];

/** A tiny random `nano`-shaped model with a small trained tokenizer, saved as an HF directory. */
async function writeFixture(): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'agentlm-playground-'));
  const tokDir = join(root, 'tokenizer');
  const modelDir = join(root, 'model');
  mkdirSync(tokDir);
  const texts = Array.from(
    { length: 40 },
    (_, i) =>
      `The sum of ${i} and ${i + 3} is ${2 * i + 3}. Water boils at 100 degrees. def f(x): return x * ${i}`,
  );
  const tokenizer = await trainTokenizer({
    corpus: { texts },
    vocabSize: 320,
    specialTokens: AGENT_SPECIAL_TOKENS,
  });
  await tokenizer.save(tokDir);
  const config = presetConfig('nano', {
    vocab_size: tokenizer.vocabSize,
    num_hidden_layers: 2,
    max_position_embeddings: 2048,
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
  });
  const model = YoutuModel.init(config, { seed: 1, backend: await initBackend('cpu') });
  await saveModel(model, modelDir, { tokenizerDir: tokDir });
  model.dispose();
  return readdirSync(modelDir).map((f) => join(modelDir, f));
}

beforeAll(async () => {
  mkdirSync(artefacts, { recursive: true });
  site = await serveDir(dist);
  fixtureFiles = await writeFixture();
});

afterAll(async () => {
  await site?.close();
});

/** Sends a chat message and resolves with how many times the reply's text changed while it streamed. */
async function chat(page: Page, text: string): Promise<{ updates: number; reply: string }> {
  const before = await page.locator('#transcript li.assistant').count();
  await page.evaluate(() => {
    const w = window as unknown as { streamUpdates: number };
    w.streamUpdates = 0;
    new MutationObserver(() => w.streamUpdates++).observe(document.getElementById('transcript') as Node, {
      subtree: true,
      characterData: true,
      childList: true,
    });
  });
  await page.fill('#chat-input', text);
  await page.click('#chat-send');
  const reply = page.locator('#transcript li.assistant').nth(before);
  await page.waitForFunction(
    (i) => {
      const item = document.querySelectorAll('#transcript li.assistant')[i];
      return item !== undefined && !item.hasAttribute('aria-busy');
    },
    before,
    { timeout: 60_000 },
  );
  const updates = await page.evaluate(() => (window as unknown as { streamUpdates: number }).streamUpdates);
  return { updates, reply: (await reply.textContent()) ?? '' };
}

/** Clicks a suggested prompt and returns the finished reply's text and the tools' store after the turn. */
async function runSuggestion(
  page: Page,
  index: number,
): Promise<{ reply: string; kv: Record<string, string> }> {
  await page.locator('#suggestions button').nth(index).click();
  await page.locator('#transcript li.assistant').waitFor();
  await page.waitForFunction(
    () => !document.querySelector('#transcript li.assistant')?.hasAttribute('aria-busy'),
    undefined,
    { timeout: 60_000 },
  );
  const keys = await page.locator('#store dt').allTextContents();
  const values = await page.locator('#store dd').allTextContents();
  return {
    reply: (await page.locator('#transcript li.assistant').textContent()) ?? '',
    kv: Object.fromEntries(keys.map((k, i) => [k, values[i] as string])),
  };
}

for (const mode of ['webgpu', 'cpu'] as const) {
  describe(`playground on ${mode}`, () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium(mode === 'webgpu' ? ['--enable-unsafe-webgpu'] : []);
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('loads the shipped model on a first visit, answers suggested prompts with tools, and loads it from the cache on the next', {
      timeout: 150_000,
    }, async () => {
      // one context: the second visit sees the first one's cache (the origin private file system)
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const modelRequests: string[] = [];
      // the worker's fetches are the context's requests too
      context.on('request', (r) => {
        if (r.url().includes('/models/')) modelRequests.push(`${r.method()} ${new URL(r.url()).pathname}`);
      });
      // what the progress bar said, visit by visit
      await context.addInitScript(() => {
        const w = window as unknown as { loadTexts: string[] };
        w.loadTexts = [];
        document.addEventListener('DOMContentLoaded', () => {
          const text = document.getElementById('load-text') as Node;
          new MutationObserver(() => w.loadTexts.push(text.textContent ?? '')).observe(text, {
            childList: true,
            characterData: true,
            subtree: true,
          });
        });
      });
      const loadTexts = (page: Page) =>
        page.evaluate(() => (window as unknown as { loadTexts: string[] }).loadTexts);
      const first = await context.newPage();
      const errors = collectErrors(first);
      await first.goto(`${site.url}/?backend=${mode === 'cpu' ? 'cpu' : 'auto'}`);
      await expectBackend(first, mode);
      await first.locator('#stat-model', { hasText: 'agentlm-demo' }).waitFor({ timeout: 60_000 });
      expect(modelRequests).toContain('GET /models/agentlm-demo/model.safetensors');
      expect(modelRequests).toContain('GET /models/agentlm-demo/tools.json');
      expect(await first.locator('#tool-names').textContent()).toBe('kv_get, kv_set');
      expect(await loadTexts(first)).toContainEqual(
        expect.stringMatching(/^model\.safetensors: [\d.]+ (B|KiB|MiB) of 3\.9 MiB/),
      );
      expect(await first.locator('#load-bar').isHidden()).toBe(true);

      // a lookup and a save: each a tool card, and a transcript the task kind's verifier passes
      for (const index of [0, 2]) {
        const suggestion = SUGGESTIONS[index] as (typeof SUGGESTIONS)[number];
        const { reply, kv } = await runSuggestion(first, index);
        const card = first.locator('#transcript .tool-card');
        expect(await card.count()).toBe(1);
        expect(await card.locator('strong').textContent()).toContain(suggestion.call.name);
        expect(JSON.parse((await card.locator('code').textContent()) ?? '')).toEqual(
          suggestion.call.arguments,
        );
        const verdict = await verifySuggestion(suggestion, reply, kv);
        expect(verdict, `reply ${JSON.stringify(reply)}, store ${JSON.stringify(kv)}`).toMatchObject({
          passed: true,
        });
      }
      await first.screenshot({ path: join(artefacts, `${mode}-first-visit.png`) });
      await first.close();

      // the second visit: from the cache, not a single request for the model's files
      modelRequests.length = 0;
      const second = await context.newPage();
      errors.push(...collectErrors(second));
      await second.goto(`${site.url}/?backend=${mode === 'cpu' ? 'cpu' : 'auto'}`);
      await second.locator('#stat-model', { hasText: 'agentlm-demo' }).waitFor({ timeout: 60_000 });
      expect(modelRequests).toEqual([]);
      expect(await loadTexts(second)).toContainEqual(
        expect.stringMatching(/^model\.safetensors: from the cache/),
      );
      await second.click('#tab-model');
      const cached = second.locator('#cache-list button', { hasText: /agentlm-demo \(\d+\.\d MiB\)/ });
      await cached.waitFor();
      // Delete empties the cache
      await second.locator('#cache-list button', { hasText: 'Delete' }).click();
      await second.locator('#cache-list', { hasText: 'No cached models.' }).waitFor();
      expect(errors).toEqual([]);
      await context.close();
    });

    it('loads a model from files, chats with streaming, tokenizes, trains and chats with the result', {
      timeout: 170_000,
    }, async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const started = Date.now();
      const stage = (what: string) =>
        console.log(`[${mode}] ${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
      const errors = collectErrors(page);
      // ?model=none: no shipped model, this run loads its own
      await page.goto(`${site.url}/?backend=${mode === 'cpu' ? 'cpu' : 'auto'}&model=none`);
      await expectBackend(page, mode);

      stage('app ready');
      // Model tab: the fixture directory's files through the file input (nothing is uploaded).
      await page.click('#tab-model');
      await page.setInputFiles('#model-files', fixtureFiles);
      await page.locator('#load-status').filter({ hasText: 'model is loaded' }).waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(artefacts, `${mode}-model.png`) });

      stage('model loaded');
      // Chat: a streamed reply, and the live statistics.
      await page.click('#tab-chat');
      await page.uncheck('#chat-thinking');
      // no tool descriptions in the prompt: a short prefill keeps SwiftShader fast (a random model calls no tools)
      await page.uncheck('#chat-tools');
      await page.fill('#chat-max-tokens', '12');
      const first = await chat(page, 'What is 2 + 3?');
      const notice = await page.locator('#notice').textContent();
      expect(first.updates, `reply ${JSON.stringify(first.reply)}, notice ${notice}`).toBeGreaterThan(2);
      await expect.poll(() => page.locator('#stat-ttft').textContent()).toMatch(/\d+ ms/);
      expect(await page.locator('#stat-kv').textContent()).toMatch(/B$/);
      await page.screenshot({ path: join(artefacts, `${mode}-chat.png`) });

      stage('chat replied');
      // Tokenizer view: coloured tokens with their ids.
      await page.click('#tab-tokenizer');
      await page.locator('#tok-output span').first().waitFor();
      expect(await page.locator('#tok-output span sub').first().textContent()).toMatch(/^\d+$/);
      expect(await page.locator('#tok-summary').textContent()).toMatch(/\d+ tokens/);
      await page.screenshot({ path: join(artefacts, `${mode}-tokenizer.png`) });

      stage('tokens shown');
      // Training: a few steps of a nano model on the embedded data, the chart updating per step.
      await page.click('#tab-train');
      await page.fill('#train-steps', '3');
      await page.evaluate(() => {
        const w = window as unknown as { chartDraws: number };
        w.chartDraws = 0;
        new MutationObserver(() => w.chartDraws++).observe(document.getElementById('loss-chart') as Node, {
          childList: true,
        });
      });
      await page.click('#train-start');
      await page
        .waitForFunction(
          () =>
            /done|error|Error/.test(
              `${document.getElementById('train-status')?.textContent}${document.getElementById('notice')?.textContent}`,
            ),
          undefined,
          { timeout: 120_000 },
        )
        .catch(() => {});
      expect(await page.locator('#notice').textContent()).toBe('');
      await page.locator('#train-status').filter({ hasText: 'done' }).waitFor({ timeout: 1_000 });
      const path = await page.locator('#loss-chart path').getAttribute('d');
      expect(path?.match(/[ML]/g)?.length).toBe(3);
      // drawn after step 2 and again after step 3: the chart updates live
      expect(await page.evaluate(() => (window as unknown as { chartDraws: number }).chartDraws)).toBe(2);
      expect(await page.locator('#train-status').textContent()).toMatch(/step 3\/3: loss \d+\.\d+/);
      await page.screenshot({ path: join(artefacts, `${mode}-train.png`) });

      stage('trained');
      // The trained model now answers in the chat.
      await page.click('#tab-chat');
      expect(await page.locator('#stat-model').textContent()).toMatch(/nano trained here/);
      const second = await chat(page, 'Hello');
      expect(second.reply.length).toBeGreaterThan(0);

      stage('trained model replied');

      // Phone width: the layout still fits.
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(artefacts, `${mode}-phone.png`) });

      expect(errors).toEqual([]);
      await page.close();
    });
  });
}
