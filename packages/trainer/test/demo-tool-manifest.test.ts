import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestTools, readToolManifest, ToolRegistry } from '@agentlm/inference/node';
import { generateTasks } from '@agentlm/synth';
import { TOOL_HANDLERS } from '@agentlm/synth/toolbox';
import { describe, expect, it } from 'vitest';
import { compactTask } from '../src/demo/data.js';
import { DEMO_TASKS } from '../src/demo/pipeline.js';
import { demoToolManifest, writeToolManifest } from '../src/demo/tool-manifest.js';

describe("the demo checkpoint's tools.json", () => {
  it('describes the tools its tasks used, with a store, and loads into runnable tools', async () => {
    const tasks = generateTasks('tools', { seed: 4, count: 40, difficulty: 1 })
      .filter((t) => DEMO_TASKS.kinds.includes(t.kind))
      .map(compactTask);
    expect(new Set(tasks.map((t) => t.kind))).toEqual(new Set(DEMO_TASKS.kinds));
    const save = tasks.find((t) => t.kind === 'kv-save');
    const lookup = tasks.find((t) => t.kind === 'kv-lookup');
    if (save === undefined || lookup === undefined) throw new Error('both kinds are generated');
    // the closing chat task saves (no store), so the store comes from the next task that has one
    const manifest = demoToolManifest(tasks, [save, lookup, ...tasks]);
    expect(manifest.tools.map((t) => t.function.name).sort()).toEqual(['kv_get', 'kv_set']);
    expect(manifest.tools.find((t) => t.function.name === 'kv_get')?.function).toEqual(
      lookup.tools.find((t) => t.function.name === 'kv_get')?.function,
    );
    expect(manifest.state.kv).toEqual(lookup.world.kv);

    const file = writeToolManifest(
      join(mkdtempSync(join(tmpdir(), 'agentlm-demo-tools-')), 'model'),
      manifest,
    );
    const loaded = await readToolManifest(file);
    expect(loaded).toEqual(manifest);
    const registry = new ToolRegistry();
    for (const tool of manifestTools(loaded, { builtins: TOOL_HANDLERS }, { file }).tools)
      registry.register(tool);
    const key = (lookup.world.params as { key: string }).key;
    const store = lookup.world.kv as Record<string, string>;
    expect(await registry.call({ name: 'kv_get', arguments: { key } })).toEqual({
      ok: true,
      content: JSON.stringify({ key, value: store[key] }),
    });
    expect((await registry.call({ name: 'kv_set', arguments: { key: 'k', value: 'v' } })).ok).toBe(true);
  });
});
