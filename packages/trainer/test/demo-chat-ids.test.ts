import { encoderFromTokenizer } from '@agentlm/mixer';
import { DOMAINS, episodeToMessages, generateTask, runEpisode, ScriptedPolicy } from '@agentlm/synth';
import { AGENT_SPECIAL_TOKENS, type ChatMessage, renderChat, trainTokenizer } from '@agentlm/tokenizer';
import { describe, expect, it } from 'vitest';
import { toolSpecs } from '../src/agent-eval.js';
import { compactTask, demoSystemMessage } from '../src/demo/data.js';

/**
 * Chat content encodes as text since issue #19; the demo's data must not change with it: its trained
 * markup (think tags, tool calls, EOS) and its trusted system prompt keep their control-token ids.
 */
describe('demo chat ids', () => {
  it('equal the ids of the rendered text, as before content became text, in every domain', async () => {
    const chats: { messages: ChatMessage[]; tools: Record<string, unknown>[] }[] = [];
    for (const [d, domain] of DOMAINS.entries()) {
      const task = compactTask(generateTask(domain, 1, 11, d));
      const episode = await runEpisode(task, new ScriptedPolicy({ seed: d, mistakeRate: 0.2 }));
      const messages = episodeToMessages(episode).map((m) => (m.role === 'system' ? demoSystemMessage() : m));
      chats.push({ messages: messages as ChatMessage[], tools: toolSpecs(task) });
    }
    const tokenizer = await trainTokenizer({
      corpus: { texts: chats.map((c) => renderChat(c.messages, { tools: c.tools })) },
      vocabSize: 400,
      specialTokens: AGENT_SPECIAL_TOKENS,
    });
    const encoder = encoderFromTokenizer(tokenizer);
    const think = tokenizer.tokenToId('<think>') as number;
    const call = tokenizer.tokenToId('<tool_call>') as number;
    let calls = 0;
    for (const chat of chats) {
      const { ids, lossMask } = encoder.encodeChat(chat.messages, chat.tools);
      expect(Array.from(ids)).toEqual(tokenizer.encode(renderChat(chat.messages, { tools: chat.tools })));
      const trained = Array.from(ids).filter((_, i) => lossMask[i] === 1);
      expect(trained).toContain(think);
      calls += trained.filter((id) => id === call).length;
      // the system prompt's <think></think> stay the control tokens (trusted)
      const systemEnd = Array.from(ids).indexOf(tokenizer.tokenToId('<|User|>') as number);
      expect(Array.from(ids).slice(0, systemEnd)).toContain(think);
    }
    expect(calls).toBeGreaterThan(0);
  });
});
