// The tool loop with a scripted LanguageModel: any object with newSequence()/append() can drive
// generation, chat and the server. This one "decides" to call the calculator, then answers.
import {
  ChatSession,
  calculatorTool,
  Engine,
  type LanguageModel,
  type TokenCodec,
  ToolRegistry,
  youtuChatFormat,
} from '@agentlm/inference';

const bytes: TokenCodec = {
  encode: (text) => [...new TextEncoder().encode(text)],
  decodeBytes: (ids) => new Uint8Array(ids.filter((id) => id < 256)),
};
const EOS = 256;

/** Answers the last rendered turn: a tool result is reported, anything else becomes a calculator call. */
function reply(prompt: string): string {
  const response = /<tool_response>(.*)<\/tool_response><\|Assistant\|>$/s.exec(prompt);
  if (response) return `<think>The tool says ${response[1]}.</think>It is ${response[1]}.`;
  return '<think>Arithmetic: use the calculator.</think><tool_call>{"name": "calculator", "arguments": {"expression": "(17 + 25) * 3"}}</tool_call>';
}

const scripted: LanguageModel = {
  name: 'scripted',
  vocabSize: 257,
  contextLength: 8192,
  eosTokenIds: [EOS],
  newSequence() {
    const ids: number[] = [];
    let promptLength = 0;
    return {
      get length() {
        return ids.length;
      },
      async append(more) {
        if (more.length > 1) promptLength = ids.length + more.length; // a prefill is a new prompt
        ids.push(...more);
        const answer = bytes.encode(
          reply(new TextDecoder().decode(new Uint8Array(ids.slice(0, promptLength)))),
        );
        const logits = new Float32Array(257).fill(-30);
        logits[answer[ids.length - promptLength] ?? EOS] = 30;
        return logits;
      },
      truncate: (n) => {
        ids.length = Math.min(ids.length, n);
      },
      dispose: () => {},
    };
  },
};

const engine = new Engine(scripted, { tokenizer: bytes });
const chat = new ChatSession(engine.createSession(), {
  format: youtuChatFormat(),
  tools: new ToolRegistry().register(calculatorTool),
  temperature: 0,
  maxNewTokens: 200,
});
const events = chat.send('What is (17 + 25) * 3?');
for (let e = await events.next(); ; e = await events.next()) {
  if (e.done) {
    console.log(`final: ${e.value.message.content} (${e.value.steps} steps, ${e.value.finishReason})`);
    break;
  }
  const event = e.value;
  if (event.type === 'tool_call')
    console.log(`tool call: ${event.call.name} ${JSON.stringify(event.call.arguments)}`);
  if (event.type === 'tool_result') console.log(`tool result: ${event.outcome.content}`);
  if (event.type === 'message' && event.message.reasoning)
    console.log(`reasoning: ${event.message.reasoning}`);
}
