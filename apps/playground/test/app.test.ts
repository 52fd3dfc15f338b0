import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, serveDir } from '@agentlm/dev-tools/browser';
import { presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { initBackend } from '@agentlm/tensor';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Drives the built app (turbo builds it before tests) in Debian's headless Chromium: once with WebGPU
 * (SwiftShader behind --enable-unsafe-webgpu) and once forced onto the CPU backend. Each run loads a
 * fixture model directory through the file input, chats, opens the tokenizer view, trains a few steps,
 * chats with the trained model, and checks the console stayed clean. Screenshots go to test-results/.
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

for (const mode of ['webgpu', 'cpu'] as const) {
  describe(`playground on ${mode}`, () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium(mode === 'webgpu' ? ['--enable-unsafe-webgpu'] : []);
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('loads a model from files, chats with streaming, tokenizes, trains and chats with the result', {
      timeout: 170_000,
    }, async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const started = Date.now();
      const stage = (what: string) =>
        console.log(`[${mode}] ${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${site.url}/?backend=${mode === 'cpu' ? 'cpu' : 'auto'}`);
      const status = page.locator('#backend');
      await status.filter({ hasText: 'backend:' }).waitFor({ timeout: 30_000 });
      const backend = (await status.textContent())?.replace('backend: ', '');
      console.log(`playground run "${mode}": the app ran on the ${backend} backend`);
      if (mode === 'cpu') expect(backend).toBe('cpu');
      // Headless Chromium offers SwiftShader WebGPU here; under CI its absence is a failure, locally a notice.
      else if (process.env.CI) expect(backend).toBe('webgpu');
      else if (backend !== 'webgpu')
        console.log(`no WebGPU adapter: ${await page.locator('#notice').textContent()}`);

      stage('app ready');
      // Model tab: the fixture directory's files through the file input (nothing is uploaded).
      await page.click('#tab-model');
      await page.setInputFiles('#model-files', fixtureFiles);
      await page.locator('#load-status').filter({ hasText: 'is loaded' }).waitFor({ timeout: 60_000 });
      await page
        .locator('#cache-list button', { hasText: /KiB|MiB/ })
        .first()
        .waitFor();
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
      // The OPFS cache: the fixture is listed with its size, and Delete removes it.
      await page.click('#tab-model');
      await page.locator('#cache-list button', { hasText: 'Delete' }).click();
      await page.locator('#cache-list', { hasText: 'No cached models.' }).waitFor();

      // Phone width: the layout still fits.
      await page.setViewportSize({ width: 390, height: 844 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(artefacts, `${mode}-phone.png`) });

      expect(errors).toEqual([]);
      await page.close();
    });
  });
}
