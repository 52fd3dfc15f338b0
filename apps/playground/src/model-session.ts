import {
  ChatSession,
  fromModel,
  type LoadedEngine,
  manifestTools,
  parseToolManifest,
  TOOL_MANIFEST_FILE,
  ToolRegistry,
  type ToolState,
} from '@agentlm/inference';
import { loadModelFromFiles, type YoutuModel } from '@agentlm/model';
import { TOOL_HANDLERS } from '@agentlm/synth/toolbox';
import type { Backend } from '@agentlm/tensor';
import { Tokenizer } from '@agentlm/tokenizer';
import type { ModelFiles } from './protocol.js';
import { demoTools } from './tools.js';

/**
 * A loaded model with what the chat needs: the engine, the tools it offers and their shared state. Used by the
 * worker and, unchanged, by the Node tests that check the shipped model's suggested prompts.
 */
export interface ModelSession extends LoadedEngine {
  name: string;
  youtu: YoutuModel;
  tools: ToolRegistry;
  /** The key-value store the manifest's built-in tools read and write; null with the default tools. */
  toolState: ToolState | null;
  /** Manifest tools this browser cannot run (a scripted tool needs a sandbox), with why. */
  skippedTools: { name: string; reason: string }[];
}

/**
 * The tools of a model directory: its `tools.json` manifest (the tools it was trained with, run by
 * `@agentlm/synth`'s toolbox, with the manifest's initial store), else the calculator, clock and converter.
 */
export async function toolsOf(
  files: ModelFiles,
): Promise<Pick<ModelSession, 'tools' | 'toolState' | 'skippedTools'>> {
  const manifestFile = files[TOOL_MANIFEST_FILE];
  if (manifestFile === undefined) return { tools: demoTools(), toolState: null, skippedTools: [] };
  const manifest = parseToolManifest(await manifestFile.text(), TOOL_MANIFEST_FILE);
  const made = manifestTools(manifest, { builtins: TOOL_HANDLERS }, { skipUnavailable: true });
  const tools = new ToolRegistry(5_000);
  for (const tool of made.tools) tools.register(tool);
  return { tools, toolState: made.state, skippedTools: made.skipped };
}

/** Loads a model directory's files (weights, tokenizer, tool manifest) onto `backend`. */
export async function openModel(
  name: string,
  files: ModelFiles,
  backend: Backend,
  onProgress?: (text: string) => void,
): Promise<ModelSession> {
  const youtu = await loadModelFromFiles(files, {
    backend,
    requiresGrad: false,
    label: name,
    ...(onProgress
      ? { onProgress: (p) => onProgress(`loading ${p.name} (${p.loaded}/${p.total} tensors)`) }
      : {}),
  });
  try {
    const tokenizerJson = await files['tokenizer.json']?.text();
    const tokenizer =
      tokenizerJson === undefined
        ? null
        : Tokenizer.fromJSON(tokenizerJson, (await files['tokenizer_config.json']?.text()) ?? {});
    return withEngine(name, youtu, tokenizer, await toolsOf(files));
  } catch (err) {
    youtu.dispose();
    throw err;
  }
}

/** A session over a model already in memory (the one trained in the tab), with the default tools. */
export function withEngine(
  name: string,
  youtu: YoutuModel,
  tokenizer: Tokenizer | null,
  tools: Pick<ModelSession, 'tools' | 'toolState' | 'skippedTools'> = {
    tools: demoTools(),
    toolState: null,
    skippedTools: [],
  },
): ModelSession {
  return { ...fromModel(youtu, tokenizer, { name }), name, youtu, ...tools };
}

/** A new conversation (null without a tokenizer); `system` is the system prompt, when not empty. */
export function newChat(model: ModelSession, system: string): ChatSession | null {
  if (model.format === null) return null;
  return new ChatSession(model.engine.createSession(), {
    format: model.format,
    tools: model.tools,
    maxSteps: 3,
    ...(system ? { system } : {}),
  });
}

export function parameterCount(model: ModelSession): number {
  return model.youtu.parameters().reduce((n, p) => n + p.size, 0);
}
