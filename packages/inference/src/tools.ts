import { Ajv, type ValidateFunction } from 'ajv';
import { ToolError } from './errors.js';

/** A JSON-schema object (draft-07 / 2019-09 subset that ajv understands). */
export type JsonSchema = Record<string, unknown>;

/** What the model sees of a tool: the OpenAI function spec (name, description, JSON-schema parameters). */
export interface ToolSpec {
  name: string;
  description?: string;
  parameters: JsonSchema;
}

/** A tool the chat loop may run: its spec plus the handler. */
export interface ToolDefinition<Args = Record<string, unknown>> extends ToolSpec {
  /** Runs the tool; the returned value (a string, or anything JSON-serialisable) goes back to the model. */
  handler: (args: Args, context: { signal: AbortSignal }) => unknown | Promise<unknown>;
  /** Per-call time limit; default the registry's (10 s). */
  timeoutMs?: number;
}

/** A tool call as parsed from the model's output. `arguments` is whatever the model wrote. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: unknown;
}

/** The outcome of a tool call; failures are results too (the model reads them and may retry). */
export interface ToolOutcome {
  ok: boolean;
  /** The text handed back to the model in a tool-response turn. */
  content: string;
}

/**
 * Registered tools with JSON-schema validated arguments. `call` never throws for the model's
 * mistakes (unknown tool, bad arguments, handler error, timeout): it returns `{ ok: false }` with a
 * message the model can act on.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, { def: ToolDefinition<never>; validate: ValidateFunction }>();
  private readonly ajv = new Ajv({ allErrors: true, strict: false });

  constructor(private readonly defaultTimeoutMs = 10_000) {}

  /** Adds a tool; throws ToolError for a duplicate name or an invalid schema. */
  register<Args>(def: ToolDefinition<Args>): this {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(def.name)) {
      throw new ToolError(def.name, 'names must be 1-64 characters of letters, digits, _ . -');
    }
    if (this.tools.has(def.name)) throw new ToolError(def.name, 'is already registered');
    let validate: ValidateFunction;
    try {
      validate = this.ajv.compile(def.parameters);
    } catch (err) {
      throw new ToolError(def.name, `parameters is not a valid JSON schema: ${(err as Error).message}`);
    }
    this.tools.set(def.name, { def: def as unknown as ToolDefinition<never>, validate });
    return this;
  }

  unregister(name: string): boolean {
    return this.tools.delete(name);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  get size(): number {
    return this.tools.size;
  }

  /** The specs of every tool, in registration order (for the chat template and `/tools`). */
  specs(): ToolSpec[] {
    return [...this.tools.values()].map(({ def }) => ({
      name: def.name,
      ...(def.description === undefined ? {} : { description: def.description }),
      parameters: def.parameters,
    }));
  }

  /** Validates the arguments and runs the tool under its time limit. */
  async call(call: Pick<ToolCall, 'name' | 'arguments'>): Promise<ToolOutcome> {
    const entry = this.tools.get(call.name);
    if (entry === undefined) {
      const known = [...this.tools.keys()].join(', ') || 'none';
      return { ok: false, content: `Error: unknown tool "${call.name}" (available: ${known})` };
    }
    if (!entry.validate(call.arguments)) {
      const problems = (entry.validate.errors ?? [])
        .map((e) => `${e.instancePath === '' ? 'arguments' : `arguments${e.instancePath}`} ${e.message}`)
        .join('; ');
      return { ok: false, content: `Error: invalid arguments for tool "${call.name}": ${problems}` };
    }
    const timeoutMs = entry.def.timeoutMs ?? this.defaultTimeoutMs;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const value = await Promise.race([
        Promise.resolve().then(() =>
          entry.def.handler(call.arguments as never, { signal: controller.signal }),
        ),
        timeout,
      ]);
      return { ok: true, content: typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null') };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, content: `Error: tool "${call.name}" failed: ${message}` };
    } finally {
      clearTimeout(timer);
    }
  }
}
