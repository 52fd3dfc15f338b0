import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BuiltinToolHandler,
  type ChatEvent,
  ChatSession,
  Engine,
  manifestToolSpecs,
  manifestTools,
  parseToolManifest,
  readToolManifest,
  type ScriptRunner,
  scriptProgram,
  stringifyToolManifest,
  TOOL_MANIFEST_FORMAT,
  ToolManifestError,
  ToolRegistry,
  youtuChatFormat,
} from '../src/node.js';
import { ByteCodec, FakeModel, respondAfter } from './helpers/fakes.js';

const keySchema = {
  type: 'object',
  properties: { key: { type: 'string' } },
  required: ['key'],
  additionalProperties: false,
};

/** A manifest with one tool of each kind and a store; tests copy and break it. */
function good(): Record<string, unknown> {
  return {
    format: TOOL_MANIFEST_FORMAT,
    tools: [
      {
        type: 'function',
        function: { name: 'kv_get', description: 'Read a key.', parameters: keySchema },
        implementation: { kind: 'builtin' },
      },
      {
        type: 'function',
        function: {
          name: 'shout',
          parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
        },
        implementation: { kind: 'script', source: 'return args.text.toUpperCase();', timeoutMs: 500 },
      },
    ],
    state: { kv: { colour: 'teal' } },
  };
}

/** Sets `value` at a dotted path with [i] indices (creating nothing: the path exists in `good()`). */
function withField(path: string, value: unknown): Record<string, unknown> {
  const root = good();
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let at = root as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  const last = keys.at(-1) as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return root;
}

