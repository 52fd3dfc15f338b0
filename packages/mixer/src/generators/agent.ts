import type { ChatDocument } from '../document.js';
import type { Rng } from '../random.js';
import { NAMES, THINGS } from './world.js';

const CALCULATOR = {
  type: 'function',
  function: {
    name: 'calculator',
    description: 'Evaluate an arithmetic expression with + - * / and parentheses.',
    parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] },
  },
};

/**
 * Agentic-CoT trajectories (SPEC §4) for word problems solved with a calculator tool: the assistant
 * thinks in analysis / plan phases, calls the tool, reads the observation, reflects, and summarises
 * the answer. Prices and counts are random; every tool result and answer is computed, so all are correct.
 */
export function agentDocument(rng: Rng): ChatDocument {
  const [name, pronoun] = rng.pick(NAMES);
  const thing = rng.pick(THINGS).name;
  const count = rng.int(2, 12);
  const price = rng.int(2, 40);
  const paid = Math.ceil((count * price + 1) / 10) * 10 + rng.int(0, 3) * 10;
  const total = count * price;
  const expression = `${paid} - ${count} * ${price}`;
  const change = paid - total;
  return {
    tools: [CALCULATOR],
    messages: [
      {
        role: 'system',
        content: 'You are a careful assistant. Think step by step and use tools for arithmetic.',
      },
      {
        role: 'user',
        content: `${name} buys ${count} ${thing}s at $${price} each and pays with $${paid}. How much change does ${pronoun} get?`,
      },
      {
        role: 'assistant',
        content:
          `<think>Analysis: the cost is ${count} × $${price}, and the change is what is left of $${paid}.\n` +
          'Plan: 1. compute the change with the calculator. 2. check it. 3. answer.\n' +
          'Action: call the calculator.</think>',
        tool_calls: [{ name: 'calculator', arguments: { expression } }],
      },
      { role: 'tool', content: String(change), tool_call_id: 'call_0' },
      {
        role: 'assistant',
        content:
          `<think>Reflection: ${count} × ${price} = ${total}, and ${total} + ${change} = ${paid}, so the result checks out.</think>\n` +
          `Summary: the ${thing}s cost $${total}, so ${name} gets $${change} in change.`,
      },
    ],
  };
}
