// Evaluate a model on held-out tasks, as the trainer does: any model is plugged in as a ChatModel that
// returns raw Youtu-format text. Here a stand-in that always asks for Lisbon's weather and answers 19.
import {
  type ChatModel,
  checkAnswer,
  evaluatePolicy,
  generateTasks,
  LocalModelPolicy,
  runEpisode,
} from '@agentlm/synth';

const stubModel: ChatModel = {
  async complete(messages) {
    if (messages.at(-1)?.role !== 'tool') {
      return '<think>Analysis: look it up.</think><tool_call>{"name": "get_weather", "arguments": {"city": "Lisbon"}}</tool_call>';
    }
    return '<think>Summary: done.</think>It is 19 °C.\nAnswer: 19';
  },
};
const policy = new LocalModelPolicy(stubModel, { modelName: 'stub' });

// Held-out tasks come from a seed the training data did not use; pass the training set's dedupKeys as
// `exclude` to drop any held-out task identical to a training task.
const report = await evaluatePolicy(policy, {
  seed: 1_000_001,
  perCell: 5,
  domains: ['tools', 'math'],
  difficulties: [1],
});
for (const [domain, s] of Object.entries(report.domains)) {
  console.log(
    `${domain}: solved ${s.solved}/${s.tasks}, tool-call validity ${(s.toolCallValidity * 100).toFixed(0)}% (${s.invalidToolCalls} invalid of ${s.toolCalls})`,
  );
}

// The same pieces by hand: generate, run, check.
const [task] = generateTasks('tools', { seed: 1_000_001, count: 1, difficulty: 1 });
if (task) {
  const episode = await runEpisode(task, policy, undefined, { maxTurns: 4 });
  console.log(`\n${task.prompt}\n-> ${episode.final} (passed: ${(await checkAnswer(task, episode)).passed})`);
}
