import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDir } from '../browser.js';

describe('serveDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'serve-'));
  let site: Awaited<ReturnType<typeof serveDir>>;
  beforeAll(async () => {
    mkdirSync(join(root, 'guide'));
    writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
    writeFileSync(join(root, 'guide', 'start.html'), '<h1>start</h1>');
    site = await serveDir(join(root));
  });
  afterAll(() => site.close());

  it('serves index.html for directories and clean URLs for .html pages', async () => {
    const home = await fetch(`${site.url}/`);
    expect(home.headers.get('content-type')).toContain('text/html');
    expect(await home.text()).toBe('<h1>home</h1>');
    expect(await (await fetch(`${site.url}/guide/start`)).text()).toBe('<h1>start</h1>');
  });

  it('announces the size on HEAD too (model downloads read it there)', async () => {
    const head = await fetch(`${site.url}/index.html`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String('<h1>home</h1>'.length));
  });

  it('answers 404 for missing files and does not escape its root', async () => {
    expect((await fetch(`${site.url}/missing.js`)).status).toBe(404);
    expect((await fetch(`${site.url}/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
  });
});
