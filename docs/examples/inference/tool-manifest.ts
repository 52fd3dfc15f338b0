// A checkpoint's tools.json made runnable: the same calls work in Node, a browser or a Web Worker
// (fetch the file beside the checkpoint and pass its text). Built-ins come from synth's browser-safe
// toolbox; a scripted tool needs a sandbox (the CLI passes synth's QuickJS one), so here it is skipped.
import {
  manifestTools,
  parseToolManifest,
  TOOL_MANIFEST_FORMAT,
  ToolManifestError,
  ToolRegistry,
} from '@agentlm/inference';
import { TOOL_HANDLERS } from '@agentlm/synth/toolbox';

const text = JSON.stringify({
  format: TOOL_MANIFEST_FORMAT,
  tools: [
    {
      type: 'function',
      function: {
        name: 'kv_get',
        description: 'Read the value stored under a key.',
        parameters: {
          type: 'object',
          properties: { key: { type: 'string' } },
          required: ['key'],
          additionalProperties: false,
        },
      },
      implementation: { kind: 'builtin' },
    },
    {
      type: 'function',
      function: { name: 'double', parameters: { type: 'object', properties: { n: { type: 'number' } } } },
      implementation: { kind: 'script', source: 'return args.n * 2;' },
    },
  ],
  state: { kv: { wifi_password: 'correct-horse' } },
});

const manifest = parseToolManifest(text, 'model/tools.json');
const { tools, skipped } = manifestTools(
  manifest,
  { builtins: TOOL_HANDLERS },
  {
    file: 'model/tools.json',
    skipUnavailable: true,
  },
);
const registry = new ToolRegistry();
for (const tool of tools) registry.register(tool);
console.log(
  'offered:',
  registry.specs().map((s) => s.name),
);
console.log(
  'skipped:',
  skipped.map((s) => s.reason),
);
console.log(await registry.call({ name: 'kv_get', arguments: { key: 'wifi_password' } }));
console.log(await registry.call({ name: 'kv_get', arguments: { key: 'nope' } }));

try {
  parseToolManifest({ format: TOOL_MANIFEST_FORMAT, tools: [{ type: 'function' }] }, 'model/tools.json');
} catch (err) {
  if (!(err instanceof ToolManifestError)) throw err;
  console.log(`${err.name} at ${err.field}: ${err.message}`);
}
