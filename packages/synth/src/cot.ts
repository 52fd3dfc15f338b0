import type { ChatMessage, Episode, EpisodeTurn, Phases, Task } from './types.js';

/** The headers the Agentic-CoT thinking uses, in order; format checks look for all five. */
export const PHASE_HEADERS = ['Analysis:', 'Plan:', 'Action:', 'Reflection:', 'Summary:'] as const;

/** The system prompt of synthesized trajectories: short, so a small model can learn it. */
export const SYSTEM_PROMPT =
  'You are a careful agent. Think inside <think></think> in explicit phases: Analysis, Plan, Action, ' +
  'Reflection, Summary. Call tools when they help, check every result, then give the final answer.';

/**
 * Renders the phases of one turn as the thinking text. An opening turn reads analysis → plan → action
 * (→ reflection → summary when it is also the last); a later turn first reflects on what the tools
 * returned, then acts or sums up.
 */
export function writeThinking(phases: Phases): string {
  const parts: string[] = [];
  const reflection = phases.reflection ? `Reflection: ${phases.reflection}` : '';
  if (phases.analysis) parts.push(`Analysis: ${phases.analysis}`);
  if (phases.plan?.length) parts.push(`Plan:\n${phases.plan.map((s, i) => `${i + 1}. ${s}`).join('\n')}`);
  if (!phases.analysis && reflection) parts.push(reflection);
  if (phases.action) parts.push(`Action: ${phases.action}`);
  if (phases.analysis && reflection) parts.push(reflection);
  if (phases.summary) parts.push(`Summary: ${phases.summary}`);
  return parts.join('\n');
}

/** One assistant message: thinking first, then the visible text, tool calls alongside. */
export function assistantMessage(
  turn: Pick<EpisodeTurn, 'reasoning' | 'content' | 'toolCalls'>,
): ChatMessage {
  const message: ChatMessage = {
    role: 'assistant',
    content: `<think>\n${turn.reasoning}\n</think>\n\n${turn.content}`.trimEnd(),
  };
  if (turn.toolCalls.length > 0) {
    message.tool_calls = turn.toolCalls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return message;
}

/** The conversation so far: system, the task prompt, then each turn and its tool results. */
export function conversation(task: Task, turns: EpisodeTurn[], system = SYSTEM_PROMPT): ChatMessage[] {
  const messages: ChatMessage[] = [
    { role: 'system', content: system },
    { role: 'user', content: task.prompt },
  ];
  for (const turn of turns) {
    messages.push(assistantMessage(turn));
    for (const o of turn.observations)
      messages.push({ role: 'tool', content: o.content, tool_call_id: o.toolCallId });
  }
  return messages;
}

/** The Agentic-CoT writer: an episode as the chat of SPEC §4 (the last turn carries the final answer). */
export function episodeToMessages(episode: Episode, system = SYSTEM_PROMPT): ChatMessage[] {
  return conversation(episode.task, episode.turns, system);
}
