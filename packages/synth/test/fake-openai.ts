import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScriptedPolicy, type Task } from '../src/index.js';

/** What the fake server does with one request: answer as the expert, or fail in a scripted way. */
export type Fault = 'ok' | '429' | '500' | '400' | 'timeout' | 'malformed-args' | 'malformed-inline';

interface WireMessage {
  role: string;
  content: string | null;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/**
 * An OpenAI-compatible server on 127.0.0.1 whose "model" is the scripted expert: it finds the task by
 * its prompt, replays the conversation so far through the expert and returns the next turn. `fault`
 * picks, per request number, an error to return instead.
 */
export async function startFakeTeacher(tasks: Task[], fault: (request: number, prompt: string) => Fault) {
  const byPrompt = new Map(tasks.map((t) => [t.prompt, t]));
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', async () => {
      const { messages } = JSON.parse(body) as { messages: WireMessage[] };
      const prompt = messages.find((m) => m.role === 'user')?.content ?? '';
      requests.push(prompt);
      const what = fault(requests.length, prompt);
      if (what === 'timeout') return; // never answers; the client's timeout fires
      if (what === '429' || what === '500' || what === '400') {
        res.writeHead(Number(what), {
          'content-type': 'application/json',
          ...(what === '429' ? { 'retry-after': '0.01' } : {}),
        });
        res.end(JSON.stringify({ error: { message: `scripted ${what}` } }));
        return;
      }
      const task = byPrompt.get(prompt);
      if (!task) {
        res.writeHead(404).end();
        return;
      }
      // Replay: the expert's turns so far, fed the tool results found in the request.
      const session = new ScriptedPolicy({ mistakeRate: 0 }).start(task);
      let turn = await session.next([]);
      for (const [i, m] of messages.entries()) {
        if (m.role !== 'assistant') continue;
        const results = messages
          .slice(i + 1)
          .filter((r, k, rest) => r.role === 'tool' && rest.slice(0, k).every((p) => p.role === 'tool'));
        turn = await session.next(
          results.map((r) => ({
            toolCallId: r.tool_call_id ?? '',
            name: '',
            content: r.content ?? '',
            ok: true,
          })),
        );
      }
      const toolCalls = turn.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: {
          name: c.name,
          arguments: what === 'malformed-args' ? '{"city": ' : JSON.stringify(c.arguments),
        },
      }));
      const content = `<think>${turn.reasoning}</think>\n\n${turn.content}${what === 'malformed-inline' ? '<tool_call>{not json</tool_call>' : ''}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `cmpl-${requests.length}`,
          object: 'chat.completion',
          created: 0,
          model: 'fake-teacher',
          choices: [
            {
              index: 0,
              finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
              message: { role: 'assistant', content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
            },
          ],
          usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
