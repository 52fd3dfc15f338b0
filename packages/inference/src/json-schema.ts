import { Ajv } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

/** One validator per draft: `$schema` picks 2019-09 or 2020-12, anything else is read as draft-07. */
const schemaCompilers = {
  draft7: new Ajv({ strict: false }),
  '2019-09': new Ajv2019({ strict: false }),
  '2020-12': new Ajv2020({ strict: false }),
};
/** Schemas (as JSON text) already compiled without error; bounded, oldest dropped first. */
const validSchemas = new Set<string>();

/**
 * Compiles a tool's parameters schema (meta-schema check, regular expressions, `$ref`s) and returns why
 * it is invalid, or null. Compiled validators are not kept: a server's request tools are only shown to
 * the model, and ajv would otherwise hold every schema a client ever sent.
 */
export function schemaProblem(schema: Record<string, unknown>): string | null {
  const text = JSON.stringify(schema);
  if (validSchemas.has(text)) return null;
  const draft = String(schema.$schema ?? '');
  const ajv = draft.includes('2020-12')
    ? schemaCompilers['2020-12']
    : draft.includes('2019-09')
      ? schemaCompilers['2019-09']
      : schemaCompilers.draft7;
  try {
    ajv.compile(schema);
  } catch (err) {
    return (err as Error).message;
  } finally {
    ajv.removeSchema(schema);
  }
  validSchemas.add(text);
  if (validSchemas.size > 1024) validSchemas.delete(validSchemas.values().next().value as string);
  return null;
}
