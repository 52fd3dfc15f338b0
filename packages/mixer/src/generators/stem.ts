import type { TextDocument } from '../document.js';
import type { Rng } from '../random.js';

/**
 * STEM text with worked solutions: column addition and subtraction, multiplication and division with
 * remainder, linear equations with a check, unit conversions, one-formula physics problems, and tiny
 * programs with the output they print. Every number is computed, so every worked answer is correct.
 */
export function stemDocument(rng: Rng): TextDocument {
  const parts: string[] = [];
  const count = rng.int(2, 5);
  for (let i = 0; i < count; i++) parts.push(rng.pick(KINDS)(rng));
  return { text: parts.join('\n\n') };
}

const KINDS: ((rng: Rng) => string)[] = [
  addition,
  subtraction,
  multiplication,
  division,
  linearEquation,
  conversion,
  physics,
  program,
];

function addition(rng: Rng): string {
  const a = rng.int(10, 9999);
  const b = rng.int(10, 9999);
  const steps: string[] = [];
  let carry = 0;
  const da = digits(a);
  const db = digits(b);
  for (let i = 0; i < Math.max(da.length, db.length); i++) {
    const x = da[i] ?? 0;
    const y = db[i] ?? 0;
    const s = x + y + carry;
    steps.push(
      `${PLACE[i]}: ${x} + ${y}${carry ? ` + ${carry}` : ''} = ${s}, write ${s % 10}${s >= 10 ? ', carry 1' : ''}.`,
    );
    carry = s >= 10 ? 1 : 0;
  }
  if (carry) steps.push('Write the final carry 1.');
  return `Problem: Compute ${a} + ${b}.\nSolution: Add column by column from the right.\n${steps.join('\n')}\nAnswer: ${a} + ${b} = ${a + b}.`;
}

function subtraction(rng: Rng): string {
  const a = rng.int(100, 9999);
  const b = rng.int(10, a);
  return `Problem: Compute ${a} - ${b}.\nSolution: ${a} - ${b} = ${a - b}. Check: ${a - b} + ${b} = ${a}.\nAnswer: ${a - b}.`;
}

function multiplication(rng: Rng): string {
  const a = rng.int(12, 999);
  const b = rng.int(2, 99);
  const tens = Math.floor(b / 10) * 10;
  const ones = b % 10;
  const lines = [`Problem: Compute ${a} × ${b}.`, `Solution: Split ${b} into ${tens} + ${ones}.`];
  if (tens) lines.push(`${a} × ${tens} = ${a * tens}.`);
  if (ones) lines.push(`${a} × ${ones} = ${a * ones}.`);
  if (tens && ones) lines.push(`${a * tens} + ${a * ones} = ${a * b}.`);
  lines.push(`Answer: ${a} × ${b} = ${a * b}.`);
  return lines.join('\n');
}

function division(rng: Rng): string {
  const d = rng.int(2, 12);
  const q = rng.int(2, 300);
  const r = rng.int(0, d - 1);
  const n = d * q + r;
  return `Problem: Divide ${n} by ${d}.\nSolution: ${d} × ${q} = ${d * q}, and ${n} - ${d * q} = ${r}.\nAnswer: ${n} ÷ ${d} = ${q} remainder ${r}.`;
}

function linearEquation(rng: Rng): string {
  const x = rng.int(-20, 20);
  const a = rng.pick([2, 3, 4, 5, 6, 7, 8, 9, -2, -3, -4, -5]);
  const b = rng.int(-30, 30);
  const c = a * x + b;
  const v = rng.pick(['x', 'y', 'n', 't']);
  const bText = b < 0 ? `- ${-b}` : `+ ${b}`;
  return [
    `Problem: Solve ${a}${v} ${bText} = ${c}.`,
    `Step 1: ${b < 0 ? `Add ${-b} to` : `Subtract ${b} from`} both sides: ${a}${v} = ${c - b}.`,
    `Step 2: Divide both sides by ${a}: ${v} = ${(c - b) / a}.`,
    `Check: ${a} × ${paren(x)} ${bText} = ${a * x} ${bText} = ${c}.`,
    `Answer: ${v} = ${x}.`,
  ].join('\n');
}

