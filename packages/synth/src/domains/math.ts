import { Rng } from '../rng.js';
import type { Difficulty, Task } from '../types.js';
import { answerLine, type DomainModule, type ExpertFinal, type ExpertScript, num } from './domain.js';

/** One computation step: shows its working from the values of the earlier steps and returns its value. */
interface MathStep {
  goal: string;
  work: (prev: number[]) => [string, number];
}

interface MathProblem {
  kind: string;
  prompt: string;
  asks: string;
  steps: MathStep[];
  /** A check of the final value that does not repeat the forward computation. */
  verify: (answer: number) => string;
}

const NAMES = ['Ana', 'Ben', 'Chen', 'Dara', 'Eli', 'Fatima', 'Goro', 'Hana', 'Ivan', 'Jon', 'Kemi', 'Lena'];
const ITEMS = ['pencils', 'notebooks', 'apples', 'stickers', 'candles', 'tickets', 'mugs', 'batteries'];

function shopping(rng: Rng, d: Difficulty): MathProblem {
  const who = rng.pick(NAMES);
  const [itemA, itemB] = rng.shuffle(ITEMS);
  const qa = rng.int(2, 9 * d);
  const pa = rng.int(2, 12 * d);
  const qb = rng.int(2, 9);
  const pb = rng.int(3, 15);
  const steps: MathStep[] = [
    { goal: `cost of the ${itemA}`, work: () => [`${qa} × ${pa} = ${qa * pa}`, qa * pa] },
  ];
  let prompt = `${who} buys ${qa} ${itemA} at $${pa} each`;
  if (d === 1) {
    return {
      kind: 'shopping',
      prompt: `${prompt}. How many dollars does ${who} pay?`,
      asks: 'the total price',
      steps,
      verify: (a) => `${a} / ${qa} = ${a / qa}, the unit price $${pa}`,
    };
  }
  prompt += ` and ${qb} ${itemB} at $${pb} each`;
  steps.push({ goal: `cost of the ${itemB}`, work: () => [`${qb} × ${pb} = ${qb * pb}`, qb * pb] });
  steps.push({ goal: 'total cost', work: ([a = 0, b = 0]) => [`${a} + ${b} = ${a + b}`, a + b] });
  if (d === 2) {
    return {
      kind: 'shopping',
      prompt: `${prompt}. How many dollars does ${who} pay in total?`,
      asks: 'the total price',
      steps,
      verify: (a) => `${a} − ${qb * pb} = ${a - qb * pb}, which is ${qa} × ${pa}`,
    };
  }
  const total = qa * pa + qb * pb;
  const bill = Math.ceil((total + 1) / 50) * 50;
  steps.push({
    goal: 'change from the bill',
    work: ([, , t = 0]) => [`${bill} − ${t} = ${bill - t}`, bill - t],
  });
  return {
    kind: 'shopping',
    prompt: `${prompt}, and pays with a $${bill} bill. How many dollars of change does ${who} get?`,
    asks: 'the change',
    steps,
    verify: (a) => `${a} + ${total} = ${a + total}, the bill`,
  };
}

const hours = (n: number) => `${n} hour${n === 1 ? '' : 's'}`;

function travel(rng: Rng, d: Difficulty): MathProblem {
  const v1 = rng.int(3, 12) * 5;
  const t1 = rng.int(1, 4);
  const steps: MathStep[] = [
    { goal: 'distance of the first leg', work: () => [`${v1} × ${t1} = ${v1 * t1}`, v1 * t1] },
  ];
  if (d === 1) {
    return {
      kind: 'travel',
      prompt: `A train runs at ${v1} km/h for ${hours(t1)}. How many kilometres does it cover?`,
      asks: 'the distance',
      steps,
      verify: (a) => `${a} / ${t1} = ${a / t1} km/h`,
    };
  }
  const v2 = rng.int(3, 12) * 5;
  const t2 = rng.int(1, 4);
  steps.push({ goal: 'distance of the second leg', work: () => [`${v2} × ${t2} = ${v2 * t2}`, v2 * t2] });
  steps.push({ goal: 'total distance', work: ([a = 0, b = 0]) => [`${a} + ${b} = ${a + b}`, a + b] });
  const legs = `A cyclist rides ${hours(t1)} at ${v1} km/h, then ${hours(t2)} at ${v2} km/h.`;
  if (d === 2) {
    return {
      kind: 'travel',
      prompt: `${legs} How many kilometres does the cyclist ride in total?`,
      asks: 'the total distance',
      steps,
      verify: (a) => `${a} − ${v2 * t2} = ${a - v2 * t2} = ${v1} × ${t1}`,
    };
  }
  steps.push({
    goal: 'average speed',
    work: ([, , s = 0]) => [`${s} / ${t1 + t2} = ${num(s / (t1 + t2))}`, s / (t1 + t2)],
  });
  return {
    kind: 'travel',
    prompt: `${legs} What is the average speed in km/h over the whole ride? Give at least two decimals if it is not whole.`,
    asks: 'the average speed',
    steps,
    verify: (a) => `${num(a)} × ${t1 + t2} = ${num(a * (t1 + t2))} km in total`,
  };
}

