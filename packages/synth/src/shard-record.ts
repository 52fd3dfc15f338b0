import { ShardError } from './errors.js';
import { DOMAINS, type Trajectory } from './types.js';

const ROLES = ['system', 'user', 'assistant', 'tool'];

type Check = (value: unknown, field: string) => void;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks one shard record against the trajectory record of SPEC §4 (the fields readers use), so a damaged
 * or foreign shard fails here with the file, the record and the field, not later inside a reader.
 * `where` is `line N` (JSONL) or `record N` (msgpack).
 */
export function checkTrajectory(record: unknown, file: string, where: string): Trajectory {
  const fail = (field: string, expected: string, value: unknown): never => {
    const shown = JSON.stringify(value)?.slice(0, 80) ?? String(value);
    throw new ShardError(file, `${where}: ${field} must be ${expected}, got ${shown}`);
  };
  const object: Check = (v, field) => {
    if (!isObject(v)) fail(field, 'an object', v);
  };
  const string: Check = (v, field) => {
    if (typeof v !== 'string') fail(field, 'a string', v);
  };
  const array = (v: unknown, field: string, each: Check) => {
    if (!Array.isArray(v)) fail(field, 'an array', v);
    for (const [i, item] of (v as unknown[]).entries()) each(item, `${field}[${i}]`);
  };
  const tool: Check = (v, field) => {
    object(v, field);
    object((v as Record<string, unknown>).function, `${field}.function`);
    string((v as { function: Record<string, unknown> }).function.name, `${field}.function.name`);
  };
  const message: Check = (v, field) => {
    object(v, field);
    const m = v as Record<string, unknown>;
    if (!ROLES.includes(m.role as string)) fail(`${field}.role`, `one of ${ROLES.join(', ')}`, m.role);
    string(m.content, `${field}.content`);
    if (m.tool_calls !== undefined)
      array(m.tool_calls, `${field}.tool_calls`, (c, at) => {
        object(c, at);
        object((c as Record<string, unknown>).function, `${at}.function`);
        const fn = (c as { function: Record<string, unknown> }).function;
        string(fn.name, `${at}.function.name`);
        object(fn.arguments, `${at}.function.arguments`);
      });
  };

  object(record, 'the record');
  const r = record as Record<string, unknown>;
  string(r.id, 'id');
  if (!DOMAINS.includes(r.domain as never)) fail('domain', `one of ${DOMAINS.join(', ')}`, r.domain);
  object(r.task, 'task');
  const task = r.task as Record<string, unknown>;
  string(task.prompt, 'task.prompt');
  array(task.tools, 'task.tools', tool);
  object(task.world, 'task.world');
  const secrets = (task.world as Record<string, unknown>).secrets;
  if (secrets !== undefined) array(secrets, 'task.world.secrets', string);
  expected(task.expected, fail);
  array(r.messages, 'messages', message);
  array(r.tools, 'tools', tool);
  object(r.verdict, 'verdict');
  if (typeof (r.verdict as Record<string, unknown>).passed !== 'boolean')
    fail('verdict.passed', 'a boolean', (r.verdict as Record<string, unknown>).passed);
  object(r.meta, 'meta');
  return record as Trajectory;
}

/** `task.expected`, which the answer checkers read: its `type` and the fields of that type. */
function expected(v: unknown, fail: (field: string, expected: string, value: unknown) => never): void {
  if (!isObject(v)) fail('task.expected', 'an object', v);
  const e = v as Record<string, unknown>;
  const want: Record<string, Record<string, string>> = {
    numeric: { value: 'number', tolerance: 'number' },
    exact: { value: 'string' },
    unit_tests: { functionName: 'string', tests: 'array' },
    tool_state: { kv: 'object' },
  };
  const fields = want[e.type as string];
  if (fields === undefined) fail('task.expected.type', `one of ${Object.keys(want).join(', ')}`, e.type);
  for (const [key, type] of Object.entries(fields as Record<string, string>)) {
    const value = e[key];
    const ok =
      type === 'array' ? Array.isArray(value) : type === 'object' ? isObject(value) : typeof value === type;
    if (!ok)
      fail(`task.expected.${key}`, `a${type === 'array' || type === 'object' ? 'n' : ''} ${type}`, value);
  }
}
