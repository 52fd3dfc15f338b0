import { ToolManifestError } from './errors.js';
import { schemaProblem } from './json-schema.js';
import type { JsonSchema, ToolDefinition, ToolSpec } from './tools.js';

/**
 * A tool manifest (`tools.json`, saved beside a checkpoint) says which tools a model was trained with:
 * each tool's OpenAI function spec, how it is implemented (a built-in handler by name, or a JavaScript
 * script run in a sandbox) and the environment's initial state (the key-value store). This module
 * only reads, checks and writes manifests and turns them into `ToolDefinition`s: it has no Node
 * built-ins, so a browser or a Web Worker uses it as the terminal does, with its own implementations.
 */

/** The `format` of the manifests this version reads and writes (bumped on an incompatible change). */
export const TOOL_MANIFEST_FORMAT = 'agentlm-tools/1';
/** The manifest's file name beside a checkpoint's `config.json`. */
export const TOOL_MANIFEST_FILE = 'tools.json';
/** A scripted tool's time limit when its manifest gives none. */
export const DEFAULT_SCRIPT_TIMEOUT_MS = 1000;
const MAX_SCRIPT_TIMEOUT_MS = 60_000;
/** What the registry allows past a script's own limit (the sandbox stops a runaway script from outside after ~2 s). */
const SCRIPT_GRACE_MS = 5000;

/** How a tool runs: a built-in handler by name, or JavaScript source run in a sandbox. */
export type ToolImplementation =
  | { kind: 'builtin'; name: string }
  | { kind: 'script'; source: string; timeoutMs?: number };

/** One tool of a manifest: the OpenAI function spec the model sees plus its implementation. */
export interface ManifestTool {
  type: 'function';
  function: { name: string; description?: string; parameters: JsonSchema };
  implementation: ToolImplementation;
}

/** The environment built-in tools read and write; `kv` is the key-value store of `kv_get`/`kv_set`/`kv_delete`. */
export interface ToolState {
  kv: Record<string, string>;
}

/** A checked manifest (`state` is filled in when the file has none). */
export interface ToolManifest {
  format: typeof TOOL_MANIFEST_FORMAT;
  tools: ManifestTool[];
  state: ToolState;
}

/** A built-in tool: checked arguments and the session's state in, a JSON-compatible result out; throws for a user error. */
export type BuiltinToolHandler = (args: Record<string, unknown>, state: ToolState) => unknown;

/** What running a script gave back (the shape of `@agentlm/synth`'s `SandboxResult`). */
export interface ScriptResult {
  ok: boolean;
  /** The script's returned value, JSON-compatible. */
  value?: unknown;
  /** What it printed. */
  stdout?: string;
  /** Why it failed, when `ok` is false. */
  error?: string;
}

/** Runs a program (see `scriptProgram`) in a sandbox under a time limit; never runs it in the caller's own realm. */
export type ScriptRunner = (
  program: string,
  limits: { timeoutMs: number },
) => ScriptResult | Promise<ScriptResult>;

/** What an environment can run: built-in handlers by name and, where a sandbox exists, a script runner. */
export interface ToolImplementations {
  builtins?: Readonly<Record<string, BuiltinToolHandler>>;
  runScript?: ScriptRunner;
}

export interface ManifestToolsOptions {
  /** Where the manifest came from, for errors (default `tools.json`). */
  file?: string;
  /**
   * Leave out the tools whose implementation is missing here (a script without a runner, an unknown
   * built-in) and list them in `skipped`, instead of throwing `ToolManifestError`.
   */
  skipUnavailable?: boolean;
}