function linearEquation(rng: Rng, d: Difficulty): MathProblem {
  const x = rng.int(-12, 12);
  const a = rng.pick([2, 3, 4, 5, 6, 7, 8, 9]);
  const b = rng.int(-20, 20);
  if (d === 1) {
    const c = a * x + b;
    return {
      kind: 'linear-equation',
      prompt: `Solve for x: ${a}x + ${b} = ${c}.`,
      asks: 'x',
      steps: [
        { goal: `remove ${b} from both sides`, work: () => [`${a}x = ${c} − (${b}) = ${c - b}`, c - b] },
        { goal: `divide by ${a}`, work: ([r = 0]) => [`x = ${r} / ${a} = ${num(r / a)}`, r / a] },
      ],
      verify: (v) => `${a}·${num(v)} + ${b} = ${num(a * v + b)}, expected ${c}`,
    };
  }
  const c = rng.pick([1, 2, 3, 4, 5, 6, 7, 8, 9].filter((k) => k !== a));
  const e = (a - c) * x + b;
  const lhs = `${a}x + ${b}`;
  const rhs = `${c}x + ${e}`;
  const steps: MathStep[] = [
    { goal: `move ${c}x to the left`, work: () => [`${a - c}x + ${b} = ${e}`, a - c] },
    { goal: `move ${b} to the right`, work: ([k = 0]) => [`${k}x = ${e} − (${b}) = ${e - b}`, e - b] },
    { goal: `divide by ${a - c}`, work: ([k = 1, r = 0]) => [`x = ${r} / ${k} = ${num(r / k)}`, r / k] },
  ];
  if (d === 2) {
    return {
      kind: 'linear-equation',
      prompt: `Solve for x: ${lhs} = ${rhs}.`,
      asks: 'x',
      steps,
      verify: (v) => `left ${num(a * v + b)}, right ${num(c * v + e)}`,
    };
  }
  steps.push({
    goal: `evaluate x² − ${a}`,
    work: ([, , s = 0]) => [`${num(s)}² − ${a} = ${num(s * s - a)}`, s * s - a],
  });
  return {
    kind: 'linear-equation',
    prompt: `If ${lhs} = ${rhs}, what is the value of x² − ${a}?`,
    asks: `x² − ${a}`,
    steps,
    verify: (v) =>
      `x = ${x} gives ${x * x - a} = ${num(v)}, and ${a}·${x} + ${b} = ${a * x + b} = ${c}·${x} + ${e}`,
  };
}

const TEMPLATES = [shopping, travel, linearEquation];

function run(steps: MathStep[], slipAt = -1, slip = 0): { lines: string[]; values: number[] } {
  const values: number[] = [];
  const lines = steps.map((s, i) => {
    const [shown, value] = s.work(values);
    const v = i === slipAt ? value + slip : value;
    values.push(v);
    return `${i + 1}. ${s.goal}: ${i === slipAt ? shown.replace(/= [^=]*$/, `= ${num(v)}`) : shown}`;
  });
  return { lines, values };
}

/** Rebuilds the problem of a stored task (templates are pure functions of their seed). */
function problemOf(task: Task): MathProblem {
  const template = TEMPLATES[task.world.template as number];
  if (!template) throw new Error(`math task ${task.id}: unknown template ${String(task.world.template)}`);
  return template(new Rng(task.world.problemSeed as number), task.difficulty);
}

/** Math is solved in one turn, without tools: the generator returns without yielding. */
function* solveMath(task: Task, slipRng: Rng | null): ExpertScript {
  const p = problemOf(task);
  const correct = run(p.steps);
  const answer = correct.values.at(-1) ?? 0;
  const plan = p.steps.map((s) => `Compute the ${s.goal}.`);
  const analysis = `The question asks for ${p.asks}. Every quantity needed is given in the statement, so this is direct computation in ${p.steps.length} step(s).`;
  let action = correct.lines.join('\n');
  let reflection = `Check: ${p.verify(answer)}. The result is consistent.`;
  if (slipRng) {
    // A realistic slip: one step off by a small amount, noticed when the result is checked.
    const at = slipRng.int(0, p.steps.length - 1);
    const slipped = run(p.steps, at, slipRng.pick([-10, -2, -1, 1, 2, 10]));
    action = slipped.lines.join('\n');
    reflection =
      `Check: ${p.verify(slipped.values.at(-1) ?? 0)}. That does not match, so a step is wrong. ` +
      `Redoing step ${at + 1} carefully: ${correct.lines[at]}; I slipped there. Corrected working:\n` +
      `${correct.lines.join('\n')}\nCheck again: ${p.verify(answer)}. Now consistent.`;
  }
  const final: ExpertFinal = {
    phases: { analysis, plan, action, reflection, summary: `${p.asks} = ${num(answer)}.` },
    answer: `The answer is ${num(answer)}.\n${answerLine(num(answer))}`,
  };
  return final;
}

export const math: DomainModule = {
  domain: 'math',
  kinds: ['shopping', 'travel', 'linear-equation'],
  generate(rng, difficulty) {
    const template = rng.int(0, TEMPLATES.length - 1);
    const problemSeed = rng.int(0, 2 ** 31);
    const p = (TEMPLATES[template] as (typeof TEMPLATES)[number])(new Rng(problemSeed), difficulty);
    const answer = run(p.steps).values.at(-1) ?? 0;
    return {
      kind: p.kind,
      prompt: `${p.prompt}\nEnd your reply with a line "Answer: <number>".`,
      tools: [],
      expected: { type: 'numeric', value: answer, tolerance: Number.isInteger(answer) ? 1e-9 : 0.01 },
      world: { template, problemSeed },
      secrets: [num(answer)],
    };
  },
  expert(task, options): ExpertScript {
    return solveMath(task, options.mistake ? options.rng : null);
  },
};
