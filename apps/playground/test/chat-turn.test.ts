import {
  ChatSession,
  Engine,
  type LanguageModel,
  type ModelSequence,
  youtuChatFormat,
} from '@agentlm/inference';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';
import { describe, expect, it } from 'vitest';
import { streamChatTurn } from '../src/chat-turn.js';
import type { Reply } from '../src/protocol.js';
import { demoTools } from '../src/tools.js';

/**
 * A scripted model: whatever the prompt, the logits pick the next id of a fixed script. The script moves on
 * when the id it proposed is appended (a decode step); a prompt (prefill) after a proposed EOS starts the
 * next scripted turn.
 */
function scriptedModel(script: number[], vocabSize: number, eos: number): LanguageModel {
  let at = 0;
  let proposed = -1;
  return {
    name: 'scripted',
    vocabSize,
    contextLength: 4096,
    eosTokenIds: [eos],
    newSequence(): ModelSequence {
      let length = 0;
      return {
        get length() {
          return length;
        },
        async append(ids) {
          length += ids.length;
          if (ids.length === 1 && proposed >= 0 && ids[0] === script[proposed]) at = proposed + 1;
          else if (proposed === at && script[at] === eos) at++;
          proposed = at;
          const logits = new Float32Array(vocabSize);
          logits[script[at] ?? eos] = 100;
          return logits;
        },
        truncate(n) {
          length = n;
        },
        dispose() {},
      };
    },
  };
}

describe('streamChatTurn', () => {
  it('streams a turn whose tool call runs in the browser tools, then the answer, with statistics', async () => {
    const tokenizer = await trainTokenizer({
      corpus: { texts: ['calculator expression arguments name The answer is 5.'] },
      vocabSize: 300,
      specialTokens: AGENT_SPECIAL_TOKENS,
    });
    const eos = tokenizer.eosId as number;
    const script = [
      ...tokenizer.encode(
        '<tool_call>{"name": "calculator", "arguments": {"expression": "2 + 3"}}</tool_call>',
      ),
      eos,
      ...tokenizer.encode('The answer is 5.'),
      eos,
    ];
    const engine = new Engine(scriptedModel(script, tokenizer.vocabSize, eos), { tokenizer });
    const format = youtuChatFormat({ template: tokenizer.chatTemplate });
    const chat = new ChatSession(engine.createSession(), { format, tools: demoTools() });
    const replies: Reply[] = [];
    await streamChatTurn(
      chat,
      {
        type: 'chat',
        text: 'What is 2 + 3?',
        maxNewTokens: 64,
        thinking: false,
        tools: true,
        temperature: 0.7,
        system: '',
      },
      100,
      (r) => replies.push(r),
    );
    expect(replies.filter((r) => r.type === 'tool')).toEqual([
      { type: 'tool', name: 'calculator', arguments: { expression: '2 + 3' }, result: '5', ok: true },
    ]);
    const streamed = replies.flatMap((r) => (r.type === 'token' ? [r.text] : [])).join('');
    expect(streamed).toContain('The answer is 5.');
    expect(replies.at(-1)).toEqual({ type: 'done', content: 'The answer is 5.' });
    const stats = replies.filter((r) => r.type === 'stats').at(-1);
    expect(stats?.type === 'stats' && stats.kvBytes).toBe(chat.session.cachedTokens * 100);
    expect(stats?.type === 'stats' && stats.kvBytes).toBeGreaterThan(0);
  });
});
