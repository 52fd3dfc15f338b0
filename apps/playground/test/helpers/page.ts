import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Console errors and uncaught exceptions of a page. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** Checks the backend the app reports (the forced CPU one, or WebGPU: required under CI) and returns it. */
export async function expectBackend(page: Page, mode: 'webgpu' | 'cpu'): Promise<string | undefined> {
  const status = page.locator('#backend');
  await status.filter({ hasText: 'backend:' }).waitFor({ timeout: 30_000 });
  const backend = (await status.textContent())?.replace('backend: ', '');
  console.log(`playground run "${mode}": the app ran on the ${backend} backend`);
  if (mode === 'cpu') expect(backend).toBe('cpu');
  // Headless Chromium offers SwiftShader WebGPU here; under CI its absence is a failure, locally a notice.
  else if (process.env.CI) expect(backend).toBe('webgpu');
  else if (backend !== 'webgpu')
    console.log(`no WebGPU adapter: ${await page.locator('#notice').textContent()}`);
  return backend;
}
