import { conversation, SYSTEM_PROMPT } from '../cot.js';
import { type ChatFormat, youtuFormat } from '../format.js';
import type { Policy, PolicySession } from '../policy.js';
import type { AgentTurn, ChatMessage, EpisodeTurn, Observation, Task, ToolSpec } from '../types.js';

/**
 * A chat model run in-process (e.g. an @agentlm/inference model): given the conversation and the tool
 * specs, it returns the raw assistant generation (`<think>…</think>`, text, `<tool_call>` blocks).
 */
export interface ChatModel {
  complete(
    messages: ChatMessage[],
    tools: ToolSpec[],
    options: { maxTokens?: number; temperature?: number },
  ): Promise<string>;
}

export interface LocalModelPolicyOptions {
  /** Name recorded as `meta.teacher.model`. */
  modelName?: string;
  maxTokens?: number;
  temperature?: number;
  system?: string;
  format?: ChatFormat;
}

/**
 * Drives an injected `ChatModel` as a policy. A generation whose tool calls do not parse ends the
 * episode with stopReason `error` (and the parser's message), which an evaluation counts as an
 * invalid tool call.
 */
export class LocalModelPolicy implements Policy {
  readonly name = 'local';
  readonly model: string;

  constructor(
    private readonly chat: ChatModel,
    private readonly options: LocalModelPolicyOptions = {},
  ) {
    this.model = options.modelName ?? 'local';
  }

  start(task: Task): PolicySession {
    const turns: EpisodeTurn[] = [];
    let last: AgentTurn | undefined;
    return {
      next: async (observations: Observation[]) => {
        if (last) turns.push({ ...last, observations });
        const messages = conversation(task, turns, this.options.system ?? SYSTEM_PROMPT);
        const text = await this.chat.complete(messages, task.tools, {
          maxTokens: this.options.maxTokens,
          temperature: this.options.temperature,
        });
        const parsed = (this.options.format ?? youtuFormat).parseAssistant(text);
        last = {
          reasoning: parsed.reasoning,
          content: parsed.content,
          toolCalls: parsed.toolCalls.map((c, j) => ({ id: `call_${turns.length}_${j}`, ...c })),
        };
        return last;
      },
    };
  }
}
