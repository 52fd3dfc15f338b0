import { Template } from '@huggingface/jinja';
import { TokenizerOptionError } from '../errors.js';
import type { Tokenizer } from '../tokenizer.js';
import { AGENT_TOKENS, type AgentFormatOptions, agentSegments } from './agent-format.js';
import type { ChatMessage } from './types.js';

export interface RenderChatOptions extends AgentFormatOptions {
  /** A Hugging Face Jinja chat template (e.g. `tokenizer.chatTemplate`); omitted: the built-in agent format. */
  template?: string | null;
  /** Values the template sees as `bos_token` / `eos_token` (default: the agent format's). */
  bosToken?: string;
  eosToken?: string;
  /** Extra variables for the template. */
  variables?: Record<string, unknown>;
}

const compiled = new Map<string, Template>();

/** Renders a chat to text with a Jinja template, or with the built-in agent format when none is given. */
export function renderChat(messages: readonly ChatMessage[], options: RenderChatOptions = {}): string {
  if (!options.template)
    return agentSegments(messages, options)
      .map((s) => s.text)
      .join('');
  let template = compiled.get(options.template);
  if (template === undefined) {
    try {
      template = new Template(options.template);
    } catch (err) {
      throw new TokenizerOptionError(
        'template',
        `is not a valid Jinja chat template: ${(err as Error).message}`,
      );
    }
    compiled.set(options.template, template);
  }
  try {
    return template.render({
      ...options.variables,
      messages,
      tools: options.tools && options.tools.length > 0 ? options.tools : undefined,
      add_generation_prompt: options.addGenerationPrompt === true,
      enable_thinking: options.enableThinking ?? true,
      bos_token: options.bosToken ?? AGENT_TOKENS.beginOfText,
      eos_token: options.eosToken ?? AGENT_TOKENS.endOfText,
    });
  } catch (err) {
    throw new TokenizerOptionError('template', `failed to render: ${(err as Error).message}`);
  }
}

/** Token ids of a chat plus a loss mask that is 1 exactly on the assistant's own tokens. */
export interface EncodedChat {
  ids: number[];
  lossMask: Uint8Array;
}

/**
 * Encodes a chat in the agent format with its assistant-only loss mask. Every piece boundary sits next
 * to a special token, so the ids equal `tokenizer.encode(renderChat(messages, options))`. Assistant turns
 * are trainable from their first token after `<|Assistant|>` through `<|end_of_text|>`.
 */
export function encodeChat(
  tokenizer: Tokenizer,
  messages: readonly ChatMessage[],
  options: AgentFormatOptions = {},
): EncodedChat {
  const ids: number[] = [];
  const mask: number[] = [];
  for (const segment of agentSegments(messages, options)) {
    const piece = tokenizer.encode(segment.text);
    for (const id of piece) {
      ids.push(id);
      mask.push(segment.trainable ? 1 : 0);
    }
  }
  return { ids, lossMask: Uint8Array.from(mask) };
}