/** A manifest made runnable: tools for a `ToolRegistry`, the state they share, and what was left out. */
export interface ManifestTools {
  tools: ToolDefinition[];
  /** This session's copy of the manifest's state (built-in tools change it; the manifest is untouched). */
  state: ToolState;
  skipped: { name: string; reason: string }[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : `${typeof v} ${JSON.stringify(v)}`.slice(0, 80);

/** Checks one object's fields: the allowed keys only, with typed errors naming `at.key`. */
class Fields {
  constructor(
    private readonly file: string,
    private readonly at: string,
    readonly value: Json,
    allowed: string[],
  ) {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key))
        throw this.bad(key, `is not a known field (allowed: ${allowed.join(', ')})`);
    }
  }

  path(key: string): string {
    return this.at === '' ? key : `${this.at}.${key}`;
  }

  bad(key: string, problem: string): ToolManifestError {
    return new ToolManifestError(this.file, this.path(key), problem);
  }

  string(key: string, required: boolean): string | undefined {
    const v = this.value[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.length === 0)
      throw this.bad(key, `must be a non-empty string, got ${v === undefined ? 'nothing' : shown(v)}`);
    return v;
  }

  object(key: string, required: boolean): Json | undefined {
    const v = this.value[key];
    if (v === undefined && !required) return undefined;
    if (!isObject(v)) throw this.bad(key, `must be an object, got ${v === undefined ? 'nothing' : shown(v)}`);
    return v;
  }
}

/**
 * Reads a manifest from its JSON text (or the parsed value) and checks every field; throws
 * `ToolManifestError` naming `file` and the first field at fault.
 */
