import type { ChatSession } from '@agentlm/inference';
import type { Reply, Request } from './protocol.js';

/**
 * One user turn of the chat, streamed to the page: reasoning and answer deltas as they arrive, a card per tool
 * call with its result (the ChatSession runs the registry's tools between generations), and live statistics —
 * time to first token, decode tokens/s and the latent KV-cache bytes the session holds.
 */
export async function streamChatTurn(
  chat: ChatSession,
  req: Request & { type: 'chat' },
  kvBytesPerToken: number,
  reply: (msg: Reply) => void,
): Promise<void> {
  const started = performance.now();
  let firstTokenAt: number | null = null;
  let generated = 0;
  const stats = () => {
    const now = performance.now();
    const decodeSeconds = Math.max(1e-3, (now - (firstTokenAt ?? now)) / 1000);
    reply({
      type: 'stats',
      tokensPerSecond: generated > 1 ? (generated - 1) / decodeSeconds : 0,
      timeToFirstTokenMs: (firstTokenAt ?? now) - started,
      kvBytes: chat.session.cachedTokens * kvBytesPerToken,
    });
  };
  const turn = chat.send(req.text, {
    ...(req.tools ? {} : { tools: [] }),
    maxNewTokens: req.maxNewTokens,
    thinking: req.thinking,
    // 0 is greedy decoding (what the shipped model's suggestions were checked with); sampling keeps the top 20
    temperature: req.temperature,
    ...(req.temperature > 0 ? { topK: 20 } : {}),
  });
  for (;;) {
    const next = await turn.next();
    if (next.done) {
      stats();
      reply({ type: 'done', content: next.value.message.content });
      return;
    }
    const event = next.value;
    if (event.type === 'delta') {
      firstTokenAt ??= performance.now();
      generated++;
      reply({ type: event.kind === 'reasoning' ? 'reasoning' : 'token', text: event.text });
      if (generated % 4 === 0) stats();
    } else if (event.type === 'tool_result') {
      reply({
        type: 'tool',
        name: event.call.name,
        arguments: event.call.arguments,
        result: event.outcome.content,
        ok: event.outcome.ok,
      });
    }
  }
}
