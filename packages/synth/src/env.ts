import { type EnvState, ToolFailure } from './domains/domain.js';
import { HANDLERS } from './domains/index.js';
import { Sandbox } from './sandbox.js';
import { validateArguments } from './schema.js';
import type { Observation, Task, ToolCall } from './types.js';

/**
 * Executes a policy's tool calls for one task: checks each call against the task's tool specs (by
 * JSON schema), runs the simulated API or the sandbox, and returns the result as an observation. A bad
 * call becomes an error observation the policy can react to; it never throws.
 */
export class Environment {
  readonly state: EnvState;

  constructor(task: Task, sandbox?: Sandbox) {
    this.state = { task, kv: { ...((task.world.kv as Record<string, string> | undefined) ?? {}) }, sandbox };
  }

  /** Creates the environment of a task, starting a sandbox when the task offers `run_code` and none is given. */
  static async create(task: Task, sandbox?: Sandbox): Promise<Environment> {
    const needsSandbox = task.tools.some((t) => t.function.name === 'run_code');
    return new Environment(task, sandbox ?? (needsSandbox ? await Sandbox.create() : undefined));
  }

  execute(call: ToolCall): Observation {
    const reply = (content: unknown, ok: boolean, invalid?: Observation['invalid']): Observation => ({
      toolCallId: call.id,
      name: call.name,
      content: JSON.stringify(content),
      ok,
      ...(invalid ? { invalid } : {}),
    });
    const spec = this.state.task.tools.find((t) => t.function.name === call.name);
    const handler = HANDLERS[call.name];
    if (!spec || !handler) {
      return reply(
        {
          error: `unknown tool ${JSON.stringify(call.name)}; available: ${this.state.task.tools.map((t) => t.function.name).join(', ')}`,
        },
        false,
        'unknown_tool',
      );
    }
    const invalid = validateArguments(spec, call.arguments);
    if (invalid)
      return reply({ error: `invalid arguments for ${call.name}: ${invalid}` }, false, 'invalid_arguments');
    try {
      return reply(handler(call.arguments, this.state), true);
    } catch (err) {
      if (err instanceof ToolFailure) return reply({ error: err.message }, false);
      return reply({ error: `${call.name} failed: ${(err as Error).message}` }, false);
    }
  }

  /** The state a `tool_state` checker compares: the key-value store. */
  snapshot(): Record<string, unknown> {
    return { kv: { ...this.state.kv } };
  }
}
