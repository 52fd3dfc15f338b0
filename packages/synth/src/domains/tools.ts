import type { Task } from '../types.js';
import { type DomainModule, withRecoveredBadCall } from './domain.js';
import type { ToolTemplate } from './tool-template.js';
import { CHAINED_TEMPLATES } from './tool-templates-chained.js';
import { SINGLE_CALL_TEMPLATES } from './tool-templates-single.js';
import { TOOL_SPECS } from './toolbox.js';

const TEMPLATES: ToolTemplate[] = [...SINGLE_CALL_TEMPLATES, ...CHAINED_TEMPLATES];

function templateOf(task: Task): ToolTemplate {
  const template = TEMPLATES.find((t) => t.kind === task.kind);
  if (!template) throw new Error(`tools task ${task.id}: unknown kind ${task.kind}`);
  return template;
}

export const tools: DomainModule = {
  domain: 'tools',
  kinds: TEMPLATES.map((t) => t.kind),
  generate(rng, difficulty) {
    const template = rng.pick(TEMPLATES.filter((t) => t.difficulty === difficulty));
    const made = template.make(rng);
    // Harder tasks also offer tools they do not need, so choosing the right one is part of the task.
    const extra = rng
      .shuffle(Object.keys(TOOL_SPECS).filter((n) => !template.needs.includes(n)))
      .slice(0, difficulty - 1);
    return {
      kind: template.kind,
      prompt: made.prompt,
      tools: [...template.needs, ...extra].map((n) => TOOL_SPECS[n]).filter((s) => s !== undefined),
      expected: made.expected,
      world: { params: made.params, kv: made.kv ?? {} },
      secrets: made.secrets,
    };
  },
  expert(task, options) {
    const script = templateOf(task).solve(task.world.params as Record<string, unknown>);
    return options.mistake ? withRecoveredBadCall(script) : script;
  },
};