function manifestError(input: unknown): ToolManifestError {
  try {
    parseToolManifest(input, 'ckpt/tools.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ToolManifestError);
    return err as ToolManifestError;
  }
  throw new Error(`parsed: ${JSON.stringify(input)}`);
}

const kvGet: BuiltinToolHandler = (args, state) => {
  const key = args.key as string;
  if (!(key in state.kv)) throw new Error(`no value under key ${JSON.stringify(key)}`);
  return { key, value: state.kv[key] };
};
const kvSet: BuiltinToolHandler = (args, state) => {
  state.kv[args.key as string] = args.value as string;
  return { ok: true };
};

describe('parseToolManifest', () => {
  it('reads a manifest from text or a value, filling in the defaults', () => {
    const m = parseToolManifest(JSON.stringify(good()));
    expect(m.tools.map((t) => t.implementation)).toEqual([
      { kind: 'builtin', name: 'kv_get' },
      { kind: 'script', source: 'return args.text.toUpperCase();', timeoutMs: 500 },
    ]);
    expect(m.state).toEqual({ kv: { colour: 'teal' } });
    expect(parseToolManifest({ format: TOOL_MANIFEST_FORMAT, tools: [] })).toEqual({
      format: TOOL_MANIFEST_FORMAT,
      tools: [],
      state: { kv: {} },
    });
    expect(manifestToolSpecs(m)).toEqual([
      { name: 'kv_get', description: 'Read a key.', parameters: keySchema },
      { name: 'shout', parameters: m.tools[1]?.function.parameters },
    ]);
    expect(parseToolManifest(stringifyToolManifest(m))).toEqual(m);
  });

  it('names the file and the field at fault', () => {
    const cases: [unknown, string, RegExp][] = [
      ['{"format": ', '', /is not valid JSON/],
      [[], '', /must hold a JSON object, got an array/],
      [withField('format', undefined), 'format', /must be "agentlm-tools\/1".*got nothing/],
      [withField('format', 'agentlm-tools/2'), 'format', /got string "agentlm-tools\/2"/],
      [{ ...good(), extra: 1 }, 'extra', /is not a known field \(allowed: format, tools, state\)/],
      [withField('tools', {}), 'tools', /must be an array/],
      [withField('tools[0]', 'kv_get'), 'tools[0]', /must be an object/],
      [withField('tools[0].type', 'tool'), 'tools[0].type', /must be "function"/],
      [withField('tools[0].function', undefined), 'tools[0].function', /must be an object, got nothing/],
      [withField('tools[0].function.name', 'has space'), 'tools[0].function.name', /1-64 letters/],
      [withField('tools[0].function.name', 7), 'tools[0].function.name', /non-empty string, got number 7/],
      [withField('tools[1].function.name', 'kv_get'), 'tools[1].function.name', /repeats "kv_get"/],
      [withField('tools[0].function.description', ''), 'tools[0].function.description', /non-empty/],
      [withField('tools[0].function.parameters', [1]), 'tools[0].function.parameters', /must be an object/],
      [
        withField('tools[0].function.parameters', { type: 'nonsense' }),
        'tools[0].function.parameters',
        /is not a valid JSON Schema/,
      ],
      [withField('tools[0].function.strict', true), 'tools[0].function.strict', /is not a known field/],
      [withField('tools[0].implementation', undefined), 'tools[0].implementation', /must be an object/],
      [
        withField('tools[0].implementation.kind', 'wasm'),
        'tools[0].implementation.kind',
        /"builtin" or "script"/,
      ],
      [withField('tools[0].implementation.name', ''), 'tools[0].implementation.name', /non-empty string/],
      [
        withField('tools[0].implementation.source', 'x'),
        'tools[0].implementation.source',
        /not a known field/,
      ],
      [
        withField('tools[1].implementation.source', undefined),
        'tools[1].implementation.source',
        /got nothing/,
      ],
      [
        withField('tools[1].implementation.timeoutMs', 0),
        'tools[1].implementation.timeoutMs',
        /from 1 to 60000/,
      ],
      [withField('tools[1].implementation.timeoutMs', 1.5), 'tools[1].implementation.timeoutMs', /integer/],
      [withField('state', 'full'), 'state', /must be an object/],
      [withField('state.files', {}), 'state.files', /is not a known field \(allowed: kv\)/],
      [withField('state.kv', []), 'state.kv', /must be an object/],
      [withField('state.kv.colour', 3), 'state.kv["colour"]', /must be a string, got number 3/],
    ];
    for (const [input, field, problem] of cases) {
      const err = manifestError(input);
      expect(err.file).toBe('ckpt/tools.json');
      expect(err.field, JSON.stringify(input)).toBe(field);
      expect(err.code).toBe('TOOL_MANIFEST');
      expect(err.message).toMatch(/^ckpt\/tools\.json: /);
      expect(err.message).toMatch(problem);
    }
  });

  it('answers every wrong-typed field with a ToolManifestError, never another exception', () => {
    const paths = [
      'format',
      'tools',
      'tools[0]',
      'tools[0].type',
      'tools[0].function',
      'tools[0].function.name',
      'tools[0].function.description',
      'tools[0].function.parameters',
      'tools[0].implementation',
      'tools[0].implementation.kind',
      'tools[0].implementation.name',
      'tools[1].implementation.source',
      'tools[1].implementation.timeoutMs',
      'state',
      'state.kv',
      'state.kv.colour',
    ];
    const values = [null, true, 0, -1, 1e9, Number.NaN, '', 'x', [], [null], {}, { a: 1 }];
    let rejected = 0;
    for (const path of paths) {
      for (const value of values) {
        try {
          parseToolManifest(JSON.parse(JSON.stringify(withField(path, value))), 'fuzz.json');
        } catch (err) {
          expect(err, `${path} = ${JSON.stringify(value)}`).toBeInstanceOf(ToolManifestError);
          expect((err as ToolManifestError).field.startsWith(path.split('.')[0] as string)).toBe(true);
          rejected++;
        }
      }
    }
    // most replacements are wrong (a few are fine: {} as state, an empty kv, a string description)
    expect(rejected).toBeGreaterThan(paths.length * values.length * 0.8);
  });
});

describe('manifestTools', () => {
  it('runs built-ins on a session copy of the state through a ToolRegistry', async () => {
    const manifest = parseToolManifest({
      ...good(),
      tools: [
        (good().tools as unknown[])[0],
        {
          type: 'function',
          function: {
            name: 'remember',
            parameters: { type: 'object', properties: { key: {}, value: { type: 'string' } } },
          },
          implementation: { kind: 'builtin', name: 'kv_set' },
        },
      ],
    });
    const { tools, state, skipped } = manifestTools(manifest, { builtins: { kv_get: kvGet, kv_set: kvSet } });
    expect(skipped).toEqual([]);
    const registry = new ToolRegistry();
    for (const tool of tools) registry.register(tool);
    expect(registry.specs().map((s) => s.name)).toEqual(['kv_get', 'remember']);
    expect(await registry.call({ name: 'kv_get', arguments: { key: 'colour' } })).toEqual({
      ok: true,
      content: '{"key":"colour","value":"teal"}',
    });
    expect(await registry.call({ name: 'remember', arguments: { key: 'size', value: 'L' } })).toMatchObject({
      ok: true,
    });
    expect((await registry.call({ name: 'kv_get', arguments: { key: 'size' } })).content).toContain('"L"');
    expect(await registry.call({ name: 'kv_get', arguments: { key: 'shape' } })).toMatchObject({
      ok: false,
      content: expect.stringMatching(/no value under key "shape"/),
    });
    expect(state.kv).toEqual({ colour: 'teal', size: 'L' });
    expect(manifest.state.kv).toEqual({ colour: 'teal' });
  });

  it('hands scripts to the runner with their arguments; a failed script is a failed result', async () => {
    const programs: [string, number][] = [];
    const runScript: ScriptRunner = (program, { timeoutMs }) => {
      programs.push([program, timeoutMs]);
      return program.includes('"boom"')
        ? { ok: false, error: 'InternalError: out of memory' }
        : { ok: true, value: { echoed: program.length } };
    };
    const { tools } = manifestTools(parseToolManifest(good()), { builtins: { kv_get: kvGet }, runScript });
    const registry = new ToolRegistry();
    for (const tool of tools) registry.register(tool);
    const ok = await registry.call({ name: 'shout', arguments: { text: 'hi' } });
    expect(ok.ok).toBe(true);
    expect(programs[0]).toEqual([scriptProgram('return args.text.toUpperCase();', { text: 'hi' }), 500]);
    expect(programs[0]?.[0]).toContain('{"text":"hi"}');
    expect(await registry.call({ name: 'shout', arguments: { text: 'boom' } })).toEqual({
      ok: false,
      content: 'Error: tool "shout" failed: InternalError: out of memory',
    });
    // the registry checks the schema before the runner is asked
    expect((await registry.call({ name: 'shout', arguments: {} })).ok).toBe(false);
    expect(programs).toHaveLength(2);
  });

  it('refuses, or with skipUnavailable lists, tools this environment cannot run', () => {
    const manifest = parseToolManifest(good());
    expect(() => manifestTools(manifest, {}, { file: 'ckpt/tools.json' })).toThrow(
      'ckpt/tools.json: tools[0].implementation.name names no built-in tool "kv_get" (built-ins here: none)',
    );
    expect(() => manifestTools(manifest, { builtins: { kv_get: kvGet } })).toThrow(
      /tools\[1\]\.implementation\.kind is "script", and scripted tools need a sandbox/,
    );
    const partial = manifestTools(manifest, { builtins: { kv_get: kvGet } }, { skipUnavailable: true });
    expect(partial.tools.map((t) => t.name)).toEqual(['kv_get']);
    expect(partial.skipped).toEqual([{ name: 'shout', reason: expect.stringMatching(/need a sandbox/) }]);
  });
});

describe('readToolManifest', () => {
  it('reads a file and names it in every error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentlm-tool-manifest-'));
    const file = join(dir, 'tools.json');
    writeFileSync(file, JSON.stringify(good()));
    expect((await readToolManifest(file)).tools).toHaveLength(2);
    await expect(readToolManifest(join(dir, 'missing.json'))).rejects.toThrow(
      new RegExp(`^${join(dir, 'missing.json')}: cannot be read: ENOENT`),
    );
    writeFileSync(file, 'not json');
    await expect(readToolManifest(file)).rejects.toThrow(`${file}: is not valid JSON`);
  });
});

