import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  calculatorTool,
  clockTool,
  manifestTools,
  readToolManifest,
  type ScriptRunner,
  TOOL_MANIFEST_FILE,
  type ToolManifest,
  ToolRegistry,
} from '@agentlm/inference/node';
import { downloadModel, isModelUrl } from '@agentlm/model';
import { Sandbox } from '@agentlm/synth';
import { TOOL_HANDLERS } from '@agentlm/synth/toolbox';

/** The `--tools FILE` / `--no-tools` option: a file, false, or undefined (the checkpoint's own `tools.json`). */
export type ToolsFlag = string | false | undefined;

/** The manifest to use: `--tools FILE`, else `<model>/tools.json` when present; null with `--no-tools` or none. */
export async function findToolManifest(
  model: string,
  flag: ToolsFlag,
): Promise<{ file: string; manifest: ToolManifest } | null> {
  if (flag === false) return null;
  // a model given by URL: its cached folder, which the download (done by then) fills with its tools.json too
  const dir = isModelUrl(model) ? await downloadModel(model, { offline: true }) : model;
  const file = flag ?? join(dir, TOOL_MANIFEST_FILE);
  if (flag === undefined && !existsSync(file)) return null;
  return { file, manifest: await readToolManifest(file) };
}

/** Runs scripted tools in synth's QuickJS sandbox (one per time limit, started on the first call). */
export function sandboxRunner(): ScriptRunner {
  const sandboxes = new Map<number, Promise<Sandbox>>();
  return async (program, { timeoutMs }) => {
    let sandbox = sandboxes.get(timeoutMs);
    if (sandbox === undefined) {
      sandbox = Sandbox.create({ timeoutMs });
      sandboxes.set(timeoutMs, sandbox);
    }
    return (await sandbox).run(program);
  };
}

/**
 * The tools `agentlm chat` offers: the manifest's (built-ins from synth's toolbox, scripts in the
 * sandbox), else the calculator and clock; none with `--no-tools`. `from` says where they came from.
 */
export async function chatTools(
  model: string,
  flag: ToolsFlag,
): Promise<{ tools: ToolRegistry; from: string }> {
  const tools = new ToolRegistry();
  const found = await findToolManifest(model, flag);
  if (found !== null) {
    const made = manifestTools(
      found.manifest,
      { builtins: TOOL_HANDLERS, runScript: sandboxRunner() },
      { file: found.file },
    );
    for (const tool of made.tools) tools.register(tool);
    return { tools, from: found.file };
  }
  if (flag === false) return { tools, from: '--no-tools' };
  tools.register(calculatorTool).register(clockTool);
  return { tools, from: `the built-in defaults (the model has no ${TOOL_MANIFEST_FILE})` };
}
