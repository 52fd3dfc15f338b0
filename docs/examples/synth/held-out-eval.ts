// Evaluate a model on held-out tasks: the trainer's loop. Any model is plugged in as a ChatModel that
// returns raw Youtu-format text; here a stand-in that always calls the weather tool and answers 19 (right only for Lisbon).
import { type ChatModel, checkAnswer, generateTasks, LocalModelPolicy, runEpisode } from '@agentlm/synth';

const stubModel: ChatModel = {
  async complete(messages) {
    const sawResult = messages.at(-1)?.role === 'tool';
    if (!sawResult)
      return '<think>Analysis: look it up.</think><tool_call>{"name": "get_weather", "arguments": {"city": "Lisbon"}}</tool_call>';
    return '<think>Summary: done.</think>It is 19 °C.\nAnswer: 19';
  },
};

// Held-out tasks: another seed than the training data's.
const tasks = generateTasks('tools', { seed: 1_000_001, count: 20, difficulty: 1 });
const policy = new LocalModelPolicy(stubModel, { modelName: 'stub' });
let solved = 0;
let invalidCalls = 0;
for (const task of tasks) {
  const episode = await runEpisode(task, policy, undefined, { maxTurns: 4 });
  invalidCalls += episode.turns.flatMap((t) => t.observations).filter((o) => !o.ok).length;
  if ((await checkAnswer(task, episode)).passed) solved++;
}
console.log(
  `stub model: solved ${solved}/${tasks.length} held-out tool tasks, ${invalidCalls} rejected tool calls`,
);
