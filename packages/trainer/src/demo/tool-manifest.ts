import { join } from 'node:path';
import {
  type ManifestTool,
  stringifyToolManifest,
  TOOL_MANIFEST_FILE,
  TOOL_MANIFEST_FORMAT,
  type ToolManifest,
} from '@agentlm/inference';
import type { Task, Trajectory } from '@agentlm/synth';
import { writeFileAtomic } from '../atomic.js';

/**
 * The demo checkpoint's `tools.json`: every tool its training trajectories offered, with the spec
 * exactly as the model saw it (the demo's compact one), implemented by synth's built-in of that name,
 * and the key-value store of `storeFrom`'s first task that has one (the closing chat turn's task
 * first), so `agentlm chat` can repeat that turn by hand.
 */
export function demoToolManifest(
  trajectories: readonly Pick<Trajectory, 'tools'>[],
  storeFrom: readonly Pick<Task, 'world'>[],
): ToolManifest {
  const tools = new Map<string, ManifestTool>();
  for (const spec of trajectories.flatMap((t) => t.tools)) {
    const { name, description, parameters } = spec.function;
    if (tools.has(name)) continue;
    tools.set(name, {
      type: 'function',
      function: { name, ...(description ? { description } : {}), parameters },
      implementation: { kind: 'builtin', name },
    });
  }
  const stores = storeFrom.map((t) => (t.world.kv ?? {}) as Record<string, string>);
  const kv = stores.find((s) => Object.keys(s).length > 0) ?? {};
  return { format: TOOL_MANIFEST_FORMAT, tools: [...tools.values()], state: { kv: { ...kv } } };
}

/** Writes `manifest` as `<checkpoint>/tools.json` (atomically, checked first); returns the path. */
export function writeToolManifest(checkpoint: string, manifest: ToolManifest): string {
  const file = join(checkpoint, TOOL_MANIFEST_FILE);
  writeFileAtomic(file, stringifyToolManifest(manifest, file));
  return file;
}
