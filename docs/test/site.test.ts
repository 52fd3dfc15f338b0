import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, serveDir } from '@agentlm/dev-tools/browser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packages } from '../.vitepress/packages.js';

/** Opens the built site (docs:build runs first) in headless Chromium and finds every package page. */
const dist = join(import.meta.dirname, '..', '.vitepress', 'dist');
let browser: Browser;
let site: { url: string; close(): Promise<void> };

beforeAll(async () => {
  if (!existsSync(join(dist, 'index.html')))
    throw new Error(`docs site not built: ${dist} (run pnpm docs:build)`);
  site = await serveDir(dist);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('docs site', () => {
  it('home page links to the guide and the packages', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.url}/`);
    await expect(page.locator('.VPHero .name').textContent()).resolves.toContain('agentlm');
    await page.close();
  });

  it.each(packages.map((p) => [p.title, p.name]))(
    'has a page for %s, reachable from the sidebar',
    async (title, name) => {
      const page = await browser.newPage();
      await page.goto(`${site.url}/guide/getting-started`);
      await page.locator(`.VPSidebar a[href*="/packages/${name}"]`).first().click();
      await page.waitForURL(`**/packages/${name}`);
      // Client-side navigation updates the URL before the page renders: wait for the heading itself.
      await page.locator('main h1').filter({ hasText: title }).first().waitFor({ timeout: 15_000 });
      await page.close();
    },
  );

  it('links the live playground, shipped inside the site', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.url}/playground`);
    await page.locator('main a[href*="/playground/index.html"]').first().click();
    await page.locator('h1', { hasText: 'agentlm playground' }).waitFor({ timeout: 15_000 });
    // the demo checkpoint ships with the site (/playground/models/) and loads on arrival
    await page.locator('#stat-model', { hasText: 'agentlm-demo' }).waitFor({ timeout: 60_000 });
    await page.close();
  });

  it('has the API reference and the command reference', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.url}/api/`);
    await expect(page.locator('main').textContent()).resolves.toContain('@agentlm/tokenizer');
    await page.goto(`${site.url}/guide/cli`);
    await expect(page.locator('main').textContent()).resolves.toContain('agentlm demo');
    await page.close();
  });
});
