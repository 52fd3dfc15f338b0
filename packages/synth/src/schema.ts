import { Ajv, type ValidateFunction } from 'ajv';
import type { ToolSpec } from './types.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

/**
 * Checks tool-call arguments against the tool's JSON schema (with ajv; one compiled validator per distinct
 * schema). Returns null when valid, else one line naming every offending field.
 */
export function validateArguments(spec: ToolSpec, args: unknown): string | null {
  const key = JSON.stringify(spec.function.parameters);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(spec.function.parameters);
    compiled.set(key, validate);
  }
  if (validate(args)) return null;
  return (validate.errors ?? [])
    .map(
      (e) =>
        `${e.instancePath ? `arguments${e.instancePath.replaceAll('/', '.')}` : 'arguments'} ${e.message ?? 'is invalid'}`,
    )
    .join('; ');
}

/** Shorthand for a function spec whose parameters are an object of required, closed properties. */
export function toolSpec(
  name: string,
  description: string,
  properties: Record<string, Record<string, unknown>>,
  required: string[] = Object.keys(properties),
): ToolSpec {
  return {
    type: 'function',
    function: {
      name,
      description,
      parameters: { type: 'object', properties, required, additionalProperties: false },
    },
  };
}
