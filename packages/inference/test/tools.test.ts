import { describe, expect, it } from 'vitest';
import { ToolError, ToolRegistry } from '../src/index.js';

const addSchema = {
  type: 'object',
  properties: { a: { type: 'number' }, b: { type: 'number' } },
  required: ['a', 'b'],
  additionalProperties: false,
};

describe('ToolRegistry', () => {
  const registry = () =>
    new ToolRegistry(200)
      .register<{ a: number; b: number }>({
        name: 'add',
        description: 'Adds two numbers',
        parameters: addSchema,
        handler: ({ a, b }) => a + b,
      })
      .register({ name: 'echo', parameters: { type: 'object' }, handler: (args) => ({ echoed: args }) })
      .register({
        name: 'fail',
        parameters: { type: 'object' },
        handler: () => {
          throw new Error('disk on fire');
        },
      })
      .register({
        name: 'slow',
        parameters: { type: 'object' },
        timeoutMs: 20,
        handler: (_args, { signal }) =>
          new Promise((resolve) => {
            const t = setTimeout(resolve, 5000);
            signal.addEventListener('abort', () => clearTimeout(t));
          }),
      });

  it('runs a valid call and serialises non-string results as JSON', async () => {
    const r = registry();
    expect(await r.call({ name: 'add', arguments: { a: 2, b: 40 } })).toEqual({ ok: true, content: '42' });
    expect(await r.call({ name: 'echo', arguments: { x: 'y' } })).toEqual({
      ok: true,
      content: '{"echoed":{"x":"y"}}',
    });
    expect(r.specs()[0]).toEqual({ name: 'add', description: 'Adds two numbers', parameters: addSchema });
    expect(r.size).toBe(4);
  });

  it('reports bad arguments, unknown tools, handler errors and timeouts as results', async () => {
    const r = registry();
    const badArgs = await r.call({ name: 'add', arguments: { a: 'two' } });
    expect(badArgs.ok).toBe(false);
    expect(badArgs.content).toMatch(/invalid arguments for tool "add"/);
    expect(badArgs.content).toMatch(/arguments\/a must be number/);
    expect(badArgs.content).toMatch(/must have required property 'b'/);
    expect((await r.call({ name: 'add', arguments: 'not an object' })).ok).toBe(false);
    expect(await r.call({ name: 'nope', arguments: {} })).toMatchObject({
      ok: false,
      content: expect.stringMatching(/unknown tool "nope" \(available: add, echo, fail, slow\)/),
    });
    expect(await r.call({ name: 'fail', arguments: {} })).toMatchObject({
      ok: false,
      content: expect.stringMatching(/disk on fire/),
    });
    expect(await r.call({ name: 'slow', arguments: {} })).toMatchObject({
      ok: false,
      content: expect.stringMatching(/timed out after 20 ms/),
    });
  });

  it('rejects duplicate names, bad names and invalid schemas at registration', () => {
    const r = registry();
    expect(() => r.register({ name: 'add', parameters: {}, handler: () => 0 })).toThrow(ToolError);
    expect(() => r.register({ name: 'has space', parameters: {}, handler: () => 0 })).toThrow(
      /names must be/,
    );
    expect(() => r.register({ name: 'broken', parameters: { type: 'nonsense' }, handler: () => 0 })).toThrow(
      /not a valid JSON schema/,
    );
    expect(r.unregister('add')).toBe(true);
    expect(r.has('add')).toBe(false);
  });
});
