import type { TextDocument } from '../document.js';
import type { Rng } from '../random.js';

interface Task {
  /** What the function does, for the docstring. */
  doc: string;
  python: (fn: string, arg: string) => string;
  typescript: (fn: string, arg: string) => string;
  /** A random argument, as source text and as a value. */
  input: (rng: Rng) => unknown;
  run: (input: never) => unknown;
}

/**
 * Source files in Python or TypeScript: one to three small functions (sums, maxima, factorials,
 * Fibonacci, primality, string reversal, vowel counts, gcd), each with a doc comment and example calls
 * whose results are computed here, so the expected outputs in the comments are right.
 */
export function codeDocument(rng: Rng): TextDocument {
  const python = rng.chance(0.5);
  const count = rng.int(1, 3);
  const blocks: string[] = [];
  const used = new Set<Task>();
  for (let i = 0; i < count; i++) {
    const task = rng.pick(TASKS);
    if (used.has(task)) continue;
    used.add(task);
    const fn = rng.pick(task === TASKS[0] ? ['total', 'sum_all', 'add_up'] : (NAMES.get(task) ?? ['f']));
    const arg = rng.pick(['xs', 'values', 'items', 'n', 'data']);
    const calls = Array.from({ length: rng.int(1, 3) }, () => task.input(rng));
    const body = python ? task.python(snake(fn), arg) : task.typescript(camel(fn), arg);
    const examples = calls.map((input) =>
      python
        ? `print(${snake(fn)}(${literal(input)}))  # ${literal(task.run(input as never))}`
        : `console.log(${camel(fn)}(${literal(input)})); // ${literal(task.run(input as never))}`,
    );
    const comment = python ? `# ${task.doc}` : `// ${task.doc}`;
    blocks.push(`${comment}\n${body}\n\n${examples.join('\n')}`);
  }
  return { text: blocks.join('\n\n') };
}

const intList = (rng: Rng) => Array.from({ length: rng.int(2, 7) }, () => rng.int(-9, 50));
const word = (rng: Rng) =>
  rng.pick(['banana', 'kitchen', 'orbit', 'tensor', 'agent', 'planet', 'river', 'lemon', 'aurora']);

const TASKS: Task[] = [
  {
    doc: 'Return the sum of a list of numbers.',
    python: (f, a) =>
      `def ${f}(${a}):\n    result = 0\n    for x in ${a}:\n        result += x\n    return result`,
    typescript: (f, a) =>
      `function ${f}(${a}: number[]): number {\n  let result = 0;\n  for (const x of ${a}) result += x;\n  return result;\n}`,
    input: intList,
    run: (xs: number[]) => xs.reduce((s, x) => s + x, 0),
  },
  {
    doc: 'Return the largest number in a non-empty list.',
    python: (f, a) =>
      `def ${f}(${a}):\n    best = ${a}[0]\n    for x in ${a}[1:]:\n        if x > best:\n            best = x\n    return best`,
    typescript: (f, a) =>
      `function ${f}(${a}: number[]): number {\n  let best = ${a}[0];\n  for (const x of ${a}) if (x > best) best = x;\n  return best;\n}`,
    input: intList,
    run: (xs: number[]) => Math.max(...xs),
  },
  {
    doc: 'Return n factorial.',
    python: (f, a) => `def ${f}(${a}):\n    return 1 if ${a} <= 1 else ${a} * ${f}(${a} - 1)`,
    typescript: (f, a) =>
      `function ${f}(${a}: number): number {\n  return ${a} <= 1 ? 1 : ${a} * ${f}(${a} - 1);\n}`,
    input: (rng) => rng.int(0, 10),
    run: (n: number) => {
      let r = 1;
      for (let i = 2; i <= n; i++) r *= i;
      return r;
    },
  },
  {
    doc: 'Return the n-th Fibonacci number (fib(0) = 0, fib(1) = 1).',
    python: (f, a) =>
      `def ${f}(${a}):\n    a, b = 0, 1\n    for _ in range(${a}):\n        a, b = b, a + b\n    return a`,
    typescript: (f, a) =>
      `function ${f}(${a}: number): number {\n  let [x, y] = [0, 1];\n  for (let i = 0; i < ${a}; i++) [x, y] = [y, x + y];\n  return x;\n}`,
    input: (rng) => rng.int(0, 20),
    run: (n: number) => {
      let [x, y] = [0, 1];
      for (let i = 0; i < n; i++) [x, y] = [y, x + y];
      return x;
    },
  },
  {
    doc: 'Return True when n is a prime number.',
    python: (f, a) =>
      `def ${f}(${a}):\n    if ${a} < 2:\n        return False\n    d = 2\n    while d * d <= ${a}:\n        if ${a} % d == 0:\n            return False\n        d += 1\n    return True`,
    typescript: (f, a) =>
      `function ${f}(${a}: number): boolean {\n  if (${a} < 2) return false;\n  for (let d = 2; d * d <= ${a}; d++) if (${a} % d === 0) return false;\n  return true;\n}`,
    input: (rng) => rng.int(0, 100),
    run: (n: number) => {
      if (n < 2) return false;
      for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
      return true;
    },
  },
  {
    doc: 'Return the string reversed.',
    python: (f, a) => `def ${f}(${a}):\n    return ${a}[::-1]`,
    typescript: (f, a) => `function ${f}(${a}: string): string {\n  return [...${a}].reverse().join('');\n}`,
    input: word,
    run: (s: string) => [...s].reverse().join(''),
  },
  {
    doc: 'Count the vowels in a string.',
    python: (f, a) => `def ${f}(${a}):\n    return sum(1 for c in ${a} if c in "aeiou")`,
    typescript: (f, a) =>
      `function ${f}(${a}: string): number {\n  return [...${a}].filter((c) => 'aeiou'.includes(c)).length;\n}`,
    input: word,
    run: (s: string) => [...s].filter((c) => 'aeiou'.includes(c)).length,
  },
  {
    doc: 'Return the greatest common divisor of the two numbers in a pair.',
    python: (f, a) => `def ${f}(${a}):\n    x, y = ${a}\n    while y:\n        x, y = y, x % y\n    return x`,
    typescript: (f, a) =>
      `function ${f}(${a}: [number, number]): number {\n  let [x, y] = ${a};\n  while (y) [x, y] = [y, x % y];\n  return x;\n}`,
    input: (rng) => [rng.int(1, 20) * rng.int(1, 12), rng.int(1, 20) * rng.int(1, 12)],
    run: ([x, y]: [number, number]) => {
      while (y) [x, y] = [y, x % y];
      return x;
    },
  },
];

const NAMES = new Map<Task, string[]>([
  [TASKS[1], ['largest', 'max_value', 'find_max']],
  [TASKS[2], ['factorial', 'fact']],
  [TASKS[3], ['fib', 'fibonacci']],
  [TASKS[4], ['is_prime', 'check_prime']],
  [TASKS[5], ['reverse', 'reversed_text']],
  [TASKS[6], ['count_vowels', 'vowels']],
  [TASKS[7], ['gcd', 'greatest_divisor']],
]);

function snake(name: string): string {
  return name;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function literal(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  return String(v);
}
