import { describe, expect, it } from 'vitest';
import { RequestError } from '../src/errors.js';
import { parseChatRequest } from '../src/server/request.js';

const limits = { maxTokens: 64, vocabSize: 256, defaultMaxTokens: 16 };
const withTool = (parameters: unknown, name = 'lookup') => ({
  messages: [{ role: 'user', content: 'x' }],
  tools: [{ type: 'function', function: { name, parameters } }],
});

/** Tool schemas are compiled as the request arrives: an invalid one is a 400 naming the tool. */
describe('chat request tool schemas', () => {
  it.each([
    [{ type: 'nonsense' }, /type must be equal to one of the allowed values/],
    [{ type: 'object', properties: { q: { type: 'strin' } } }, /properties\/q\/type/],
    [{ type: 'object', required: 'q' }, /required must be array/],
    [{ type: 'string', pattern: '(' }, /Invalid regular expression/],
    [{ $ref: '#/$defs/missing' }, /can't resolve reference/],
    [
      { $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: 3 },
      /prefixItems must be array/,
    ],
  ])('rejects %j', (parameters, reason) => {
    let error: unknown;
    try {
      parseChatRequest(withTool(parameters), limits);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RequestError);
    expect((error as RequestError).status).toBe(400);
    expect((error as Error).message).toMatch(
      /^tools\[0\]\.function\.parameters: tool "lookup": not a valid JSON Schema: /,
    );
    expect((error as Error).message).toMatch(reason);
  });

  it.each([
    { type: 'object', properties: { q: { type: 'string', pattern: '^[a-z]+$' } }, required: ['q'] },
    {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }],
    },
    {
      $schema: 'https://json-schema.org/draft/2019-09/schema',
      type: 'object',
      $defs: { a: { type: 'integer' } },
    },
    {
      type: 'object',
      properties: { n: { $ref: '#/definitions/n' } },
      definitions: { n: { type: 'number' } },
    },
  ])('accepts %j, again on a later request', (parameters) => {
    for (let i = 0; i < 2; i++) {
      expect(parseChatRequest(withTool(parameters), limits).tools[0]?.parameters).toEqual(parameters);
    }
  });

  it('names the tool at fault among several', () => {
    const body = {
      messages: [{ role: 'user', content: 'x' }],
      tools: [
        { type: 'function', function: { name: 'good', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'broken', parameters: { type: 'nonsense' } } },
      ],
    };
    expect(() => parseChatRequest(body, limits)).toThrow(/^tools\[1\]\.function\.parameters: tool "broken"/);
  });
});
