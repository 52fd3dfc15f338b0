import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, serveDir } from '@agentlm/dev-tools/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Loads the built app (turbo builds it before tests) in headless Chromium. */
const dist = join(import.meta.dirname, '..', 'dist');
const artefacts = join(import.meta.dirname, '..', 'test-results');
let browser: Browser;
let site: { url: string; close(): Promise<void> };

beforeAll(async () => {
  if (!existsSync(join(dist, 'index.html')))
    throw new Error(`playground not built: ${dist} (run pnpm build)`);
  mkdirSync(artefacts, { recursive: true });
  site = await serveDir(dist);
  browser = await launchChromium(['--enable-unsafe-webgpu']);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('playground', () => {
  it('loads, reports its backend, and logs no console errors', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${site.url}/`);
    const status = page.locator('#backend');
    await status.filter({ hasText: 'backend:' }).waitFor({ timeout: 15_000 });
    const text = await status.textContent();
    console.log(`playground ran with ${text}`);
    expect(text).toMatch(/backend: (webgpu|cpu)/);
    await page.screenshot({ path: join(artefacts, 'playground.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
