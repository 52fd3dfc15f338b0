import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '@agentlm/tensor';
import { describe, expect, it } from 'vitest';
import { streamChatTurn } from '../src/chat-turn.js';
import { newChat, openModel } from '../src/model-session.js';
import type { ModelFiles, Reply } from '../src/protocol.js';
import { SHIPPED_MODEL, SUGGESTIONS } from '../src/shipped.js';
import { verifySuggestion } from './helpers/verify.js';

/**
 * The model the playground ships answers its suggested prompts: each one runs through the worker's own code
 * (openModel, newChat, streamChatTurn) on the CPU backend with greedy decoding, calls the tool of its task,
 * and passes that task kind's verifier from @agentlm/synth.
 */
const dir = join(import.meta.dirname, '..', 'public', SHIPPED_MODEL.path);

function shippedFiles(): ModelFiles {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, new Blob([readFileSync(join(dir, f))])]));
}

describe('the shipped model', () => {
  it('offers the tools of its manifest with the sample store', async () => {
    const model = await openModel(SHIPPED_MODEL.name, shippedFiles(), await initBackend('cpu'));
    expect(model.tools.specs().map((s) => s.name)).toEqual(['kv_get', 'kv_set']);
    expect(model.toolState?.kv).toMatchObject({ team: 'kim', status: 'blocked' });
    expect(model.skippedTools).toEqual([]);
    model.youtu.dispose();
  });

  for (const suggestion of SUGGESTIONS) {
    it(`answers "${suggestion.label}" with a tool call that the ${suggestion.kind} verifier passes`, async () => {
      const model = await openModel(SHIPPED_MODEL.name, shippedFiles(), await initBackend('cpu'));
      const chat = newChat(model, SHIPPED_MODEL.system);
      if (chat === null) throw new Error('the shipped model has no tokenizer');
      const replies: Reply[] = [];
      const request = {
        type: 'chat' as const,
        text: suggestion.prompt,
        maxNewTokens: 128,
        thinking: true,
        tools: true,
        temperature: 0,
        system: SHIPPED_MODEL.system,
      };
      await streamChatTurn(chat, request, 0, (r) => replies.push(r));
      const tools = replies.flatMap((r) => (r.type === 'tool' ? [r] : []));
      const done = replies.at(-1);
      if (done?.type !== 'done') throw new Error(`the turn did not finish: ${JSON.stringify(done)}`);
      expect(tools.map((t) => [t.name, t.ok])).toEqual([
        [suggestion.kind === 'kv-lookup' ? 'kv_get' : 'kv_set', true],
      ]);
      const verdict = await verifySuggestion(suggestion, done.content, model.toolState?.kv ?? {});
      expect(verdict, JSON.stringify({ reply: done.content, tools })).toMatchObject({ passed: true });
      chat.session.dispose();
      model.youtu.dispose();
    });
  }
});