describe('a chat turn with manifest tools', () => {
  it('runs the kv_get call the model makes and hands it the stored value', async () => {
    // a scripted model: it reads "colour" with kv_get, then reports what the tool said
    const script = respondAfter('<|Assistant|>', (prompt) => {
      const response = /<tool_response>(.*)<\/tool_response><\|Assistant\|>$/s.exec(prompt);
      return response
        ? `The store says ${response[1]}.`
        : '<tool_call>{"name": "kv_get", "arguments": {"key": "colour"}}</tool_call>';
    });
    const engine = new Engine(new FakeModel({ script }), { tokenizer: new ByteCodec() });
    const registry = new ToolRegistry();
    for (const tool of manifestTools(
      parseToolManifest(good()),
      { builtins: { kv_get: kvGet } },
      { skipUnavailable: true },
    ).tools)
      registry.register(tool);
    const chat = new ChatSession(engine.createSession(), {
      format: youtuChatFormat(),
      tools: registry,
      temperature: 0,
      maxNewTokens: 200,
    });
    const events: ChatEvent[] = [];
    const turn = chat.send('What is stored under colour?');
    for (let e = await turn.next(); !e.done; e = await turn.next()) events.push(e.value);
    const results = events.filter((e) => e.type === 'tool_result');
    expect(results).toMatchObject([{ outcome: { ok: true, content: '{"key":"colour","value":"teal"}' } }]);
    const content = events.map((e) => (e.type === 'delta' && e.kind === 'content' ? e.text : '')).join('');
    expect(content).toBe('The store says {"key":"colour","value":"teal"}.');
  });
});