const CONVERSIONS: [from: string, to: string, factor: number][] = [
  ['kilometers', 'meters', 1000],
  ['meters', 'centimeters', 100],
  ['kilograms', 'grams', 1000],
  ['hours', 'minutes', 60],
  ['minutes', 'seconds', 60],
  ['liters', 'milliliters', 1000],
  ['days', 'hours', 24],
];

function conversion(rng: Rng): string {
  if (rng.chance(0.2)) {
    const c = rng.int(-10, 40) * 5;
    const f = (c * 9) / 5 + 32;
    return `Convert ${c} degrees Celsius to Fahrenheit.\nUse F = C × 9/5 + 32: ${c} × 9/5 = ${(c * 9) / 5}, and ${(c * 9) / 5} + 32 = ${f}.\nSo ${c} °C = ${f} °F.`;
  }
  const [from, to, factor] = rng.pick(CONVERSIONS);
  const n = rng.int(1, 99);
  if (rng.chance(0.5))
    return `Convert ${n} ${from} to ${to}.\nThere are ${factor} ${to} in one of the ${from}, so ${n} × ${factor} = ${n * factor}.\nSo ${n} ${from} = ${n * factor} ${to}.`;
  return `Convert ${n * factor} ${to} to ${from}.\nDivide by ${factor}: ${n * factor} ÷ ${factor} = ${n}.\nSo ${n * factor} ${to} = ${n} ${from}.`;
}

function physics(rng: Rng): string {
  const kind = rng.int(0, 3);
  if (kind === 0) {
    const v = rng.int(2, 30);
    const t = rng.int(2, 20);
    return `A cyclist rides at a constant speed of ${v} m/s for ${t} s. How far does she go?\nDistance = speed × time = ${v} × ${t} = ${v * t} m.`;
  }
  if (kind === 1) {
    const m = rng.int(1, 50);
    const a = rng.int(1, 10);
    return `A force pushes a ${m} kg box so that it accelerates at ${a} m/s². What is the force?\nNewton's second law: F = m × a = ${m} × ${a} = ${m * a} N.`;
  }
  if (kind === 2) {
    const f = rng.int(2, 100);
    const d = rng.int(2, 20);
    return `How much work is done pushing a cart with ${f} N over ${d} m?\nWork = force × distance = ${f} × ${d} = ${f * d} J.`;
  }
  const vol = rng.int(2, 20);
  const rho = rng.pick([1, 2, 3, 7, 8, 11]);
  return `A block has a volume of ${vol} cm³ and a density of ${rho} g/cm³. What is its mass?\nMass = density × volume = ${rho} × ${vol} = ${rho * vol} g.`;
}

function program(rng: Rng): string {
  const n = rng.int(3, 12);
  const kind = rng.int(0, 2);
  if (kind === 0) {
    let s = 0;
    for (let i = 1; i <= n; i++) s += i;
    return `This program adds the numbers from 1 to ${n}:\n\nlet total = 0;\nfor (let i = 1; i <= ${n}; i++) total += i;\nconsole.log(total);\n\nOutput: ${s}`;
  }
  if (kind === 1) {
    const squares = Array.from({ length: n }, (_, i) => (i + 1) ** 2);
    return `This program prints the first ${n} square numbers:\n\nsquares = [i * i for i in range(1, ${n + 1})]\nprint(squares)\n\nOutput: [${squares.join(', ')}]`;
  }
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return `This program computes ${n} factorial:\n\nfunction factorial(n) {\n  return n <= 1 ? 1 : n * factorial(n - 1);\n}\nconsole.log(factorial(${n}));\n\nOutput: ${f}`;
}

const PLACE = ['Ones', 'Tens', 'Hundreds', 'Thousands', 'Ten-thousands'];

function digits(n: number): number[] {
  return String(n).split('').reverse().map(Number);
}

function paren(x: number): string {
  return x < 0 ? `(${x})` : String(x);
}
