import type { DownloadProgress } from '@agentlm/model';
import { describe, expect, it } from 'vitest';
import { downloadProgressBar } from '../src/download-progress.js';

/** A stderr stand-in that records what is written. */
function stream(isTTY: boolean): { out: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const out = { isTTY, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { out, text: () => chunks.join('') };
}

/** The events of a two-file download: a small cached file, then 3 MiB in three chunks. */
function events(): DownloadProgress[] {
  const mib = 2 ** 20;
  const total = 1000 + 3 * mib;
  const big = (n: number, loaded: number): DownloadProgress => ({
    loaded,
    total: 2,
    name: 'model.safetensors',
    fileBytes: n * mib,
    fileTotal: 3 * mib,
    loadedBytes: 1000 + n * mib,
    totalBytes: total,
    cached: false,
  });
  return [
    {
      loaded: 1,
      total: 2,
      name: 'config.json',
      fileBytes: 1000,
      fileTotal: 1000,
      loadedBytes: 1000,
      totalBytes: total,
      cached: true,
    },
    big(1, 1),
    big(2, 1),
    big(3, 1),
    big(3, 2),
  ];
}

describe('the --model URL progress on stderr', () => {
  it('writes one line per completed file when stderr is not a terminal', () => {
    const { out, text } = stream(false);
    const bar = downloadProgressBar(out);
    for (const e of events()) bar(e);
    expect(text()).toBe(
      'download 1/2 config.json 1.0 KiB (cached)\ndownload 2/2 model.safetensors 3.0 MiB\n',
    );
  });

  it('redraws one bar in place on a terminal and ends it at 100% with a newline', () => {
    const { out, text } = stream(true);
    const bar = downloadProgressBar(out);
    for (const e of events()) bar(e);
    const draws = text()
      .split('\r\x1b[2K')
      .filter((s) => s !== '');
    expect(draws[0]).toMatch(/^\[\.{24}\]\s+0% 1\.0 KiB\/3\.0 MiB .* config\.json$/);
    expect(draws.at(-1)).toMatch(/^\[#{24}\] 100% 3\.0 MiB\/3\.0 MiB .*\/s model\.safetensors\n$/);
  });
});