export function parseToolManifest(input: unknown, file = TOOL_MANIFEST_FILE): ToolManifest {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new ToolManifestError(file, '', `is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!isObject(value)) throw new ToolManifestError(file, '', `must hold a JSON object, got ${shown(value)}`);
  const root = new Fields(file, '', value, ['format', 'tools', 'state']);
  const format = root.value.format;
  if (format !== TOOL_MANIFEST_FORMAT) {
    throw root.bad(
      'format',
      `must be ${JSON.stringify(TOOL_MANIFEST_FORMAT)} (the manifest format this agentlm reads), got ${format === undefined ? 'nothing' : shown(format)}`,
    );
  }
  const list = root.value.tools;
  if (!Array.isArray(list)) throw root.bad('tools', `must be an array, got ${shown(list)}`);
  const names = new Set<string>();
  const tools = list.map((raw, i) => {
    const tool = parseTool(file, `tools[${i}]`, raw);
    if (names.has(tool.function.name))
      throw new ToolManifestError(
        file,
        `tools[${i}].function.name`,
        `repeats ${JSON.stringify(tool.function.name)}`,
      );
    names.add(tool.function.name);
    return tool;
  });
  return { format: TOOL_MANIFEST_FORMAT, tools, state: parseState(file, root.object('state', false)) };
}

function parseTool(file: string, at: string, raw: unknown): ManifestTool {
  if (!isObject(raw)) throw new ToolManifestError(file, at, `must be an object, got ${shown(raw)}`);
  const tool = new Fields(file, at, raw, ['type', 'function', 'implementation']);
  if (raw.type !== 'function') throw tool.bad('type', `must be "function", got ${shown(raw.type)}`);
  const fn = new Fields(file, tool.path('function'), tool.object('function', true) as Json, [
    'name',
    'description',
    'parameters',
  ]);
  const name = fn.string('name', true) as string;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
    throw fn.bad('name', `must be 1-64 letters, digits, _ . -, got ${JSON.stringify(name)}`);
  const description = fn.string('description', false);
  const parameters = fn.object('parameters', true) as Json;
  const invalid = schemaProblem(parameters);
  if (invalid !== null) throw fn.bad('parameters', `is not a valid JSON Schema: ${invalid}`);
  return {
    type: 'function',
    function: { name, ...(description === undefined ? {} : { description }), parameters },
    implementation: parseImplementation(
      file,
      tool.path('implementation'),
      tool.object('implementation', true) as Json,
      name,
    ),
  };
}

function parseImplementation(file: string, at: string, raw: Json, toolName: string): ToolImplementation {
  if (raw.kind === 'builtin') {
    const f = new Fields(file, at, raw, ['kind', 'name']);
    return { kind: 'builtin', name: f.string('name', false) ?? toolName };
  }
  if (raw.kind === 'script') {
    const f = new Fields(file, at, raw, ['kind', 'source', 'timeoutMs']);
    const source = f.string('source', true) as string;
    const timeoutMs = raw.timeoutMs;
    if (timeoutMs === undefined) return { kind: 'script', source };
    if (
      !Number.isInteger(timeoutMs) ||
      (timeoutMs as number) <= 0 ||
      (timeoutMs as number) > MAX_SCRIPT_TIMEOUT_MS
    )
      throw f.bad(
        'timeoutMs',
        `must be an integer from 1 to ${MAX_SCRIPT_TIMEOUT_MS}, got ${shown(timeoutMs)}`,
      );
    return { kind: 'script', source, timeoutMs: timeoutMs as number };
  }
  throw new ToolManifestError(
    file,
    `${at}.kind`,
    `must be "builtin" or "script", got ${raw.kind === undefined ? 'nothing' : shown(raw.kind)}`,
  );
}

function parseState(file: string, raw: Json | undefined): ToolState {
  if (raw === undefined) return { kv: {} };
  const state = new Fields(file, 'state', raw, ['kv']);
  const kv = state.object('kv', false) ?? {};
  for (const [key, v] of Object.entries(kv)) {
    if (typeof v !== 'string')
      throw new ToolManifestError(
        file,
        `state.kv[${JSON.stringify(key)}]`,
        `must be a string, got ${shown(v)}`,
      );
  }
  return { kv: { ...(kv as Record<string, string>) } };
}

/** The manifest as JSON text (checked first, so a writer never saves one that does not load). */
export function stringifyToolManifest(manifest: ToolManifest, file = TOOL_MANIFEST_FILE): string {
  return `${JSON.stringify(parseToolManifest(JSON.parse(JSON.stringify(manifest)), file), null, 2)}\n`;
}

/** The function specs of a manifest's tools (what a server offers a request that names no tools). */
export function manifestToolSpecs(manifest: ToolManifest): ToolSpec[] {
  return manifest.tools.map(specOf);
}

function specOf({ function: f }: ManifestTool): ToolSpec {
  return {
    name: f.name,
    ...(f.description === undefined ? {} : { description: f.description }),
    parameters: f.parameters,
  };
}

/**
 * The program a scripted tool runs: its source is the body of an async function of `args` (the
 * checked call arguments); what it returns is the tool's result.
 */
export function scriptProgram(source: string, args: unknown): string {
  return `(async function (args) {\n${source}\n})(${JSON.stringify(args)});`;
}

/**
 * Makes a manifest's tools runnable with this environment's implementations: built-ins share one
 * fresh copy of the manifest's state; scripts go to `runScript`, and a failed script (an exception,
 * a timeout, a memory bomb) is a failed tool result, never a crash of the caller.
 */
export function manifestTools(
  manifest: ToolManifest,
  implementations: ToolImplementations,
  options: ManifestToolsOptions = {},
): ManifestTools {
  const file = options.file ?? TOOL_MANIFEST_FILE;
  const state: ToolState = { kv: { ...manifest.state.kv } };
  const tools: ToolDefinition[] = [];
  const skipped: ManifestTools['skipped'] = [];
  manifest.tools.forEach((tool, i) => {
    const spec = specOf(tool);
    const impl = tool.implementation;
    let unavailable: [string, string] | undefined;
    if (impl.kind === 'builtin') {
      const handler = implementations.builtins?.[impl.name];
      if (handler === undefined) {
        const known = Object.keys(implementations.builtins ?? {}).join(', ') || 'none';
        unavailable = [
          'name',
          `names no built-in tool ${JSON.stringify(impl.name)} (built-ins here: ${known})`,
        ];
      } else tools.push({ ...spec, handler: (args) => handler(args, state) });
    } else {
      const run = implementations.runScript;
      if (run === undefined) {
        unavailable = [
          'kind',
          'is "script", and scripted tools need a sandbox, which this environment lacks',
        ];
      } else {
        const timeoutMs = impl.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS;
        tools.push({
          ...spec,
          timeoutMs: timeoutMs + SCRIPT_GRACE_MS,
          handler: async (args) => {
            const r = await run(scriptProgram(impl.source, args), { timeoutMs });
            if (!r.ok) throw new Error(r.error ?? 'the script failed');
            return r.value === undefined ? (r.stdout ?? '') : r.value;
          },
        });
      }
    }
    if (unavailable === undefined) return;
    const error = new ToolManifestError(file, `tools[${i}].implementation.${unavailable[0]}`, unavailable[1]);
    if (!options.skipUnavailable) throw error;
    skipped.push({ name: tool.function.name, reason: error.message });
  });
  return { tools, state, skipped };
}
