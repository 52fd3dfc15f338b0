import { FakeModel, respondAfter } from './fakes.js';

/**
 * A fake chat model in the Youtu format: it reads the last user turn of the rendered prompt and
 * answers by rule — "add A and B" calls the add tool, a tool response is reported back, "broken"
 * writes an unreadable tool call, "loop" calls a tool forever, anything else is echoed.
 */
export function chatModel(): FakeModel {
  return new FakeModel({
    name: 'fake-chat',
    script: respondAfter('<|Assistant|>', (prompt) => {
      const lastUser = prompt.slice(
        prompt.lastIndexOf('<|User|>') + '<|User|>'.length,
        -'<|Assistant|>'.length,
      );
      if (prompt.includes('<|User|>loop<'))
        return '<tool_call>{"name": "add", "arguments": {"a": 1, "b": 1}}</tool_call>';
      const response = /^<tool_response>(.*)<\/tool_response>$/s.exec(lastUser);
      if (response) {
        if (response[1]?.startsWith('Error: could not read'))
          return '<think>oops</think>Sorry, my call was malformed.';
        return `<think>got ${response[1]}</think>The result is ${response[1]}.`;
      }
      const add = /add (-?\d+) and (-?\d+)/.exec(lastUser);
      if (add) {
        return `<think>I should add.</think><tool_call>{"name": "add", "arguments": {"a": ${add[1]}, "b": ${add[2]}}}</tool_call>`;
      }
      if (lastUser === 'broken') return '<tool_call>{"name": "add", "arguments": {oops}</tool_call>';
      return `<think>thinking about ${lastUser}</think>You said: ${lastUser}`;
    }),
  });
}
