import { toolSpec } from '../schema.js';
import type { Observation, Task } from '../types.js';
import { CODE_FAMILIES, type CodeFamily } from './code-families.js';
import type { DomainModule, ExpertScript, ExpertStep, ToolHandler } from './domain.js';
import { ToolFailure } from './domain.js';

export const RUN_CODE = toolSpec(
  'run_code',
  'Run JavaScript in a sandbox and return what console.log printed and the last value.',
  {
    code: { type: 'string', description: 'JavaScript source; print with console.log' },
  },
);

export const runCode: ToolHandler = (args, state) => {
  if (!state.sandbox) throw new ToolFailure('run_code is not available: no sandbox in this environment');
  const r = state.sandbox.run(args.code as string);
  return r.ok ? { stdout: r.stdout } : { stdout: r.stdout, error: r.error };
};

const references = new Map<string, (...args: unknown[]) => unknown>();

/** Evaluates our own reference source in the host to get the hidden tests' expected values. */
function reference(family: CodeFamily): (...args: unknown[]) => unknown {
  let fn = references.get(family.name);
  if (!fn) {
    fn = new Function(`${family.solution}\nreturn ${family.name};`)() as (...args: unknown[]) => unknown;
    references.set(family.name, fn);
  }
  return fn;
}

function familyOf(task: Task): CodeFamily {
  const family = CODE_FAMILIES.find((f) => f.name === task.world.family);
  if (!family) throw new Error(`code task ${task.id}: unknown family ${String(task.world.family)}`);
  return family;
}

const call = (f: CodeFamily, args: unknown[]) =>
  `${f.name}(${args.map((a) => JSON.stringify(a)).join(', ')})`;

/** A script printing the function's result on each example, one JSON line per example. */
function exampleRun(f: CodeFamily, source: string, examples: unknown[][]): string {
  return `${source}\n${examples.map((args) => `console.log(JSON.stringify(${call(f, args)}));`).join('\n')}`;
}

/** Compares printed example results with the expected ones; returns the mismatching lines. */
function mismatches(f: CodeFamily, examples: unknown[][], observation: Observation | undefined): string[] {
  const printed = (JSON.parse(observation?.content ?? '{}') as { stdout?: string }).stdout?.split('\n') ?? [];
  const ref = reference(f);
  return examples.flatMap((args, i) => {
    const want = JSON.stringify(ref(...structuredClone(args)));
    return printed[i] === want
      ? []
      : [`${call(f, args)} printed ${printed[i] ?? 'nothing'}, expected ${want}`];
  });
}

function* solveCode(task: Task, mistake: boolean): ExpertScript {
  const f = familyOf(task);
  const examples = task.world.examples as unknown[][];
  const fixing = task.kind === 'fix-bug';
  const plan = fixing
    ? [
        'Run the given function on the examples to reproduce the failure.',
        'Find the faulty line and fix it.',
        'Re-run the examples.',
      ]
    : ['Write the function.', 'Run it on the examples in the sandbox.', 'Fix any mismatch, then submit.'];
  const analysis = fixing
    ? `The function \`${f.name}\` should ${f.does.replace(/^returns/, 'return')}, but it is buggy. I need to find the bug and submit a corrected version.`
    : `I need a JavaScript function \`${f.name}(${f.params})\` that ${f.does}. The examples show the expected behaviour.`;
  const first: ExpertStep = {
    phases: {
      analysis,
      plan,
      action: fixing ? 'Reproduce with the examples.' : 'Write a first version and test it on the examples.',
    },
    calls: [
      {
        name: 'run_code',
        arguments: { code: exampleRun(f, fixing || mistake ? f.buggy : f.solution, examples) },
      },
    ],
  };
  let observations = yield first;
  const wrong = mismatches(f, examples, observations[0]);
  if (wrong.length > 0) {
    observations = yield {
      phases: {
        reflection: `Mismatch: ${wrong.join('; ')}. The cause: ${f.bugNote}.`,
        action: 'Apply the fix and re-run the examples.',
      },
      calls: [{ name: 'run_code', arguments: { code: exampleRun(f, f.solution, examples) } }],
    };
  }
  const still = mismatches(f, examples, observations[0]);
  return {
    phases: {
      reflection:
        still.length === 0
          ? 'Every example now prints the expected value.'
          : `Still failing: ${still.join('; ')}.`,
      summary: `Submit \`${f.name}\`${fixing ? ' with the bug fixed' : ''}.`,
    },
    answer: `\`\`\`javascript\n${f.solution}\n\`\`\``,
  };
}

export const code: DomainModule = {
  domain: 'code',
  kinds: ['write-function', 'fix-bug'],
  generate(rng, difficulty) {
    const family = rng.pick(CODE_FAMILIES.filter((f) => f.difficulty === difficulty));
    const fixing = rng.chance(0.5);
    const ref = reference(family);
    // Two fixed examples that expose the typical bug, one random; the hidden tests add eight more.
    const shown = [...family.examples, family.randomArgs(rng)];
    const inputs = [...shown, ...Array.from({ length: 8 }, () => family.randomArgs(rng))];
    const tests = inputs.map((args) => ({ args, expected: ref(...structuredClone(args)) }));
    const examples = shown
      .map((args) => `${call(family, args)} → ${JSON.stringify(ref(...structuredClone(args)))}`)
      .join('\n');
    const reply = 'Reply with the complete function in one ```javascript code block.';
    const prompt = fixing
      ? `This JavaScript function should ${family.does.replace(/^returns/, 'return')}, but it has a bug:\n\`\`\`javascript\n${family.buggy}\n\`\`\`\nExpected:\n${examples}\nFind and fix the bug. ${reply}`
      : `Write a JavaScript function \`${family.name}(${family.params})\` that ${family.does}.\nExamples:\n${examples}\n${reply}`;
    return {
      kind: fixing ? 'fix-bug' : 'write-function',
      prompt,
      tools: [RUN_CODE],
      expected: { type: 'unit_tests', functionName: family.name, tests },
      world: { family: family.name, examples: shown },
      secrets: [family.solution],
    };
  },
  expert(task, options) {
    return solveCode(task, options.mistake);
  },
};
