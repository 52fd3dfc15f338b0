/**
 * Deterministic fuzzing for the parsers a user can feed (tokenizer.json, config.json, safetensors, configs,
 * shards): seeded mutations of a valid input, a bounded number of cases, and one check of every outcome —
 * the parser accepts the input, or it throws the package's typed error (with a `code`) naming the file.
 * A raw TypeError/RangeError, a crash or a hang is a parser bug. Imported by the packages' tests by path.
 */

/** mulberry32: a small seeded generator, so every case is reproducible from (seed, index). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const int = (rand: () => number, n: number) => Math.floor(rand() * n);

/** Byte-level damage: flips, truncation, insertion, deletion, duplication, a run of 0x00 or 0xff. */
export function mutateBytes(bytes: Uint8Array, rand: () => number): Uint8Array {
  const out = [...bytes];
  const at = int(rand, out.length + 1);
  switch (int(rand, 6)) {
    case 0:
      for (let k = 0, n = 1 + int(rand, 4); k < n && out.length > 0; k++)
        out[int(rand, out.length)] ^= 1 << int(rand, 8);
      break;
    case 1:
      out.length = at;
      break;
    case 2:
      out.splice(at, 0, ...Array.from({ length: 1 + int(rand, 8) }, () => int(rand, 256)));
      break;
    case 3:
      out.splice(at, 1 + int(rand, 16));
      break;
    case 4:
      out.splice(at, 0, ...out.slice(at, at + 1 + int(rand, 32)));
      break;
    default:
      out.fill(rand() < 0.5 ? 0 : 0xff, at, at + 1 + int(rand, 8));
  }
  return Uint8Array.from(out);
}

/** Text-level damage, biased towards JSON's structure characters. */
export function mutateText(text: string, rand: () => number): string {
  if (rand() < 0.5) return new TextDecoder().decode(mutateBytes(new TextEncoder().encode(text), rand));
  const at = int(rand, text.length + 1);
  return (
    text.slice(0, at) +
    pick(rand, ['{', '}', '[', ']', '"', ':', ',', '-', '0', 'e9', 'null', '\\']) +
    text.slice(at + int(rand, 2))
  );
}

/** Values of every wrong kind a field may be given. */
const HOSTILE_VALUES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  -0.5,
  2 ** 31,
  2 ** 53 + 2,
  1e308,
  -1e308,
  '',
  'x',
  '-1',
  '1e999',
  '../../etc/passwd',
  '__proto__',
  [],
  [1, 2, 3],
  [null],
  {},
  { a: 1 },
  'a'.repeat(1000),
];

/** Every path to a node of a JSON value (the root is []). */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) paths(value[i], [...prefix, i], out);
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

/**
 * Structure-level damage to a JSON value (a deep copy): one node replaced by a hostile value, deleted,
 * emptied, or duplicated under a new key; its path is returned for the failure message.
 */
export function mutateJson(value: unknown, rand: () => number): { value: unknown; path: string } {
  const copy = structuredClone(value);
  // a depth first, then a node at that depth: the few top-level fields are hit as often as the many leaves
  const all = paths(copy);
  const nodes = all.length > 1 ? all.slice(1) : all;
  const depth = pick(rand, [...new Set(nodes.map((p) => p.length))]);
  const path = pick(
    rand,
    nodes.filter((p) => p.length === depth),
  );
  const label = path.join('.') || '(root)';
  if (path.length === 0) return { value: pick(rand, HOSTILE_VALUES), path: label };
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const key = path[path.length - 1] as string | number;
  const choice = int(rand, 10);
  if (choice === 0 && !Array.isArray(parent)) delete parent[key];
  else if (choice === 1 && Array.isArray(parent)) parent.splice(key as number, 1);
  else if (choice === 2) {
    const v = parent[key];
    parent[key] = Array.isArray(v) ? [] : typeof v === 'object' && v !== null ? {} : v;
  } else parent[key] = structuredClone(pick(rand, HOSTILE_VALUES));
  return { value: copy, path: label };
}

/** Mutations of one valid input: JSON-structure changes (when it is JSON), text changes and byte changes. */
export function* jsonCases(
  valid: unknown,
  seed: number,
  count: number,
): Generator<{ text: string; what: string }> {
  const rand = seeded(seed);
  const text = JSON.stringify(valid, null, 1);
  for (let i = 0; i < count; i++) {
    const kind = i % 3;
    if (kind === 0) {
      let { value, path } = mutateJson(valid, rand);
      let what = path;
      // a second and third change now and then, so combinations are tried too
      while (rand() < 0.3) {
        const next = mutateJson(value, rand);
        value = next.value;
        what += `, ${next.path}`;
      }
      yield { text: JSON.stringify(value), what: `case ${i}: json at ${what}` };
    } else if (kind === 1) yield { text: mutateText(text, rand), what: `case ${i}: text` };
    else yield { text: text.slice(0, int(rand, text.length)), what: `case ${i}: truncated` };
  }
}

export interface FuzzOutcome {
  accepted: number;
  rejected: number;
}

/**
 * Runs `attempt` on every case and checks each failure: an instance of `errorClass` with a string `code`
 * and a message containing `file`. Anything else (TypeError, RangeError, a foreign error, a missing name)
 * fails the test with the case that caused it.
 */
export async function expectTypedFailures<C extends { what: string }>(
  cases: Iterable<C>,
  attempt: (c: C) => unknown,
  errorClass: abstract new (...args: never[]) => Error,
  file: string,
): Promise<FuzzOutcome> {
  const outcome: FuzzOutcome = { accepted: 0, rejected: 0 };
  for (const c of cases) {
    try {
      await attempt(c);
      outcome.accepted++;
    } catch (err) {
      const e = err as Error & { code?: unknown };
      const ok = err instanceof errorClass && typeof e.code === 'string' && e.message.includes(file);
      if (!ok) {
        const detail = err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err);
        throw new Error(`${c.what}: expected a ${errorClass.name} naming ${file}, got ${detail}`);
      }
      outcome.rejected++;
    }
  }
  return outcome;
}
