import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOOL_HANDLERS, TOOL_SPECS, ToolFailure } from '../src/toolbox.js';

/** Every module the built file at `url` loads, following its relative imports; bare specifiers are collected. */
function importGraph(url: URL, seen = new Set<string>(), bare = new Set<string>()) {
  if (seen.has(url.href)) return bare;
  seen.add(url.href);
  const text = readFileSync(url, 'utf8');
  for (const [, spec] of text.matchAll(
    /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']/g,
  )) {
    if (spec === undefined) continue;
    if (spec.startsWith('.')) importGraph(new URL(spec, url), seen, bare);
    else bare.add(spec);
  }
  for (const [, spec] of text.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)) {
    if (spec?.startsWith('.')) importGraph(new URL(spec, url), seen, bare);
    else if (spec !== undefined) bare.add(spec);
  }
  return bare;
}

describe('@agentlm/synth/toolbox', () => {
  it('loads nothing of Node (no worker_threads, fs): a browser can import it', () => {
    const bare = importGraph(new URL('../dist/toolbox.js', import.meta.url));
    // the build writes node:fs as plain 'fs', so only the one known dependency is allowed
    expect([...bare]).toEqual(['ajv']);
  });

  it('runs the kv tools on a bare { kv } state', () => {
    const state = { kv: { colour: 'teal' } };
    expect(TOOL_HANDLERS.kv_get?.({ key: 'colour' }, state)).toEqual({ key: 'colour', value: 'teal' });
    expect(TOOL_HANDLERS.kv_set?.({ key: 'size', value: 'L' }, state)).toEqual({ ok: true });
    expect(TOOL_HANDLERS.kv_delete?.({ key: 'colour' }, state)).toEqual({ ok: true });
    expect(state.kv).toEqual({ size: 'L' });
    expect(() => TOOL_HANDLERS.kv_get?.({ key: 'colour' }, state)).toThrow(ToolFailure);
    expect(Object.keys(TOOL_SPECS).sort()).toEqual(Object.keys(TOOL_HANDLERS).sort());
  });
});
